"""Tools through the real SDKs to fake vendors that refuse what the real ones refuse.

The fakes check tool names, property keys and schemas the way each vendor does (its rules and
its error shape), so a tool the adapter leaves invalid fails these tests with the vendor's 400.
A call the model makes with a renamed key comes out of the provider with the real key.
"""

from __future__ import annotations

import anthropic
import pytest

from app.llm.base import ToolCall, ToolSpec
from app.llm.errors import TooManyTools
from app.llm.messages import AssistantMessage, Message, ToolCallRequest, ToolResultMessage
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.server import Call, Reply, Text
from tests.llm.conftest import HELLO, LOCAL, collect, fake_server, model_for
from tests.llm.test_tool_adapters import GMAIL, MODERN

ANTHROPIC_WIRE_KEY = "_.xgafv"


@pytest.mark.parametrize("vendor", ["openai", "anthropic", "google"])
async def test_imported_tools_are_accepted_and_calls_come_back_in_real_names(
    vendor: str,
) -> None:
    key = ANTHROPIC_WIRE_KEY if vendor == "anthropic" else "$.xgafv"
    script = [
        Reply([Call(GMAIL.name, {key: "2", "userId": "me"}, id="call_1", fragments=4)]),
        Reply([Text("Done.")]),
    ]
    async with fake_server(vendor, script) as fake:
        model = model_for(vendor, fake)
        events = await collect(model, HELLO, [GMAIL, MODERN])
        [call] = [e for e in events if isinstance(e, ToolCall)]
        assert call.name == GMAIL.name
        assert call.arguments == {"$.xgafv": "2", "userId": "me"}
        # The next request carries the call as the vendor made it, and is accepted too.
        history: list[Message] = [
            *HELLO,
            AssistantMessage(
                tool_calls=[ToolCallRequest(id=call.id, name=call.name, arguments=call.arguments)]
            ),
            ToolResultMessage(tool_call_id=call.id, name=call.name, content="[]"),
        ]
        assert [e for e in await collect(model, history, [GMAIL, MODERN]) if e.type == "finish"]
    first, second = fake.bodies()
    assert len(fake.requests) == 2  # neither was refused
    if vendor == "anthropic":
        schema = first["tools"][0]["input_schema"]
        assert ANTHROPIC_WIRE_KEY in schema["properties"] and "$.xgafv" not in schema["properties"]
        [tool_use] = second["messages"][1]["content"]
        assert tool_use["input"] == {ANTHROPIC_WIRE_KEY: "2", "userId": "me"}
    if vendor == "google":
        declaration = first["tools"][0]["functionDeclarations"][1]
        assert "$defs" not in str(declaration) and declaration["parameters"]["type"] == "OBJECT"


async def test_the_fake_refuses_raw_tools_the_way_anthropic_does() -> None:
    """Without the adapter, Anthropic's 400 names the property-key pattern."""
    async with FakeAnthropic([Reply([Text("never")])]) as fake:
        client = anthropic.AsyncAnthropic(
            api_key="k", base_url=fake.base_url, max_retries=0, http_client=LOCAL.client(5)
        )
        with pytest.raises(anthropic.BadRequestError) as refused:
            await client.messages.create(
                model="claude-sonnet-4-6",
                max_tokens=10,
                messages=[{"role": "user", "content": "hi"}],
                tools=[{"name": GMAIL.name, "input_schema": GMAIL.input_schema}],
            )
        await client.close()
    assert "Property keys should match pattern '^[a-zA-Z0-9_.-]{1,64}$'" in str(refused.value)
    assert refused.value.body == {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "tools.0.custom.input_schema.properties: Property keys should match "
            "pattern '^[a-zA-Z0-9_.-]{1,64}$'",
        },
    }


async def test_openai_with_more_than_128_tools_stops_before_sending() -> None:
    tools = [ToolSpec(name=f"op_{i}", input_schema={"type": "object"}) for i in range(130)]
    async with fake_server("openai", [Reply([Text("never")])]) as fake:
        with pytest.raises(TooManyTools) as refused:
            await collect(model_for("openai", fake), HELLO, tools)
    assert fake.requests == []
    assert "130 enabled" in refused.value.message
