"""Local `$ref`s: lookups (memoized), and chains followed for the objects a tool needs
(path items, parameters, request bodies, security schemes). Schema references are not inlined
here: app.integrations.openapi.schema keeps them as `$defs` or inlines the small ones.

Only references the importer actually follows are checked, so a `$ref` inside an `example`
value or a response schema never refuses a document.
"""

from __future__ import annotations

from typing import Any

from app.integrations.openapi.errors import SpecError

MAX_REF_HOPS = 32


class Refs:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._cache: dict[str, Any] = {}

    def lookup(self, ref: str, where: str) -> Any:
        """The node `ref` points at; SpecError (located at `where`) when it is external or
        points nowhere."""
        if ref in self._cache:
            return self._cache[ref]
        if not ref.startswith("#"):
            raise SpecError(f"External $ref {ref[:200]!r} is not supported: inline it first", where)
        node: Any = self.spec
        for raw in ref[1:].lstrip("/").split("/") if ref.strip("#/") else []:
            part = raw.replace("~1", "/").replace("~0", "~").replace("%7B", "{").replace("%7D", "}")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SpecError(f"$ref {ref[:200]!r} points nowhere", where)
        self._cache[ref] = node
        return node

    def deref(self, node: Any, where: str) -> tuple[Any, str]:
        """Follow a chain of `$ref`s to the object; (object, its location for messages)."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            node = self.lookup(ref, where)
            where = ref[1:] or "/"
            hops += 1
            if hops > MAX_REF_HOPS:
                raise SpecError(f"$ref chain longer than {MAX_REF_HOPS} hops", where)
        return node, where
