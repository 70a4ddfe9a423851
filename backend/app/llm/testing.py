"""ScriptedModel: a Model that plays back a script, for tests above the provider layer.

    model = ScriptedModel([
        [text("Let me check. "), tool_call("get_weather", {"city": "Paris"})],   # first call
        [text("It is sunny.")],                                                    # second call
    ])

Each inner list is one model call. Steps are text chunks, tool calls, errors (raised at that
point), or pauses (an asyncio.Event to wait for, so tests can cancel mid-stream without sleeps).
Every call records the messages and tools it was given in `model.calls`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.llm.base import (
    Finish,
    Model,
    ModelSettings,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from app.llm.errors import LLMError
from app.llm.messages import Message


@dataclass
class Pause:
    """Wait for `event` before the next step (the stream stays open meanwhile)."""

    event: asyncio.Event
    reached: asyncio.Event = field(default_factory=asyncio.Event)


Step = TextDelta | ToolCall | LLMError | Pause
_ids = itertools.count(1)


def text(chunk: str) -> TextDelta:
    return TextDelta(text=chunk)


def tool_call(
    name: str, arguments: dict[str, Any] | None = None, id: str | None = None
) -> ToolCall:
    return ToolCall(id=id or f"call_{next(_ids)}", name=name, arguments=arguments or {})


@dataclass
class RecordedCall:
    messages: list[Message]
    tools: list[ToolSpec]
    settings: ModelSettings | None


class ScriptedModel(Model):
    def __init__(
        self,
        script: Sequence[Sequence[Step]],
        *,
        provider: str = "openai",
        name: str = "scripted",
        usage: tuple[int, int] = (10, 5),
    ) -> None:
        self.script = [list(turn) for turn in script]
        self.provider = provider
        self.name = name
        self.usage = usage
        self.calls: list[RecordedCall] = []

    async def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        settings: ModelSettings | None = None,
    ) -> AsyncIterator[StreamEvent]:
        index = len(self.calls)
        self.calls.append(RecordedCall(list(messages), list(tools), settings))
        if index >= len(self.script):
            raise AssertionError(
                f"ScriptedModel called {index + 1} times; script has {len(self.script)}"
            )
        made_tool_call = False
        for step in self.script[index]:
            if isinstance(step, LLMError):
                raise step
            if isinstance(step, Pause):
                step.reached.set()
                await step.event.wait()
                continue
            made_tool_call = made_tool_call or isinstance(step, ToolCall)
            yield step
            await asyncio.sleep(0)
        yield Usage(input_tokens=self.usage[0], output_tokens=self.usage[1])
        yield Finish(reason="tool_calls" if made_tool_call else "stop")
