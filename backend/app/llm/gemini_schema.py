"""JSON Schema (2020-12, as tools store it) -> the schema subset Gemini's function declarations
take: google-genai's `types.Schema`, a select subset of the OpenAPI 3.0 schema object.

What Gemini refuses, and what happens to it here:
- `$ref`/`$defs`: inlined (`tool_schema.inline_refs`); recursion becomes an open object.
- `type: ["string", "null"]`: `type: string` + `nullable`; several types become `anyOf`.
- `oneOf` -> `anyOf`; `allOf` merged; `const` -> a one-value enum.
- `enum` only of strings (on a string): other enums move into the description.
- `properties` only on objects, `items` only (and always) on arrays, `required` only naming
  declared properties; no empty `properties`.
- `exclusiveMinimum`/`exclusiveMaximum` -> `minimum`/`maximum` (the bound itself is allowed).
- string `format` other than `date-time`/`enum` -> said in the description.
- everything else (`additionalProperties`, `patternProperties`, `not`, `if`, `title`,
  `default`, `examples`, `readOnly`, `x-*`, ...) is dropped.

`to_gemini_schema` returns the converted schema (camelCase keys, lowercase types: what
`types.Schema.model_validate` takes) and the list of what could not be kept exactly, which
`app.llm.tool_limits` reports at import time. The tool itself checks arguments against its
real schema, so a looser schema here never lets a bad call through.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.llm.tool_schema import Json, Schema, flatten_root, inline_refs, types_of

_SCALAR_TYPES = {"string", "number", "integer", "boolean"}
_TYPES = _SCALAR_TYPES | {"object", "array"}
_FORMATS = {
    "string": {"date-time", "enum"},
    "number": {"float", "double"},
    "integer": {"int32", "int64"},
}
_COUNTS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}
# RE2 (Gemini's regex engine) has no lookaround or backreferences.
_NOT_RE2 = re.compile(r"\(\?[=!<]|\\[1-9]")
_ANY = {"type": "string", "description": "any JSON value"}


def to_gemini_schema(schema: Schema) -> tuple[Schema | None, list[str]]:
    """(Gemini parameters or None for a tool without arguments, what was not kept exactly)."""
    inlined, losses = inline_refs(schema)
    converter = _Converter(losses)
    root = converter.convert(flatten_root(inlined), "")
    if not root.get("properties"):
        return None, converter.losses
    return root, converter.losses


class _Converter:
    def __init__(self, losses: list[str]) -> None:
        self.losses = losses

    def lose(self, where: str, what: str) -> None:
        self.losses.append(f"{where or '(root)'}: {what}")

    def convert(self, node: Json, where: str) -> Schema:
        if not isinstance(node, dict):
            if node is False:
                self.lose(where, "a schema that allows nothing is sent as any value")
            return dict(_ANY)
        node = self._merge_all_of(node, where)
        description = node.get("description") if isinstance(node.get("description"), str) else ""
        notes: list[str] = []
        nullable = node.get("nullable") is True
        types = types_of(node)
        if "null" in types:
            nullable = True
            types = [t for t in types if t != "null"]
        enum = node.get("enum") if isinstance(node.get("enum"), list) else None
        if "const" in node:
            enum = [node["const"]]
        if enum is not None and None in enum:
            nullable = True
            enum = [v for v in enum if v is not None]
        branches = node.get("anyOf") or node.get("oneOf")
        if isinstance(branches, list) and branches:
            out = self._union(node, branches, where)
        elif len(types) > 1:
            out = self._union(node, [{"type": t} for t in types], where)
        else:
            kind = types[0] if types else _inferred_type(node, enum)
            if kind is None:
                out = dict(_ANY)
            elif kind not in _TYPES:
                self.lose(where, f"type {kind!r} is sent as a string")
                out = {"type": "string"}
            else:
                out = self._typed(node, kind, where, enum, notes)
        if nullable:
            out["nullable"] = True
        text = " ".join(part for part in [description, *notes] if part)
        if text:
            out["description"] = text
        return out

    def _typed(
        self, node: Schema, kind: str, where: str, enum: list[Any] | None, notes: list[str]
    ) -> Schema:
        out: Schema = {"type": kind}
        if kind == "object":
            properties = node.get("properties")
            if isinstance(properties, dict) and properties:
                out["properties"] = {
                    str(name): self.convert(sub, f"{where}.{name}".lstrip("."))
                    for name, sub in properties.items()
                }
                required = [r for r in node.get("required") or [] if r in out["properties"]]
                if required:
                    out["required"] = required
            if isinstance(node.get("additionalProperties"), dict) or node.get("patternProperties"):
                self.lose(where, "the schema of additional properties is dropped")
        elif kind == "array":
            items = node.get("items")
            if isinstance(node.get("prefixItems"), list):
                self.lose(where, "prefixItems (a tuple) is sent as a list of any values")
                items = None
            out["items"] = self.convert(items, f"{where}[]") if items is not None else dict(_ANY)
        elif kind in ("number", "integer"):
            self._bounds(node, out, where)
        if kind == "string" and isinstance(node.get("pattern"), str):
            if _NOT_RE2.search(node["pattern"]):
                notes.append(f"Pattern: {node['pattern']}")
            else:
                out["pattern"] = node["pattern"]
        for key in _COUNTS.get(kind, ()):
            value = node.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                out[key] = value
        fmt = node.get("format")
        if isinstance(fmt, str):
            if fmt in _FORMATS.get(kind, set()):
                out["format"] = fmt
            elif kind == "string":
                notes.append(f"Format: {fmt}.")
        if enum is not None:
            if kind == "string" and enum and all(isinstance(v, str) for v in enum):
                out["enum"] = enum
            elif enum:
                shown = ", ".join(json.dumps(v) for v in enum[:50])
                notes.append(f"One of: {shown}.")
                self.lose(where, "an enum of non-strings is only described")
        return out

    def _bounds(self, node: Schema, out: Schema, where: str) -> None:
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            value = node.get(bound)
            if _is_number(value):
                out[bound] = value
            strict = node.get(exclusive)
            if _is_number(strict):
                out[bound] = strict
                self.lose(where, f"{exclusive} {strict} is sent as {bound} (inclusive)")
            elif strict is True:
                self.lose(where, f"{exclusive} is sent as {bound} (inclusive)")

    def _union(self, node: Schema, branches: list[Json], where: str) -> Schema:
        base = {
            k: v
            for k, v in node.items()
            if k not in ("anyOf", "oneOf", "type", "nullable", "description", "enum", "const")
        }
        options: list[Schema] = []
        nullable = False
        for branch in branches:
            if isinstance(branch, dict) and types_of(branch) == ["null"]:
                nullable = True
                continue
            merged = {**base, **branch} if isinstance(branch, dict) else branch
            options.append(self.convert(merged, where))
        if not options:
            return {"type": "string", "nullable": True}
        out: Schema = options[0] if len(options) == 1 else {"anyOf": options}
        if nullable:
            out["nullable"] = True
        return out

    def _merge_all_of(self, node: Schema, where: str) -> Schema:
        parts = node.get("allOf")
        if not isinstance(parts, list) or not parts:
            return node
        merged: Schema = {k: v for k, v in node.items() if k != "allOf"}
        for part in parts:
            if not isinstance(part, dict):
                continue
            part = self._merge_all_of(part, where)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    merged["properties"] = {**value, **(merged.get("properties") or {})}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*(merged.get("required") or []), *value]
                else:
                    merged.setdefault(key, value)
        return merged


def _inferred_type(node: Schema, enum: list[Any] | None) -> str | None:
    if "properties" in node:
        return "object"
    if "items" in node or "prefixItems" in node:
        return "array"
    if enum:
        kinds = {type(v) for v in enum}
        if kinds == {str}:
            return "string"
        if kinds <= {int}:
            return "integer"
        if kinds <= {int, float}:
            return "number"
        if kinds == {bool}:
            return "boolean"
    if any(k in node for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
        return "number"
    if any(k in node for k in ("minLength", "maxLength", "pattern")):
        return "string"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
