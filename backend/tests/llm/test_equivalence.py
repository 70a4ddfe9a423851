"""Done when: one scripted conversation gives the same events on every vendor.

The conversation: the user asks, the model says something and calls a tool with arguments, the
tool's result goes back, and the model answers. Each vendor's fake streams it in its own wire
format through the real SDK; what comes out of `Model.stream` must not tell them apart (tool
call ids aside, which each vendor mints its own way).
"""

from __future__ import annotations

from app.llm.base import Finish, StreamEvent, TextDelta, ToolCall, Usage
from app.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCallRequest,
    ToolResultMessage,
    UserMessage,
)
from tests.fakes.server import Call, Reply, Text
from tests.llm.conftest import VENDORS, WEATHER, collect, fake_server, model_for

SCRIPT = [
    Reply([Text("Let me check. "), Call("get_weather", {"city": "Paris"}, fragments=6)]),
    Reply([Text("It is "), Text("21°C in Paris.")], usage=(30, 9)),
]
EXPECTED: list[StreamEvent] = [
    TextDelta(text="Let me check. "),
    ToolCall(id="<id>", name="get_weather", arguments={"city": "Paris"}),
    Usage(input_tokens=12, output_tokens=7),
    Finish(reason="tool_calls"),
    TextDelta(text="It is "),
    TextDelta(text="21°C in Paris."),
    Usage(input_tokens=30, output_tokens=9),
    Finish(reason="stop"),
]


async def run_conversation(vendor: str) -> list[StreamEvent]:
    """Two model calls, as the run loop makes them, with the tool result in between."""
    messages: list[Message] = [
        SystemMessage(content="You are terse."),
        UserMessage(content="Weather in Paris?"),
    ]
    async with fake_server(vendor, list(SCRIPT)) as fake:
        model = model_for(vendor, fake)
        first = await collect(model, messages, [WEATHER])
        text = "".join(e.text for e in first if isinstance(e, TextDelta))
        calls = [e for e in first if isinstance(e, ToolCall)]
        messages.append(
            AssistantMessage(
                content=text,
                tool_calls=[
                    ToolCallRequest(
                        id=c.id,
                        name=c.name,
                        arguments=c.arguments,
                        thought_signature=c.thought_signature,
                    )
                    for c in calls
                ],
            )
        )
        messages += [
            ToolResultMessage(tool_call_id=c.id, name=c.name, content='{"temp_c": 21}')
            for c in calls
        ]
        second = await collect(model, messages, [WEATHER])
    assert len(fake.requests) == 2
    return first + second


def without_ids(events: list[StreamEvent]) -> list[StreamEvent]:
    """Events with what differs by vendor by design blanked: call ids, Gemini's signatures."""
    blank = {"id": "<id>", "thought_signature": None}
    return [e.model_copy(update=blank) if isinstance(e, ToolCall) else e for e in events]


async def test_the_same_conversation_gives_the_same_events_on_every_vendor() -> None:
    runs = {vendor: await run_conversation(vendor) for vendor in VENDORS}
    for vendor, events in runs.items():
        assert without_ids(events) == EXPECTED, vendor
        [call] = [e for e in events if isinstance(e, ToolCall)]
        assert call.id, vendor
