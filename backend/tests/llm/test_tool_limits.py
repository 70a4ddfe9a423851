"""Import-time warnings: what a user reads before an import makes the agent's calls fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.llm.tool_limits import agent_tool_warnings


@dataclass
class Planned:
    name: str
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    description: str = ""


def many(count: int, prefix: str = "op") -> list[Planned]:
    return [Planned(f"{prefix}_{i}") for i in range(count)]


GMAIL = {
    "type": "object",
    "properties": {"$.xgafv": {"type": "string"}, "userId": {"type": "string"}},
}
LOOSE = {
    "type": "object",
    "properties": {"amount": {"type": "integer", "exclusiveMinimum": 0}},
}


def test_more_than_128_tools_on_openai_is_said_with_the_way_out() -> None:
    [warning] = agent_tool_warnings("openai", many(120, "old"), many(10))
    assert "130 enabled tools" in warning and "at most 128" in warning
    assert "too_many_tools until 2 are disabled" in warning
    assert "Import fewer operations" in warning
    assert agent_tool_warnings("openai", many(118, "old"), many(10)) == []
    # OpenAI-compatible servers and other vendors have no such cap.
    assert agent_tool_warnings("openai_compatible", many(120, "old"), many(10)) == []
    assert agent_tool_warnings("anthropic", many(120, "old"), many(10)) == []


def test_anthropic_renames_are_said_once_per_property_name() -> None:
    new = [Planned("gmail_list", GMAIL), Planned("gmail_get", GMAIL), Planned("plain")]
    [warning] = agent_tool_warnings("anthropic", [], new)
    assert "'$.xgafv'" in warning and "sent as '_.xgafv'" in warning
    assert "gmail_list, gmail_get" in warning
    assert "the API still receives '$.xgafv'" in warning
    # Tools already on the agent were warned about when they came.
    assert agent_tool_warnings("anthropic", [Planned("gmail_old", GMAIL)], [Planned("x")]) == []
    # Other vendors take the name as it is.
    assert agent_tool_warnings("openai", [], new) == []


def test_gemini_losses_name_the_tool_and_what_is_loosened() -> None:
    [warning] = agent_tool_warnings("google", [], [Planned("create_charge", LOOSE)])
    assert "create_charge" in warning
    assert "amount: exclusiveMinimum 0 is sent as minimum (inclusive)" in warning
    assert agent_tool_warnings("google", [], [Planned("plain", GMAIL)]) == []


def test_many_warnings_of_one_kind_are_capped() -> None:
    warnings = agent_tool_warnings("google", [], [Planned(f"t{i}", LOOSE) for i in range(20)])
    assert len(warnings) == 9
    assert warnings[-1] == "... and 12 more tools Gemini sees loosened."


def test_a_large_tool_payload_is_said_with_its_size() -> None:
    big = {
        "type": "object",
        "properties": {
            f"field_{i}": {"type": "string", "description": "x" * 200} for i in range(100)
        },
    }
    tools = [Planned(f"t{i}", big) for i in range(12)]  # about 12 x 24 KB
    [warning] = agent_tool_warnings("anthropic", tools[:6], tools[6:])
    assert "12 tools would send about" in warning and "more than 200 KB" in warning
    size_kb = int(warning.split("about ")[1].split(" KB")[0])
    assert 250 < size_kb < 350
    assert agent_tool_warnings("anthropic", tools[:3], tools[3:6]) == []
