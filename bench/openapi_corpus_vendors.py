"""Each vendor's rules for tools, checked independently of the app's adapters.

`app.llm.tool_adapters` turns stored tools into what each vendor accepts; these checks are
written from the vendors' documented limits (and the refusals seen in practice), not from the
adapters, so a corpus run catches an adapter that lets something through:

- OpenAI (Chat Completions `tools`): at most 128 tools; names `^[a-zA-Z0-9_-]{1,64}$`, unique;
  `parameters` an object schema (no combinator at the root); every array has `items`.
- Anthropic (Messages `tools`): names `^[a-zA-Z0-9_-]{1,64}$`, unique; `input_schema` with
  `type: object` at the root; every property key `^[a-zA-Z0-9_.-]{1,64}$`.
- Google Gemini (function declarations): names `^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$`, unique;
  parameters in the `types.Schema` subset (its fields only; no `$ref`; arrays with `items`;
  `properties` on objects; `required` naming declared properties; string-only enums), and
  accepted by the google-genai SDK's own `types.Schema` model.

Every stored tool is also checked as JSON Schema 2020-12 (`check_schema`) and against the
100,000-character limit hand-made tools have.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

OPENAI_MAX_TOOLS = 128
MAX_SCHEMA_CHARS = 100_000
NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
GOOGLE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}")
ANTHROPIC_KEY = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
COMBINATORS = ("anyOf", "oneOf", "allOf")
GEMINI_FIELDS = {
    "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
    "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
    "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
}  # fmt: skip
GEMINI_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}

Tool = dict[str, Any]  # name, description, input_schema (stored) or schema (wire)


def subschemas(node: Any, at: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object under `node` with its JSON path (properties, items, combinators,
    $defs...), the node itself first."""
    if not isinstance(node, dict):
        return
    yield at or "/", node
    for key in ("properties", "patternProperties", "$defs", "definitions"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from subschemas(child, f"{at}/{key}/{name}")
    for key in ("items", "additionalProperties", "not", "contains", "if", "then", "else"):
        yield from subschemas(node.get(key), f"{at}/{key}")
    for key in (*COMBINATORS, "prefixItems"):
        children = node.get(key)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from subschemas(child, f"{at}/{key}/{i}")


def _is_array(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "array" or kind == "ARRAY" or (isinstance(kind, list) and "array" in kind)


def _names(tools: Sequence[Tool], pattern: re.Pattern[str], vendor: str) -> list[str]:
    problems = []
    seen: set[str] = set()
    for tool in tools:
        name = tool["name"]
        if not pattern.fullmatch(name):
            problems.append(f"{vendor}: tool name {name!r} does not match {pattern.pattern}")
        if name in seen:
            problems.append(f"{vendor}: tool name {name!r} twice")
        seen.add(name)
    return problems


def _object_root(tool: Tool, schema: Any, vendor: str) -> list[str]:
    if not isinstance(schema, dict) or schema.get("type") not in ("object", "OBJECT"):
        return [f"{vendor}: {tool['name']}: the root schema is not type object"]
    if any(k in schema for k in COMBINATORS):
        return [f"{vendor}: {tool['name']}: a combinator at the root"]
    return []


def check_openai(tools: Sequence[Tool], key: str = "schema") -> list[str]:
    problems = _names(tools, NAME, "openai")
    if len(tools) > OPENAI_MAX_TOOLS:
        problems.append(f"openai: {len(tools)} tools, more than {OPENAI_MAX_TOOLS}")
    for tool in tools:
        schema = tool[key]
        problems += _object_root(tool, schema, "openai")
        for at, node in subschemas(schema):
            if _is_array(node) and "items" not in node:
                problems.append(f"openai: {tool['name']}: array without items at {at}")
    return problems


def check_anthropic(tools: Sequence[Tool], key: str = "schema") -> list[str]:
    problems = _names(tools, NAME, "anthropic")
    for tool in tools:
        schema = tool[key]
        problems += _object_root(tool, schema, "anthropic")
        for at, node in subschemas(schema):
            props = node.get("properties")
            for name in props if isinstance(props, dict) else ():
                if not ANTHROPIC_KEY.fullmatch(name):
                    problems.append(f"anthropic: {tool['name']}: property key {name!r} at {at}")
    return problems


def _gemini_node(tool: str, at: str, node: dict[str, Any]) -> list[str]:
    problems = [f"google: {tool}: field {k!r} at {at}" for k in node if k not in GEMINI_FIELDS]
    kind = node.get("type")
    if kind is not None and (not isinstance(kind, str) or kind.lower() not in GEMINI_TYPES):
        problems.append(f"google: {tool}: type {kind!r} at {at}")
    kind = kind.lower() if isinstance(kind, str) else None
    if kind == "array" and "items" not in node:
        problems.append(f"google: {tool}: array without items at {at}")
    if "properties" in node and kind != "object":
        problems.append(f"google: {tool}: properties on a {kind} at {at}")
    props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    for name in node.get("required") or []:
        if name not in props:
            problems.append(f"google: {tool}: required {name!r} is not a property at {at}")
    enum = node.get("enum")
    if enum is not None and not all(isinstance(v, str) for v in enum):
        problems.append(f"google: {tool}: a non-string enum at {at}")
    return problems


def check_google(tools: Sequence[Tool], key: str = "schema") -> list[str]:
    problems = _names(tools, GOOGLE_NAME, "google")
    try:
        from google.genai import types
    except ImportError:  # pragma: no cover - the backend depends on google-genai
        types = None
    for tool in tools:
        schema = tool[key]
        if schema is None:
            continue  # a tool without arguments: no parameters at all
        problems += _object_root(tool, schema, "google")
        for at, node in subschemas(schema):
            problems += _gemini_node(tool["name"], at, node)
        if types is not None:
            try:
                types.Schema.model_validate(schema)
            except Exception as exc:  # the SDK raises more than ValidationError on junk
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                problems.append(f"google: {tool['name']}: types.Schema refuses it: {first}")
    return problems


def check_stored(tools: Sequence[Tool]) -> list[str]:
    """The tools as stored: valid JSON Schema 2020-12, within the hand-made size limit."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems = []
    for tool in tools:
        schema = tool["input_schema"]
        size = len(json.dumps(schema, separators=(",", ":")))
        if size > MAX_SCHEMA_CHARS:
            problems.append(f"stored: {tool['name']}: schema of {size:,} characters")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"stored: {tool['name']}: not JSON Schema 2020-12: {exc.message}")
    return problems


def _adapted(vendor: str, tools: Sequence[Tool]) -> tuple[list[Tool] | None, str]:
    """The tools as the app's adapter sends them to `vendor`; (None, why) without adapters."""
    try:
        from app.llm import tool_adapters
        from app.llm.base import ToolSpec
    except ImportError as exc:
        return None, f"no adapters ({exc})"
    specs = [
        ToolSpec(name=t["name"], description=t["description"], input_schema=t["input_schema"])
        for t in tools
    ]
    adapt: Callable[[list[ToolSpec]], Any] = getattr(tool_adapters, f"for_{vendor}")
    try:
        wire = adapt(specs)
    except Exception as exc:  # the adapter's refusal is what we report
        return [], f"{type(exc).__name__}: {exc}"
    return [
        {"name": t.name, "description": t.description, "schema": t.schema} for t in wire.tools
    ], ""


CHECKS = {"openai": check_openai, "anthropic": check_anthropic, "google": check_google}


def check_all(tools: Sequence[Tool]) -> dict[str, Any]:
    """Per vendor: problems of the tools as the adapter sends them (must be none), and of the
    stored tools sent as they are (what the adapter has to fix), plus the stored checks."""
    result: dict[str, Any] = {"stored": check_stored(tools), "vendors": {}}
    for vendor, check in CHECKS.items():
        wire, refusal = _adapted(vendor, tools)
        raw = check(tools, key="input_schema")
        entry: dict[str, Any] = {"raw_problems": len(raw), "raw_examples": raw[:3]}
        if wire is None:
            entry["adapter"] = refusal
            entry["problems"] = raw
        else:
            entry["problems"] = (
                [f"{vendor}: adapter refused: {refusal}"] if refusal else []
            ) + check(wire)
        result["vendors"][vendor] = entry
    return result
