"""JSON Schema rewrites the vendor tool adapters share. Pure functions on plain JSON; the input
is never modified.

- `transform`: rebuild a schema bottom-up, calling a function on every subschema.
- `inline_refs`: local `$ref`s replaced by their targets, under a depth and size budget.
- `flatten_root`: the root as a plain object (vendors refuse anyOf/oneOf/allOf at the top).
- `fill_array_items`: `items` for arrays that have none.
- `rename_property_keys`: property names a vendor refuses, renamed; the map back returned.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

Schema = dict[str, Any]
Json = Any

# A $ref inside a $ref inside a $ref is inlined; one deeper becomes an open object. Keeps a
# recursive or reference-bomb schema from growing without bound.
MAX_REF_DEPTH = 4
# Schema nodes one inlining may produce; past it, remaining $refs become open objects.
MAX_INLINED_NODES = 20_000

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = (
    "additionalProperties",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_COMBINATORS = ("allOf", "anyOf", "oneOf")


def transform(node: Json, fn: Callable[[Schema], Schema]) -> Json:
    """`node` rebuilt with `fn` applied to every subschema, children first."""
    if not isinstance(node, dict):
        return node  # a boolean schema (or junk) stays as it is
    out: Schema = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: transform(sub, fn) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [transform(sub, fn) for sub in value]
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = transform(value, fn)
        else:
            out[key] = value
    return fn(out)


def subschemas(node: Json) -> Iterable[Schema]:
    """Every schema object in `node`, itself included (depth first)."""
    if not isinstance(node, dict):
        return
    yield node
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                yield from subschemas(sub)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for sub in value:
                yield from subschemas(sub)
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            yield from subschemas(value)


def types_of(node: Schema) -> list[str]:
    """The `type` keyword as a list (empty when absent)."""
    value = node.get("type")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for t in value if isinstance(t, str)]
    return []


# -- $ref ------------------------------------------------------------------------------------


def resolve_local(root: Schema, ref: str) -> Json | None:
    """The target of a same-document reference (`#/$defs/Pet`), or None."""
    if not ref.startswith("#"):
        return None
    node: Json = root
    for raw in ref[1:].split("/")[1:] if ref != "#" else []:
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _open_stand_in(target: Json, why: str, description: Any = None) -> Schema:
    """What replaces a reference we will not inline: its own simple type, else an object."""
    kind = target.get("type") if isinstance(target, dict) else None
    stand_in: Schema = {"type": kind if isinstance(kind, str) else "object"}
    text = description if isinstance(description, str) else None
    if text is None and isinstance(target, dict) and isinstance(target.get("description"), str):
        text = target["description"]
    stand_in["description"] = f"{text} ({why})" if text else f"({why})"
    return stand_in


def inline_refs(
    schema: Schema, *, max_depth: int = MAX_REF_DEPTH, max_nodes: int = MAX_INLINED_NODES
) -> tuple[Schema, list[str]]:
    """`schema` without `$ref`s or definitions, and what could not be inlined exactly.

    A reference to itself (recursion), one nested past `max_depth`, one past the node budget
    or one outside the document becomes a stand-in of the target's simple type (an open
    object for object schemas), described as such.
    """
    losses: list[str] = []
    budget = [max_nodes]

    def walk(node: Json, chain: tuple[str, ...]) -> Json:
        if isinstance(node, list):
            return [walk(item, chain) for item in node]
        if not isinstance(node, dict):
            return node
        budget[0] -= 1
        ref = node.get("$ref")
        if isinstance(ref, str):
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            target = resolve_local(schema, ref)
            why = ""
            if target is None:
                why = "reference not resolved"
            elif ref in chain:
                why = "recursive, details left out"
            elif len(chain) >= max_depth or budget[0] <= 0:
                why = "nested too deep, details left out"
            if why:
                losses.append(f"$ref {ref}: {why}")
                return {
                    **walk(siblings, chain),
                    **_open_stand_in(target, why, siblings.get("description")),
                }
            inlined = walk(target, (*chain, ref))
            if not isinstance(inlined, dict):
                return inlined  # a boolean schema
            return {**inlined, **walk(siblings, chain)}
        out: Schema = {}
        for key, value in node.items():
            if key in ("$defs", "definitions") and chain == () and node is schema:
                continue  # everything they hold is inlined where used
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: walk(sub, chain) for name, sub in value.items()}
            elif (key in _SCHEMA_LISTS and isinstance(value, list)) or (
                key in _SCHEMA_ONE and isinstance(value, dict)
            ):
                out[key] = walk(value, chain)
            else:
                out[key] = value
        return out

    result = walk(schema, ())
    return (result if isinstance(result, dict) else {"type": "object"}), losses


# -- the root --------------------------------------------------------------------------------


def flatten_root(schema: Schema) -> Schema:
    """The root as one plain object schema.

    Vendors want `type: object` at the top and refuse anyOf/oneOf/allOf/not/enum there. The
    branches' properties are merged (allOf requires what any branch requires; anyOf/oneOf only
    what every branch requires). The tool still checks the arguments against its real schema.
    """
    root = {k: v for k, v in schema.items() if k not in (*_COMBINATORS, "not", "enum", "const")}
    properties: Schema = dict(root.get("properties") or {})
    required: list[str] = [r for r in root.get("required") or [] if isinstance(r, str)]
    for keyword in _COMBINATORS:
        found = [_branch(schema, b) for b in schema.get(keyword) or []]
        branches = [b for b in found if b is not None]
        if not branches:
            continue
        for branch in branches:
            for name, sub in (branch.get("properties") or {}).items():
                properties.setdefault(name, sub)
        wanted = [set(b.get("required") or []) for b in branches]
        extra = set().union(*wanted) if keyword == "allOf" else set.intersection(*wanted)
        required += sorted(r for r in extra if isinstance(r, str) and r not in required)
    root["type"] = "object"
    if properties:
        root["properties"] = properties
    if required:
        root["required"] = required
    return root


def _branch(root: Schema, branch: Json) -> Schema | None:
    """A root combinator branch, flattened itself, its $ref followed one step."""
    if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
        branch = resolve_local(root, branch["$ref"])
    if not isinstance(branch, dict):
        return None
    branch = dict(branch)
    if any(k in branch for k in _COMBINATORS):
        return flatten_root({**branch, "$defs": root.get("$defs")})
    return branch


# -- arrays ----------------------------------------------------------------------------------


def fill_array_items(schema: Schema, items: Json) -> Schema:
    """Every array schema without `items` (or `prefixItems`) given `items`."""

    def fill(node: Schema) -> Schema:
        if "array" in types_of(node) and "items" not in node and "prefixItems" not in node:
            return {**node, "items": items}
        return node

    result = transform(schema, fill)
    return result if isinstance(result, dict) else schema


# -- names -----------------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def safe_name(name: str, valid: re.Pattern[str], bad_chars: str, taken: set[str]) -> str:
    """`name` if `valid` matches it, else a deterministic valid replacement not in `taken`.

    Characters outside the vendor's set become `_` (runs of them, one `_`); a name that had to
    be cut to 64 characters, or that collides, gets a short digest of the original.
    """
    if valid.fullmatch(name) and name not in taken:
        return name
    base = re.sub(bad_chars, "_", name) or "_"
    if valid.fullmatch(base) and base not in taken:
        return base
    candidate = f"{base[:55]}_{_digest(name)}"
    if not valid.fullmatch(candidate):  # e.g. must start with a letter
        candidate = f"_{candidate[1:]}"
    counter = 2
    while candidate in taken:
        candidate = f"{base[:50]}_{_digest(name)}_{counter}"
        counter += 1
    return candidate


_KEY_LISTS = ("required", "propertyOrdering")


def rename_property_keys(
    schema: Schema, valid: re.Pattern[str], bad_chars: str
) -> tuple[Schema, dict[str, str]]:
    """`schema` with every property name `valid` refuses renamed, and the map wire -> real.

    Renames are per tool: one real name always gets the same wire name, and a wire name never
    equals another real name anywhere in the schema, so the map can be applied to arguments.
    """
    real = sorted(
        {
            name
            for node in subschemas(schema)
            for name in (node.get("properties") or {})
            if isinstance(name, str)
        }
    )
    taken = {name for name in real if valid.fullmatch(name)}
    to_wire: dict[str, str] = {}
    for name in real:
        if not valid.fullmatch(name):
            to_wire[name] = safe_name(name, valid, bad_chars, taken)
            taken.add(to_wire[name])
    if not to_wire:
        return schema, {}

    def rename(node: Schema) -> Schema:
        out = dict(node)
        if isinstance(node.get("properties"), dict):
            out["properties"] = {to_wire.get(k, k): v for k, v in node["properties"].items()}
        for key in _KEY_LISTS:
            if isinstance(node.get(key), list):
                out[key] = [to_wire.get(k, k) if isinstance(k, str) else k for k in node[key]]
        if isinstance(node.get("dependentRequired"), dict):
            out["dependentRequired"] = {
                to_wire.get(k, k): [to_wire.get(d, d) for d in v] if isinstance(v, list) else v
                for k, v in node["dependentRequired"].items()
            }
        return out

    renamed = transform(schema, rename)
    return renamed, {wire: name for name, wire in to_wire.items()}


def rename_keys(value: Json, mapping: dict[str, str]) -> Json:
    """`value` with every object key found in `mapping` renamed, at any depth."""
    if not mapping:
        return value
    if isinstance(value, dict):
        return {mapping.get(k, k): rename_keys(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_keys(v, mapping) for v in value]
    return value
