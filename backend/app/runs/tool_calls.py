"""Run one tool call: never raises (except on cancel); a failure becomes an is_error result."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from app.llm.base import ToolCall
from app.tools.base import Tool, ToolResult

logger = logging.getLogger(__name__)


@dataclass
class ToolOutcome:
    call: ToolCall
    result: ToolResult
    latency_ms: float


async def call_tool(call: ToolCall, tools: Mapping[str, Tool]) -> ToolOutcome:
    started = time.perf_counter()
    result = await _call(call, tools)
    latency = result.latency_ms
    if latency is None:
        latency = round((time.perf_counter() - started) * 1000, 3)
    return ToolOutcome(call, result, latency)


async def _call(call: ToolCall, tools: Mapping[str, Tool]) -> ToolResult:
    tool = tools.get(call.name)
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        return ToolResult(
            content=f'Unknown tool "{call.name}". Available tools: {available}.', is_error=True
        )
    try:
        async with asyncio.timeout(tool.timeout_s):
            return await tool.call(call.arguments)
    except TimeoutError:
        return ToolResult(
            content=f'Tool "{call.name}" timed out after {tool.timeout_s:g}s.', is_error=True
        )
    except Exception as exc:
        # The exception text may carry request data; the model and the log get the type only.
        logger.warning("tool %s raised %s", call.name, type(exc).__name__)
        return ToolResult(
            content=f'Tool "{call.name}" failed unexpectedly ({type(exc).__name__}).',
            is_error=True,
        )
