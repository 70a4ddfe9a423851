"""Current time in a given IANA time zone (default UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.tools.base import Tool, ToolResult


class CurrentTimeTool(Tool):
    builtin = "current_time"
    default_description = (
        "Get the current date and time in a time zone (IANA name like Europe/Paris; default UTC)."
    )
    default_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "timezone": {"type": "string", "description": "IANA time zone, e.g. America/New_York"}
        },
    }

    def __init__(
        self, name: str = "current_time", description: str = "", now: datetime | None = None
    ) -> None:
        self.name = name
        self.description = description or self.default_description
        self.input_schema = self.default_schema
        self._now = now

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        zone_name = arguments.get("timezone") or "UTC"
        if not isinstance(zone_name, str):
            return ToolResult(content="timezone: must be a string", is_error=True)
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return ToolResult(
                content=f"Unknown time zone {zone_name!r}: use an IANA name like Europe/Paris",
                is_error=True,
            )
        now = (self._now or datetime.now(zone)).astimezone(zone)
        data = {
            "timezone": zone_name,
            "iso": now.isoformat(),
            "weekday": now.strftime("%A"),
            "utc_offset": now.strftime("%z"),
        }
        return ToolResult(content=f"{now.isoformat()} ({data['weekday']}, {zone_name})", data=data)
