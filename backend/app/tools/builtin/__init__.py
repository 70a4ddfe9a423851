"""Built-in tools, attached to an agent as an integration of kind "builtin"."""

from __future__ import annotations

from app.tools.builtin.calculator import CalculatorTool
from app.tools.builtin.current_time import CurrentTimeTool

BUILTINS: dict[str, type[CalculatorTool] | type[CurrentTimeTool]] = {
    CalculatorTool.builtin: CalculatorTool,
    CurrentTimeTool.builtin: CurrentTimeTool,
}

__all__ = ["BUILTINS", "CalculatorTool", "CurrentTimeTool"]
