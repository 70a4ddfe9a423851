"""Built-in tools: a calculator that never evaluates code, and a time-zone aware clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.tools.builtin import CalculatorTool, CurrentTimeTool


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 3 * 4", "14"),
        ("(2 + 3) * 4", "20"),
        ("2 ^ 10", "1024"),
        ("-7 // 2", "-4"),
        ("7 % 3", "1"),
        ("sqrt(16) + abs(-2)", "6.0"),
        ("round(pi, 3)", "3.142"),
        ("max(1, 5, 3)", "5"),
        ("1e3 / 8", "125.0"),
    ],
)
async def test_calculator_evaluates_arithmetic(expression: str, expected: str) -> None:
    result = await CalculatorTool().call({"expression": expression})
    assert not result.is_error and result.content == expected


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("__import__('os').system('id')", "unsupported expression element"),
        ("().__class__", "unsupported expression element"),
        ("open('/etc/passwd')", "unsupported expression element"),
        ("x + 1", "unsupported expression element: Name"),
        ("1 / 0", "division by zero"),
        ("9 ** 99999", "exponent larger than"),
        ("2 +", "not a valid arithmetic expression"),
        ("'a' * 3", "unsupported expression element: Constant"),
        ("sqrt(-1)", "math domain error"),
        ("1" * 600, "longer than 500"),
    ],
)
async def test_calculator_refuses_anything_but_arithmetic(expression: str, problem: str) -> None:
    result = await CalculatorTool().call({"expression": expression})
    assert result.is_error and problem in result.content


async def test_calculator_requires_an_expression() -> None:
    result = await CalculatorTool().call({})
    assert result.is_error and "expression" in result.content


async def test_current_time_in_a_time_zone() -> None:
    fixed = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    tool = CurrentTimeTool(now=fixed)
    paris = await tool.call({"timezone": "Europe/Paris"})
    assert paris.data["iso"] == "2026-07-01T14:00:00+02:00"
    assert paris.data["weekday"] == "Wednesday"
    utc = await tool.call({})
    assert utc.data["iso"] == "2026-07-01T12:00:00+00:00"
    bad = await tool.call({"timezone": "Mars/Olympus"})
    assert bad.is_error and "Unknown time zone 'Mars/Olympus'" in bad.content
