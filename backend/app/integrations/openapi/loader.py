"""JSON or YAML text -> a JSON-safe mapping, within size, depth and node budgets.

YAML is composed by libyaml (fast, C) and built into Python values here, because PyYAML's own
constructor would turn `2024-01-31` into a date and `200:` into an int key (neither fits a JSON
column), and would happily expand a "billion laughs" document. Here:

- scalars resolve as YAML 1.2 core: no timestamps, only true/false are booleans, `.nan`/`.inf`
  stay strings; explicit tags other than the core ones keep their text;
- every mapping key is the key's text (`200:` -> "200"); a non-scalar key is refused;
- aliases share the built value, but count at their full size against MAX_NODES, and at most
  MAX_ALIASES of them; a recursive anchor is refused;
- nesting deeper than MAX_DEPTH is refused (JSON too);
- a NUL or a lone UTF-16 surrogate, which only an escape can put in a string (JSON `\\u0000`,
  `\\ud800`; YAML `"\\0"`, `"\\x00"`), is refused with its JSON pointer: PostgreSQL stores
  neither (a 500 at the import) and neither encodes as UTF-8. In human text (`description`,
  `summary`, `title` values) it is replaced with U+FFFD instead: nothing is called with that text,
  and one odd character in a long description should not cost the whole document.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from app.integrations.openapi.errors import SpecError, SpecTooComplex, pointer

MAX_DEPTH = 128
MAX_NODES = 2_000_000
MAX_ALIASES = 20_000

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# An escape that may decode to NUL or to a lone surrogate (JSON and YAML forms); the text holds
# none as such (JSON and YAML both refuse a raw NUL). A match only means "look closer".
_BAD_ESCAPE = re.compile(r"\\(?:0|x00|u0000|U00000000|[uU](?:0000)?[dD][89a-fA-F])")
# Same rule as app.validation.text_problem (not imported: the worker process stays lean).
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
_HUMAN_TEXT = frozenset({"description", "summary", "title"})

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _core_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, regexp in entries:
            if tag == _TIMESTAMP:
                continue
            kept.append((tag, _BOOL_12 if tag == _BOOL else regexp))
        resolvers[first] = kept
    return resolvers


class _ComposeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml composition with YAML 1.2-like implicit types (no dates, no yes/no booleans)."""

    yaml_implicit_resolvers = _core_resolvers()


class _Builder:
    def __init__(self) -> None:
        self.scalars = yaml.SafeLoader("")
        self.built: dict[int, tuple[Any, int]] = {}
        self.open: set[int] = set()
        self.aliases = 0
        self.nodes = 0

    def build(self, node: yaml.Node, depth: int) -> tuple[Any, int]:
        """(value, expanded node count)."""
        key = id(node)
        if key in self.built:
            self.aliases += 1
            value, size = self.built[key]
            if self.aliases > MAX_ALIASES:
                raise SpecTooComplex(f"The YAML has more than {MAX_ALIASES} aliases (*refs)")
            self._count(size)
            return value, size
        if key in self.open:
            raise SpecTooComplex("The YAML has a recursive anchor (an alias inside itself)")
        if depth > MAX_DEPTH:
            raise SpecTooComplex(f"The document is nested deeper than {MAX_DEPTH} levels")
        self.open.add(key)
        if isinstance(node, yaml.ScalarNode):
            value, size = self._scalar(node), 1
            self._count(1)
        elif isinstance(node, yaml.SequenceNode):
            items, size = [], 1
            self._count(1)
            for child in node.value:
                item, child_size = self.build(child, depth + 1)
                items.append(item)
                size += child_size
            value = items
        else:
            assert isinstance(node, yaml.MappingNode)
            value, size = self._mapping(node, depth)
        self.open.discard(key)
        self.built[key] = (value, size)
        return value, size

    def _count(self, size: int) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            raise SpecTooComplex(
                f"The document expands to more than {MAX_NODES:,} values (YAML aliases count "
                "at their full size)"
            )

    def _mapping(self, node: yaml.MappingNode, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        size = 1
        self._count(1)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                value, child_size = self.build(value_node, depth + 1)
                size += child_size
                for source in value if isinstance(value, list) else [value]:
                    if isinstance(source, dict):
                        merged = {**source, **merged}
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                raise SpecError(f"A mapping key at line {line} is not a plain value")
            value, child_size = self.build(value_node, depth + 1)
            size += child_size
            result[str(key_node.value)] = value
        return ({**merged, **result} if merged else result), size

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            _BOOL,
            "tag:yaml.org,2002:null",
        ):
            try:
                value = self.scalars.construct_object(node)
            except (yaml.YAMLError, ValueError):
                return str(node.value)
            if isinstance(value, float) and not math.isfinite(value):
                return str(node.value)
            return value
        return str(node.value)


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SpecTooComplex(f"The document is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_spec_text(text: str) -> dict[str, Any]:
    """JSON or YAML text -> a mapping of JSON-safe values."""
    stripped = text.lstrip()
    value: Any
    if stripped.startswith(("{", "[")):
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise SpecTooComplex(f"The document is nested deeper than {MAX_DEPTH} levels") from None
        except ValueError:
            value = _load_yaml(text)  # YAML flow style also starts with { or [
        else:
            _check_depth(value)
    else:
        value = _load_yaml(text)
    if not isinstance(value, dict):
        raise SpecError("The spec must be a JSON or YAML object (an OpenAPI document)")
    if _BAD_ESCAPE.search(text):
        _check_text(value)
    return value


def _bad_char(text: str) -> str | None:
    if text.isascii() and "\x00" not in text:
        return None
    found = _BAD_CHAR.search(text)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "a lone surrogate escape"


def _check_text(value: Any) -> None:
    """Refuse NUL and lone surrogates in keys and strings (naming where), or replace them in
    human text; see the module docstring."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    seen: set[int] = set()  # YAML aliases share containers: walk each once
    while stack:
        item, at = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        entries = item.items() if isinstance(item, dict) else enumerate(item)
        for key, child in list(entries):
            where = (*at, str(key))
            if isinstance(key, str) and (problem := _bad_char(key)):
                shown = key.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace")
                where = (*at, shown.decode()[:64])
                raise SpecError(f"A key holds {problem}, which cannot be stored", pointer(*where))
            if isinstance(child, str) and (problem := _bad_char(child)):
                if key in _HUMAN_TEXT and isinstance(item, dict):
                    item[key] = _BAD_CHAR.sub("\ufffd", child)
                    continue
                message = f"The value holds {problem}, which cannot be stored"
                raise SpecError(message, pointer(*where))
            if isinstance(child, dict | list):
                stack.append((child, where))


def _load_yaml(text: str) -> Any:
    try:
        node = yaml.compose(text, Loader=_ComposeLoader)
    except RecursionError:
        raise SpecTooComplex(f"The document is nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise SpecError(f"The spec is neither valid JSON nor valid YAML{where}{detail}") from None
    if node is None:
        raise SpecError("The spec is empty")
    return _Builder().build(node, 0)[0]
