"""One adapter per vendor: our tools made valid for the vendor that receives them.

Tools are stored as their APIs describe them (JSON Schema 2020-12, any property names); each
vendor refuses some of that. The adapter gives the provider file `WireTools`: the tools as the
vendor must see them, and the map back. Everything on our side of the wire (the runner, the
tool, the trace, the playground frames, stored messages) uses the real names: a provider
restores every tool call it yields (`WireTools.restore`) and sends earlier calls in the
history the vendor's way (`WireTools.outgoing`).

    vendor       names                       schemas
    anthropic    ^[a-zA-Z0-9_-]{1,64}$       property keys ^[a-zA-Z0-9_.-]{1,64}$ (renamed)
    openai       ^[a-zA-Z0-9_-]{1,64}$       arrays get `items`; at most 128 tools (OpenAI)
    google       ^[a-zA-Z_][a-zA-Z0-9_.:-]*  the types.Schema subset (app.llm.gemini_schema)

All three get a plain object at the root. Renames are deterministic, so a conversation's
earlier calls map the same way on every turn and on every worker.

Adapting a large agent's tools takes real CPU (a few hundred ms for Box's 296 operations), so
providers call `adapt_tools`: off the event loop, and remembered per tool set, so the calls of
a turn and the turns after it reuse the result.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from app.llm.base import ToolCall, ToolSpec
from app.llm.errors import TooManyTools
from app.llm.gemini_schema import to_gemini_schema
from app.llm.tool_schema import (
    Schema,
    fill_array_items,
    flatten_root,
    rename_keys,
    rename_property_keys,
    safe_name,
)

OPENAI_MAX_TOOLS = 128
NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
NAME_BAD = r"[^a-zA-Z0-9_-]+"
GOOGLE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}")
GOOGLE_NAME_BAD = r"[^a-zA-Z0-9_.:-]+"
ANTHROPIC_KEY = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
ANTHROPIC_KEY_BAD = r"[^a-zA-Z0-9_.-]+"


@dataclass(frozen=True)
class WireTool:
    """One tool as a vendor receives it. `schema` is None for a tool without arguments where
    the vendor wants no parameters at all (Gemini)."""

    name: str
    real_name: str
    description: str
    schema: Schema | None
    keys: dict[str, str] = field(default_factory=dict)  # wire property name -> real one
    losses: list[str] = field(default_factory=list)  # what the vendor cannot express exactly


@dataclass(frozen=True)
class WireTools:
    tools: list[WireTool]
    name_pattern: re.Pattern[str]
    name_bad: str

    def restore(self, call: ToolCall) -> ToolCall:
        """A tool call the vendor made, in real names (tool and argument keys)."""
        tool = next((t for t in self.tools if t.name == call.name), None)
        if tool is None:
            return call  # a tool we did not offer: the runner says it is unknown
        arguments = rename_keys(call.arguments, tool.keys)
        return call.model_copy(update={"name": tool.real_name, "arguments": arguments})

    def outgoing(self, name: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """An earlier call of the conversation, as the vendor would have made it."""
        tool = next((t for t in self.tools if t.real_name == name), None)
        if tool is None:
            return self.wire_name(name), arguments
        to_wire = {real: wire for wire, real in tool.keys.items()}
        return tool.name, rename_keys(arguments, to_wire)

    def wire_name(self, name: str) -> str:
        """The vendor's name for a tool (also one no longer offered, from the history)."""
        for tool in self.tools:
            if tool.real_name == name:
                return tool.name
        return safe_name(name, self.name_pattern, self.name_bad, set())


def _names(
    tools: Sequence[ToolSpec], pattern: re.Pattern[str], bad: str
) -> list[tuple[ToolSpec, str]]:
    """Each tool with a vendor-valid name, unique among them."""
    taken = {t.name for t in tools if pattern.fullmatch(t.name)}
    named = []
    for tool in tools:
        if pattern.fullmatch(tool.name):
            named.append((tool, tool.name))
        else:
            wire = safe_name(tool.name, pattern, bad, taken)
            taken.add(wire)
            named.append((tool, wire))
    return named


def for_anthropic(tools: Sequence[ToolSpec]) -> WireTools:
    out = []
    for tool, name in _names(tools, NAME, NAME_BAD):
        schema, keys = rename_property_keys(
            flatten_root(tool.input_schema), ANTHROPIC_KEY, ANTHROPIC_KEY_BAD
        )
        out.append(WireTool(name, tool.name, tool.description, schema, keys))
    return WireTools(out, NAME, NAME_BAD)


def for_openai(tools: Sequence[ToolSpec], *, compatible: bool = False) -> WireTools:
    """Raises TooManyTools past OpenAI's 128 (not for OpenAI-compatible servers, which set
    their own limits, if any)."""
    if not compatible and len(tools) > OPENAI_MAX_TOOLS:
        raise TooManyTools(
            "openai",
            f"OpenAI accepts at most {OPENAI_MAX_TOOLS} tools per request and this agent has "
            f"{len(tools)} enabled. Disable {len(tools) - OPENAI_MAX_TOOLS} or more in the "
            "agent's Tools tab, or import fewer operations of the API (the import lets you "
            "pick operations by tag, path or method).",
        )
    out = []
    for tool, name in _names(tools, NAME, NAME_BAD):
        schema = fill_array_items(flatten_root(tool.input_schema), {})
        out.append(WireTool(name, tool.name, tool.description, schema))
    return WireTools(out, NAME, NAME_BAD)


def for_google(tools: Sequence[ToolSpec]) -> WireTools:
    out = []
    for tool, name in _names(tools, GOOGLE_NAME, GOOGLE_NAME_BAD):
        schema, losses = to_gemini_schema(tool.input_schema)
        out.append(WireTool(name, tool.name, tool.description, schema, losses=losses))
    return WireTools(out, GOOGLE_NAME, GOOGLE_NAME_BAD)


ADAPTERS: dict[str, Callable[[Sequence[ToolSpec]], WireTools]] = {
    "anthropic": for_anthropic,
    "openai": for_openai,
    "openai_compatible": partial(for_openai, compatible=True),
    "google": for_google,
}
_REMEMBERED = 32  # tool sets (agents) per process
_remembered: OrderedDict[tuple[str, str], WireTools] = OrderedDict()
_remembered_lock = threading.Lock()


async def adapt_tools(vendor: str, tools: Sequence[ToolSpec]) -> WireTools:
    """`tools` as `vendor` must receive them: computed in a worker thread, remembered by
    content. Raises TooManyTools (OpenAI) like the adapter itself."""
    if not tools:
        return ADAPTERS[vendor](())
    return await asyncio.to_thread(_adapt_remembered, vendor, tuple(tools))


def _adapt_remembered(vendor: str, tools: tuple[ToolSpec, ...]) -> WireTools:
    content = json.dumps([[t.name, t.description, t.input_schema] for t in tools], default=str)
    key = (vendor, hashlib.sha256(content.encode()).hexdigest())
    with _remembered_lock:
        if key in _remembered:
            _remembered.move_to_end(key)
            return _remembered[key]
    wire = ADAPTERS[vendor](tools)
    with _remembered_lock:
        _remembered[key] = wire
        while len(_remembered) > _REMEMBERED:
            _remembered.popitem(last=False)
    return wire
