"""OpenAPI schema objects -> JSON Schema 2020-12 tool inputs.

- 3.0 syntax converted: `nullable` -> a type union, boolean `exclusiveMinimum`/`Maximum` ->
  numeric bounds, tuple `items` -> `prefixItems`; `xml`, `discriminator`, `example(s)`,
  `externalDocs` and `x-*` dropped; an array without `items` gets `items: {}`; read-only
  properties left out (they are outputs).
- Referenced schemas are converted once each (memoized) into `$defs` entries. A tool's schema
  inlines a reference whose full expansion is small and keeps the others (and every recursive
  one) as `{"$ref": "#/$defs/<name>"}` with the definition under the tool's `$defs`, so a
  "reference bomb" (each schema referencing the next twice) stays linear in size.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from app.integrations.openapi.errors import SpecError, SpecWarning
from app.integrations.openapi.refs import Refs

INLINE_MAX_CHARS = 1_500
MAX_DESCRIPTION = 1_024
TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}
_SCHEMA_KEYS = {
    "not",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
}
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_COPIED = {
    "title",
    "description",
    "default",
    "enum",
    "const",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
    "dependentRequired",
    "contentMediaType",
    "contentEncoding",
    "deprecated",
    "writeOnly",
}
_NUMERIC = {"minimum", "maximum", "multipleOf"}
_COUNTS = {
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
}
_DEF_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def schema_chars(schema: Any) -> int:
    """The measure hand-made tools are held to (app.integrations.schemas.check_input_schema)."""
    return len(repr(schema))


class SchemaConverter:
    """Converts the schemas of one document; definitions are shared across its tools."""

    def __init__(self, refs: Refs, *, openapi_30: bool, warnings: list[SpecWarning]) -> None:
        self.refs = refs
        self.openapi_30 = openapi_30
        self.warnings = warnings
        self.names: dict[str, str] = {}  # $ref -> def name
        self.defs: dict[str, Any] = {}  # def name -> converted schema (refs kept)
        self._sizes: dict[str, float] = {}
        self._converting: set[str] = set()
        self._queue: list[tuple[str, str]] = []

    # -- conversion (refs become #/$defs/<name>) ------------------------------------------

    def convert(self, schema: Any, where: str) -> Any:
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, dict):
            self.warnings.append(SpecWarning("A schema must be an object; left open", where))
            return {}
        if isinstance(schema.get("$ref"), str):
            target = {"$ref": "#/$defs/" + self._define(schema["$ref"], where)}
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            if self.openapi_30 or not siblings:
                return target  # 3.0: siblings of $ref are ignored
            return {"allOf": [target, self.convert(siblings, where)]}
        out: dict[str, Any] = {}
        for key, value in schema.items():
            at = f"{where}/{key}"
            if key in _SCHEMA_KEYS or key == "additionalProperties":
                out[key] = value if isinstance(value, bool) else self.convert(value, at)
            elif key in _SCHEMA_LISTS:
                if isinstance(value, list) and value:
                    out[key] = [self.convert(v, f"{at}/{i}") for i, v in enumerate(value)]
                else:
                    message = f"'{key}' must be a non-empty list; ignored"
                    self.warnings.append(SpecWarning(message, at))
            elif key in _SCHEMA_MAPS:
                if isinstance(value, dict):
                    name = "$defs" if key == "definitions" else key
                    out[name] = self._schema_map(key, value, at)
                else:
                    self.warnings.append(SpecWarning(f"'{key}' must be an object; ignored", at))
            elif key == "items":
                if isinstance(value, list) and value:
                    out["prefixItems"] = [self.convert(v, f"{at}/{i}") for i, v in enumerate(value)]
                elif not isinstance(value, list):
                    out["items"] = self.convert(value, at)
            elif key == "type":
                self._type(value, out, at)
            elif key == "required":
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    out["required"] = list(dict.fromkeys(value))
                else:
                    self.warnings.append(
                        SpecWarning("'required' must be a list of property names; ignored", at)
                    )
            elif key in ("exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[key] = value
            elif key in _COPIED:
                out[key] = self._copied(key, value, at)
        self._bounds(schema, out)
        if out.get("description") and isinstance(out["description"], str):
            out["description"] = out["description"][:MAX_DESCRIPTION]
        if schema.get("nullable") in (True, "true"):
            out = self._nullable(out)
        types = out.get("type")
        if (types == "array" or (isinstance(types, list) and "array" in types)) and not (
            "items" in out or "prefixItems" in out
        ):
            out["items"] = {}
        if isinstance(schema.get("properties"), dict) and "required" in out:
            dropped = set(schema["properties"]) - set(out.get("properties", {}))
            out["required"] = [r for r in out["required"] if r not in dropped] or None
        return {k: v for k, v in out.items() if v is not None}

    def _schema_map(self, key: str, value: dict[str, Any], at: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, sub in value.items():
            if key == "properties" and self._read_only(sub, f"{at}/{name}"):
                continue
            result[str(name)] = self.convert(sub, f"{at}/{name}")
        return result

    def _read_only(self, sub: Any, where: str) -> bool:
        if isinstance(sub, dict) and isinstance(sub.get("$ref"), str):
            try:
                sub, _ = self.refs.deref(sub, where)
            except SpecError:
                return False
        return isinstance(sub, dict) and sub.get("readOnly") in (True, "true")

    def _type(self, value: Any, out: dict[str, Any], at: str) -> None:
        values = value if isinstance(value, list) else [value]
        kept = [v for v in values if isinstance(v, str) and v in TYPES]
        if len(kept) != len(values):
            bad = [v for v in values if v not in kept]
            self.warnings.append(SpecWarning(f"Unknown type {bad[0]!r} ignored", at))
        if kept:
            out["type"] = list(dict.fromkeys(kept)) if isinstance(value, list) else kept[0]

    def _copied(self, key: str, value: Any, at: str) -> Any:
        """The keyword's value when it is valid JSON Schema (repaired or None otherwise): the
        result must pass the 2020-12 meta-schema, which is too slow to run on large schemas."""
        if key in _COUNTS:
            number = self._copied("minimum", value, at)
            if number is None or number < 0:
                self.warnings.append(SpecWarning(f"'{key}' must be a count; ignored", at))
                return None
            return int(number)
        if key == "multipleOf":
            number = self._copied("minimum", value, at)
            return number if number is not None and number > 0 else None
        if key == "pattern" and isinstance(value, str):
            try:
                re.compile(value)
            except re.error:
                self.warnings.append(SpecWarning("'pattern' is not a valid regex; ignored", at))
                return None
        if key == "dependentRequired" and not (
            isinstance(value, dict)
            and all(
                isinstance(v, list) and all(isinstance(i, str) for i in v) for v in value.values()
            )
        ):
            return None
        if key in ("contentMediaType", "contentEncoding") and not isinstance(value, str):
            return None
        if key in _NUMERIC and not (isinstance(value, int | float) and not isinstance(value, bool)):
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.warnings.append(SpecWarning(f"'{key}' must be a number; ignored", at))
                return None
            self.warnings.append(SpecWarning(f"'{key}' must be a number, not a string", at))
            return int(number) if number.is_integer() else number
        if key == "enum" and not isinstance(value, list):
            self.warnings.append(SpecWarning("'enum' must be a list; ignored", at))
            return None
        if key in ("format", "pattern", "title", "description") and not isinstance(value, str):
            return None
        if key in ("uniqueItems", "deprecated", "writeOnly") and not isinstance(value, bool):
            self.warnings.append(SpecWarning(f"'{key}' must be true or false; ignored", at))
            return None
        return value

    @staticmethod
    def _bounds(schema: dict[str, Any], out: dict[str, Any]) -> None:
        """3.0 boolean exclusive bounds -> 2020-12 numeric ones."""
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if schema.get(flag) in (True, "true") and bound in out:
                out[flag] = out.pop(bound)

    @staticmethod
    def _nullable(out: dict[str, Any]) -> dict[str, Any]:
        types = out.get("type")
        if isinstance(types, str):
            out["type"] = [types, "null"] if types != "null" else "null"
        elif isinstance(types, list):
            out["type"] = types if "null" in types else [*types, "null"]
        else:
            return {"anyOf": [out, {"type": "null"}]}
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out

    def _define(self, ref: str, where: str) -> str:
        if ref in self.names:
            return self.names[ref]
        target = self.refs.lookup(ref, where)
        base = _DEF_NAME.sub("_", ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~"))
        name, n = base[:64] or "def", 2
        while name in self.defs:
            name, n = f"{base[:60]}_{n}", n + 1
        self.names[ref] = name
        self.defs[name] = target  # converted by drain(): no recursion along reference chains
        self._queue.append((name, ref))
        return name

    def drain(self) -> None:
        """Convert the definitions referenced so far (and those they reference)."""
        while self._queue:
            name, ref = self._queue.pop()
            self.defs[name] = self.convert(self.defs[name], ref[1:] or "/")

    # -- per tool: inline the small, keep the rest as $defs ---------------------------------

    def finish(self, schema: dict[str, Any]) -> dict[str, Any]:
        """`schema` with small non-recursive references inlined; the rest kept in `$defs`."""
        self.drain()
        used: dict[str, Any] = {}
        pending: list[str] = []
        result = self._inline(schema, used, pending)
        while pending:
            name = pending.pop()
            used[name] = self._inline(self.defs[name], used, pending)
        if used:
            result["$defs"] = {**result.get("$defs", {}), **used}
        return dict(result)

    def _inline(self, node: Any, used: dict[str, Any], pending: list[str]) -> Any:
        if isinstance(node, list):
            return [self._inline(v, used, pending) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            name = ref[len("#/$defs/") :]
            if name in self.defs:
                if self.expanded_size(name) <= INLINE_MAX_CHARS:
                    return self._inline(copy.deepcopy(self.defs[name]), used, pending)
                if name not in used:
                    used[name] = None
                    pending.append(name)
                return {"$ref": ref}
        return {k: self._inline(v, used, pending) for k, v in node.items()}

    def expanded_size(self, name: str) -> float:
        """Characters of a definition with every reference inlined; inf when recursive."""
        if name in self._sizes:
            return self._sizes[name]
        if name in self._converting:
            return float("inf")
        self._converting.add(name)
        size = float(len(json.dumps(self.defs[name])))
        for ref in _refs_in(self.defs[name]):
            inner = ref[len("#/$defs/") :]
            if inner in self.defs:
                size += self.expanded_size(inner)
            if size > INLINE_MAX_CHARS * 100:
                break
        self._converting.discard(name)
        self._sizes[name] = size
        return size


def _refs_in(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def strip_descriptions(schema: Any) -> Any:
    """The schema without descriptions and titles (used when it is over the size limit)."""
    if isinstance(schema, list):
        return [strip_descriptions(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("description", "title"):
            continue
        if key in _SCHEMA_MAPS or key == "$defs":
            out[key] = (
                {k: strip_descriptions(v) for k, v in value.items()}
                if isinstance(value, dict)
                else value
            )
        elif (
            key in _SCHEMA_KEYS or key in _SCHEMA_LISTS or key in ("items", "additionalProperties")
        ):
            out[key] = strip_descriptions(value)
        else:
            out[key] = value
    return out
