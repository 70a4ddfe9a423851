"""What an import would do to an agent's model calls: warnings, said at import time.

Every enabled tool of an agent is sent with every model call, through the vendor's adapter
(app.llm.tool_adapters). `agent_tool_warnings` runs those adapters on the agent's tools as they
would be after an import and says, in words a user can act on, where the vendor's limits bite:
- OpenAI takes at most 128 tools per request (runs would stop with `too_many_tools`);
- Anthropic refuses some property names (they are renamed on the wire and mapped back);
- Gemini takes a subset of JSON Schema (some constraints are loosened or only described);
- the tool definitions sent with each call grow large (tokens and time on every call).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from app.llm.base import ToolSpec
from app.llm.tool_adapters import (
    OPENAI_MAX_TOOLS,
    WireTools,
    for_anthropic,
    for_google,
    for_openai,
)

# Tool definitions per model call above which an import is warned about.
LARGE_PAYLOAD_BYTES = 200_000
_SHOWN = 8  # lines of one kind before "and N more"


class ToolLike(Protocol):
    """A tool as stored or as an import plans it (a tools row, an importer ToolPlan)."""

    @property
    def name(self) -> str: ...

    @property
    def input_schema(self) -> dict[str, Any]: ...


def agent_tool_warnings(
    provider: str, existing: Sequence[ToolLike], new: Sequence[ToolLike]
) -> list[str]:
    """Warnings for an agent on `provider` with its enabled `existing` tools and `new` ones."""
    everything = [_spec(t) for t in [*existing, *new]]
    added = {t.name for t in new}
    warnings: list[str] = []
    if provider == "openai" and len(everything) > OPENAI_MAX_TOOLS:
        excess = len(everything) - OPENAI_MAX_TOOLS
        warnings.append(
            f"The agent would have {len(everything)} enabled tools; OpenAI takes at most "
            f"{OPENAI_MAX_TOOLS} per request, so its runs stop with too_many_tools until "
            f"{excess} are disabled. Import fewer operations, or disable tools afterwards."
        )
    wire = _wire(provider, everything)
    if provider == "anthropic":
        warnings += _renamed_keys(wire, added)
    if provider == "google":
        warnings += _gemini_losses(wire, added)
    size = _payload_bytes(wire)
    if size > LARGE_PAYLOAD_BYTES:
        warnings.append(
            f"The agent's {len(everything)} tools would send about {size // 1000} KB of tool "
            f"definitions with every model call (more than {LARGE_PAYLOAD_BYTES // 1000} KB): "
            "every call pays for them in tokens and time. Import only the operations the "
            "agent needs, or disable tools it does not use."
        )
    return warnings


def _spec(tool: ToolLike) -> ToolSpec:
    description = getattr(tool, "description", "") or ""
    return ToolSpec(name=tool.name, description=description, input_schema=tool.input_schema)


def _wire(provider: str, tools: list[ToolSpec]) -> WireTools:
    if provider == "anthropic":
        return for_anthropic(tools)
    if provider == "google":
        return for_google(tools)
    return for_openai(tools, compatible=True)  # the count is warned about above


def _payload_bytes(wire: WireTools) -> int:
    """About what the tools weigh in each request (names, descriptions, schemas as JSON)."""
    return sum(
        len(json.dumps([t.name, t.description, t.schema], ensure_ascii=False).encode())
        for t in wire.tools
    )


def _renamed_keys(wire: WireTools, added: set[str]) -> list[str]:
    by_key: dict[tuple[str, str], list[str]] = {}
    for tool in wire.tools:
        if tool.real_name in added:
            for wire_key, real_key in sorted(tool.keys.items()):
                by_key.setdefault((real_key, wire_key), []).append(tool.real_name)
    lines = []
    for (real_key, wire_key), tools in by_key.items():
        where = ", ".join(tools[:3]) + (f" and {len(tools) - 3} more" if len(tools) > 3 else "")
        lines.append(
            f"Anthropic refuses the property name {real_key!r} ({where}): it is sent as "
            f"{wire_key!r} and the API still receives {real_key!r}."
        )
    return _capped(lines, "renamed property names")


def _gemini_losses(wire: WireTools, added: set[str]) -> list[str]:
    lines = []
    for tool in wire.tools:
        if tool.real_name in added and tool.losses:
            more = f" (and {len(tool.losses) - 2} more)" if len(tool.losses) > 2 else ""
            lines.append(
                f"Gemini cannot express the schema of {tool.real_name} exactly: "
                f"{'; '.join(tool.losses[:2])}{more}. The tool still checks its arguments."
            )
    return _capped(lines, "tools Gemini sees loosened")


def _capped(lines: list[str], what: str) -> list[str]:
    if len(lines) <= _SHOWN:
        return lines
    return [*lines[:_SHOWN], f"... and {len(lines) - _SHOWN} more {what}."]
