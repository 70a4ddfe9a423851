"""What each vendor receives: our messages, tools and settings in its own request format.

The tool result round trip runs through the real stream: the first call's tool call (its
vendor-given or synthesized id) comes back in the second request the vendor's way.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from app.llm.base import ModelSettings, ToolCall
from app.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCallRequest,
    ToolResultMessage,
    UserMessage,
)
from tests.fakes.google_server import SIGNATURE
from tests.fakes.server import Call, Reply, Text
from tests.llm.conftest import WEATHER, collect, fake_server, model_for

SETTINGS = ModelSettings(temperature=0.2, max_tokens=256, top_p=0.9)


async def round_trip(vendor: str, *, is_error: bool = False) -> tuple[ToolCall, dict[str, Any]]:
    """Make a call that returns a tool call, send its result back; the second request body."""
    script = [
        Reply([Text("Let me check."), Call("get_weather", {"city": "Paris"}, fragments=3)]),
        Reply([Text("21°C")]),
    ]
    messages: list[Message] = [
        SystemMessage(content="You are terse."),
        UserMessage(content="Weather in Paris?"),
    ]
    async with fake_server(vendor, script) as fake:
        model = model_for(vendor, fake)
        [call] = [e for e in await collect(model, messages, [WEATHER]) if isinstance(e, ToolCall)]
        messages += [
            AssistantMessage(
                content="Let me check.",
                tool_calls=[ToolCallRequest.model_validate(call.model_dump(exclude={"type"}))],
            ),
            ToolResultMessage(
                tool_call_id=call.id, name=call.name, content='{"temp_c": 21}', is_error=is_error
            ),
        ]
        await collect(model, messages, [WEATHER], SETTINGS)
    return call, fake.requests[1].json()


async def test_openai_gets_the_tool_result_as_a_tool_message() -> None:
    call, body = await round_trip("openai")
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'},
    ]
    assert call.id == "call_fake1"
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": WEATHER.description,
                "parameters": WEATHER.input_schema,
            },
        }
    ]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["top_p"], body["max_completion_tokens"]) == (0.2, 0.9, 256)


async def test_openai_marks_a_failed_tool_result_in_its_content() -> None:
    _, body = await round_trip("openai", is_error=True)
    assert body["messages"][-1]["content"] == 'Error: {"temp_c": 21}'


async def test_anthropic_gets_the_tool_result_as_a_tool_result_block() -> None:
    call, body = await round_trip("anthropic")
    assert body["system"] == "You are terse."
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": call.id, "content": '{"temp_c": 21}'}
            ],
        },
    ]
    assert call.id == "toolu_fake1"
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": WEATHER.description,
            "input_schema": WEATHER.input_schema,
        }
    ]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 256)


async def test_anthropic_flags_a_failed_tool_result() -> None:
    _, body = await round_trip("anthropic", is_error=True)
    assert body["messages"][-1]["content"][0]["is_error"] is True


async def test_anthropic_requires_max_tokens_so_a_default_is_sent() -> None:
    async with fake_server("anthropic", [Reply([Text("hi")])]) as fake:
        await collect(model_for("anthropic", fake))
    assert fake.requests[0].json()["max_tokens"] == 4096


async def test_google_gets_the_tool_result_as_a_function_response_by_name() -> None:
    call, body = await round_trip("google")
    assert body["systemInstruction"]["parts"] == [{"text": "You are terse."}]
    user, model_turn, result = body["contents"]
    assert user == {"role": "user", "parts": [{"text": "Weather in Paris?"}]}
    assert model_turn["role"] == "model"
    text_part, call_part = model_turn["parts"]
    assert text_part == {"text": "Let me check."}
    # Gemini gave no id: ours is synthesized and stays on our side of the wire.
    assert call.id.startswith("gcall_")
    assert call_part["functionCall"] == {"name": "get_weather", "args": {"city": "Paris"}}
    # Gemini 3's thought signature rides on the call, and goes back with it.
    assert call.thought_signature == SIGNATURE
    assert base64.b64decode(call_part["thoughtSignature"]) == base64.b64decode(SIGNATURE)
    assert result == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "get_weather",
                    "response": {"result": '{"temp_c": 21}'},
                }
            }
        ],
    }
    [tool] = body["tools"]
    [declaration] = tool["functionDeclarations"]
    # `parameters`: Gemini's own schema subset (app.llm.gemini_schema), as the SDK spells it.
    assert declaration == {
        "name": "get_weather",
        "description": WEATHER.description,
        "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
    }
    assert body["generationConfig"] == {"temperature": 0.2, "topP": 0.9, "maxOutputTokens": 256}


async def test_google_sends_a_failed_tool_result_as_an_error_response() -> None:
    _, body = await round_trip("google", is_error=True)
    response = body["contents"][-1]["parts"][0]["functionResponse"]["response"]
    assert response == {"error": '{"temp_c": 21}'}


async def test_google_replays_unknown_calls_with_the_documented_skip_signature() -> None:
    """A call made elsewhere (another worker, another vendor) has no signature here."""
    messages: list[Message] = [
        UserMessage(content="Weather?"),
        AssistantMessage(
            tool_calls=[
                ToolCallRequest(id="toolu_from_claude", name="get_weather", arguments={}),
                ToolCallRequest(id="toolu_second", name="get_weather", arguments={"x": 1}),
            ]
        ),
        ToolResultMessage(tool_call_id="toolu_from_claude", name="get_weather", content="a"),
        ToolResultMessage(tool_call_id="toolu_second", name="get_weather", content="b"),
    ]
    async with fake_server("google", [Reply([Text("ok")])]) as fake:
        await collect(model_for("google", fake), messages, [WEATHER])
    body = fake.requests[0].json()
    first, second = body["contents"][1]["parts"]
    assert base64.urlsafe_b64decode(first["thoughtSignature"]) == base64.urlsafe_b64decode(
        "skip_thought_signature_validator"
    )
    assert "thoughtSignature" not in second
    # Ids Gemini did not mint go back as given, and both results share one turn.
    assert first["functionCall"]["id"] == "toolu_from_claude"
    responses = [p["functionResponse"] for p in body["contents"][2]["parts"]]
    assert [(r["id"], r["response"]) for r in responses] == [
        ("toolu_from_claude", {"result": "a"}),
        ("toolu_second", {"result": "b"}),
    ]
    assert json.dumps(body).count("functionResponse") == 2


def _signed_history() -> list[Message]:
    """A conversation whose tool calls Gemini signed (one call of a reply is signed)."""
    return [
        UserMessage(content="Weather?"),
        AssistantMessage(
            tool_calls=[
                ToolCallRequest(
                    id="gcall_1", name="get_weather", arguments={}, thought_signature=SIGNATURE
                ),
                ToolCallRequest(id="gcall_2", name="get_weather", arguments={"x": 1}),
            ]
        ),
        ToolResultMessage(tool_call_id="gcall_1", name="get_weather", content="a"),
        ToolResultMessage(tool_call_id="gcall_2", name="get_weather", content="b"),
    ]


async def test_google_sends_each_stored_signature_with_its_own_call() -> None:
    async with fake_server("google", [Reply([Text("ok")])]) as fake:
        await collect(model_for("google", fake), _signed_history(), [WEATHER])
    first, second = fake.requests[0].json()["contents"][1]["parts"]
    assert base64.b64decode(first["thoughtSignature"]) == b"fake-thought-signature"
    assert "thoughtSignature" not in second  # unsigned, and not the first: nothing to send


async def test_google_drops_a_stored_signature_that_is_not_base64() -> None:
    history = _signed_history()
    assert isinstance(history[1], AssistantMessage)
    history[1].tool_calls[0].thought_signature = "not base64 at all!"
    async with fake_server("google", [Reply([Text("ok")])]) as fake:
        events = await collect(model_for("google", fake), history, [WEATHER])
    assert events  # the conversation goes on, with Google's placeholder for the first call
    first = fake.requests[0].json()["contents"][1]["parts"][0]
    assert base64.urlsafe_b64decode(first["thoughtSignature"]) == base64.urlsafe_b64decode(
        "skip_thought_signature_validator"
    )


async def test_other_vendors_never_receive_a_gemini_signature() -> None:
    for vendor in ("openai", "anthropic"):
        async with fake_server(vendor, [Reply([Text("ok")])]) as fake:
            await collect(model_for(vendor, fake), _signed_history(), [WEATHER])
        raw = fake.requests[0].body.decode()
        assert "get_weather" in raw and '"gcall_1"' in raw  # the calls went, unsigned
        assert SIGNATURE not in raw and "fake-thought-signature" not in raw
        assert "signature" not in raw.lower()
