"""A hand-made tool's input_schema, checked as a JSON Schema off the event loop.

jsonschema's `check_schema` walks a schema against the 2020-12 metaschema in pure Python: about
a second of CPU for a schema near the 100,000-character limit. Pydantic validates request
bodies on the event loop, so the request models (app.integrations.schemas) only hold the size;
the rest runs here, in a thread, before a tool is created or updated. A refusal keeps the shape
of the request validation error it replaces (`validation_error`, `details.errors[0].loc` =
["body", "input_schema"], the same message), which the dashboard's tool form shows at the field.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema

from app.exceptions import ValidationFailed


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def input_schema_problem(value: dict[str, Any]) -> str | None:
    """Why `value` cannot be a tool's input_schema (valid JSON Schema, local $refs only,
    describing an object), or None. CPU work: call it off the event loop."""
    try:
        validator = jsonschema.validators.validator_for(value, jsonschema.Draft202012Validator)
        validator.check_schema(value)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        return f"input_schema is not a valid JSON Schema at {where}: {exc.message}"
    remote = [r for r in _refs(value) if not r.startswith("#")]
    if remote:
        return f"input_schema: only local $refs (#/...) are allowed, not {remote[0][:100]!r}"
    if value.get("type", "object") != "object":
        return "input_schema must describe an object (type: object)"
    return None


async def checked_input_schema(value: dict[str, Any]) -> dict[str, Any]:
    """`value` as stored (`type: object` made explicit), or a 422 naming the problem."""
    problem = await asyncio.to_thread(input_schema_problem, value)
    if problem is not None:
        msg = f"Value error, {problem}"  # the wording pydantic gave it, which the form expects
        issue = {"loc": ["body", "input_schema"], "msg": msg, "type": "value_error"}
        raise ValidationFailed(f"input_schema: {msg}", details={"errors": [issue]})
    return {"type": "object", **value}
