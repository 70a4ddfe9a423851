"""An OpenAPI 3.0 / 3.1 document -> an import plan: base URL, auth, every operation (listed)
and one tool per selected operation (built). Pure: no database, no network.

Problems that stop the whole document (not OpenAPI 3, `paths` not an object, nothing left to
import) raise SpecError with their location; a problem inside one operation leaves that
operation out, and a minor one is repaired; both are reported as warnings with their JSON
pointer. Tool inputs and how each maps onto the HTTP request are built in
app.integrations.openapi.operation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from app.integrations.openapi.errors import SpecError, SpecWarning, pointer
from app.integrations.openapi.operation import OperationBuilder, ToolPlan
from app.integrations.openapi.refs import Refs
from app.integrations.openapi.schema import SchemaConverter
from app.integrations.openapi.security import map_security
from app.integrations.openapi.servers import ServerInfo, document_servers, server_url

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
MAX_TOOLS = 128
MAX_NAME = 64
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class Selection:
    """An operation is chosen when it matches every non-empty list (any entry of a list)."""

    operations: list[str] = field(default_factory=list)
    operation_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.operations or self.operation_ids or self.tags or self.paths or self.methods
        )

    def matches(self, op: OperationInfo) -> bool:
        keys = {_normal_key(k) for k in self.operations}
        return (
            (not self.operations or _normal_key(op.key) in keys)
            and (not self.operation_ids or op.operation_id in self.operation_ids)
            and (not self.tags or bool(set(op.tags) & set(self.tags)))
            and (not self.paths or op.path in self.paths)
            and (not self.methods or op.method in {m.upper() for m in self.methods})
        )


def _normal_key(key: str) -> str:
    method, _, path = key.strip().partition(" ")
    return f"{method.upper()} {path.strip()}"


@dataclass
class OperationInfo:
    key: str
    method: str
    path: str
    operation_id: str | None
    tags: list[str]
    summary: str | None
    tool_name: str
    selected: bool = False
    deprecated: bool = False


@dataclass
class ImportPlan:
    name: str
    base_url: str
    auth_type: str
    auth_config: dict[str, Any]
    tools: list[ToolPlan]
    operations: list[OperationInfo]
    servers: list[ServerInfo]
    warnings: list[SpecWarning]
    max_tools: int = MAX_TOOLS
    too_many: bool = False
    missing_base: SpecError | None = None  # no usable server URL and no base_url given
    spec_json: str | None = None

    @property
    def total_operations(self) -> int:
        return len(self.operations)


def tool_name(operation: dict[str, Any], method: str, path: str, prefix: str = "") -> str:
    raw = operation.get("operationId") or f"{method}_{path}"
    name = re.sub(r"__+", "_", _INVALID_NAME_CHARS.sub("_", str(raw))).strip("_") or method
    name = prefix + name
    if not re.match(r"^[A-Za-z_]", name):
        name = f"op_{name}"
    return name[:MAX_NAME]


def _check_root(spec: dict[str, Any]) -> None:
    if "swagger" in spec:
        raise SpecError("Swagger 2.0 is not supported: convert the spec to OpenAPI 3 first")
    version = spec.get("openapi")
    if version is None:
        raise SpecError("The spec has no 'openapi' version field", "/openapi")
    if not re.match(r"^3\.[01]\.\d+", str(version)):
        raise SpecError(f"Unsupported OpenAPI version {str(version)!r}: need 3.0.x or 3.1.x")
    if not isinstance(spec.get("paths"), dict):
        raise SpecError("Invalid OpenAPI spec: 'paths' must be an object", "/paths")


class _Planner:
    def __init__(self, spec: dict[str, Any], prefix: str, max_tools: int) -> None:
        self.spec = spec
        self.prefix = prefix
        self.max_tools = max_tools
        self.warnings: list[SpecWarning] = []
        self.refs = Refs(spec)
        self.converter = SchemaConverter(
            self.refs,
            openapi_30=str(spec.get("openapi")).startswith("3.0"),
            warnings=self.warnings,
        )
        self.found: list[tuple[OperationInfo, dict[str, Any], dict[str, Any], str]] = []

    def warn(self, message: str, path: str | None) -> None:
        self.warnings.append(SpecWarning(message, path))

    def list_operations(self) -> None:
        taken: set[str] = set()
        seen_ids: dict[str, str] = {}
        for path, raw_item in self.spec["paths"].items():
            item_at = pointer("paths", path)
            if not str(path).startswith("/"):
                self.warn(f"Path {str(path)[:100]!r} does not start with '/'", item_at)
            try:
                item, _ = self.refs.deref(raw_item, item_at)
            except SpecError as exc:
                self.warn(f"Path left out: {exc.message}", exc.path or item_at)
                continue
            if not isinstance(item, dict):
                self.warn("A path item must be an object; left out", item_at)
                continue
            for method in METHODS:
                if method not in item:
                    continue
                operation = item[method]
                at = f"{item_at}/{method}"
                if not isinstance(operation, dict):
                    self.warn("An operation must be an object; left out", at)
                    continue
                self.found.append(
                    (
                        self._info(operation, method, str(path), at, taken, seen_ids),
                        item,
                        operation,
                        at,
                    )
                )

    def _info(
        self,
        operation: dict[str, Any],
        method: str,
        path: str,
        at: str,
        taken: set[str],
        seen_ids: dict[str, str],
    ) -> OperationInfo:
        operation_id = operation.get("operationId")
        if operation_id is not None and not isinstance(operation_id, str):
            self.warn("operationId must be a string", f"{at}/operationId")
            operation_id = str(operation_id)
        key = f"{method.upper()} {path}"
        if operation_id:
            if operation_id in seen_ids:
                self.warn(
                    f"Duplicate operationId {operation_id!r} (also {seen_ids[operation_id]}); "
                    "the tool name gets a suffix",
                    f"{at}/operationId",
                )
            seen_ids.setdefault(operation_id, key)
        candidate = tool_name(operation, method, path, self.prefix)
        unique, n = candidate, 2
        while unique in taken:
            suffix = f"_{n}"
            unique, n = candidate[: MAX_NAME - len(suffix)] + suffix, n + 1
        taken.add(unique)
        tags = operation.get("tags") or []
        if not isinstance(tags, list):
            self.warn("tags must be a list", f"{at}/tags")
            tags = []
        summary = operation.get("summary")
        deprecated = operation.get("deprecated", False)
        if isinstance(deprecated, str):
            self.warn(
                f"deprecated must be true or false, not the string {deprecated!r}",
                f"{at}/deprecated",
            )
            deprecated = deprecated.lower() == "true"
        return OperationInfo(
            key=key,
            method=method.upper(),
            path=path,
            operation_id=operation_id or None,
            tags=[str(t) for t in tags],
            summary=str(summary)[:300] if summary else None,
            tool_name=unique,
            deprecated=bool(deprecated),
        )


def plan_import(
    spec: dict[str, Any],
    *,
    source_url: str | None = None,
    name: str | None = None,
    base_url: str | None = None,
    selection: Selection | None = None,
    name_prefix: str = "",
    server_variables: dict[str, str] | None = None,
    max_tools: int = MAX_TOOLS,
    keep_spec: bool = False,
) -> ImportPlan:
    _check_root(spec)
    selection = selection or Selection()
    variables = server_variables or {}
    planner = _Planner(spec, name_prefix, max_tools)
    planner.list_operations()
    operations = [info for info, *_ in planner.found]
    if not operations:
        raise SpecError("The spec has no operations under paths", "/paths")

    servers = document_servers(spec, planner.warnings)
    root_url = base_url.rstrip("/") or base_url if base_url else None
    missing_base: SpecError | None = None
    if root_url is None:
        try:
            if not servers:
                raise SpecError("The spec has no servers: give base_url", "/servers")
            root_url = server_url(servers[0], variables, source_url, planner.warnings, "/servers/0")
        except SpecError as exc:
            # The preview still lists the operations; the import needs the address.
            missing_base, root_url = exc, ""
            planner.warn(exc.message, exc.path)

    chosen = [entry for entry in planner.found if selection.matches(entry[0])]
    if not selection.empty and not chosen:
        raise SpecError(
            f"The selection matches none of the {len(operations)} operations "
            "(operations are 'METHOD /path'; tags, paths and methods must match exactly)"
        )
    too_many = len(chosen) > max_tools
    tools: list[ToolPlan] = []
    if too_many:
        how = "choose operations by tag, path, method or operation id (selection)"
        counted = f"{len(operations)} operations" + (
            "" if selection.empty else f" and {len(chosen)} are selected"
        )
        planner.warn(
            f"The spec has {counted}; at most {max_tools} can be imported at once: {how}", None
        )
        if not selection.empty:
            for info, *_ in chosen:
                info.selected = True
    else:
        builder = OperationBuilder(
            planner.refs,
            planner.converter,
            planner.warnings,
            root_url=root_url,
            base_overridden=bool(base_url),
            server_variables=variables,
            source_url=source_url,
        )
        for info, item, operation, at in chosen:
            tool = builder.build(info.tool_name, info.method, info.path, item, operation, at)
            if tool is not None:
                info.selected = True
                tools.append(tool)
        if not tools:
            first = next((w for w in planner.warnings if w.message.startswith("Left out")), None)
            detail = f": {first.message} (at {first.path})" if first else ""
            raise SpecError(f"None of the selected operations can be imported{detail}")

    auth_type, auth_config = map_security(spec, planner.refs, planner.warnings, root_url)
    info_block = spec.get("info") if isinstance(spec.get("info"), dict) else {}
    title = (info_block or {}).get("title")
    return ImportPlan(
        name=(name or str(title or "Imported API"))[:200],
        base_url=root_url,
        auth_type=auth_type,
        auth_config=auth_config,
        tools=tools,
        operations=operations,
        servers=servers,
        warnings=planner.warnings,
        max_tools=max_tools,
        too_many=too_many,
        missing_base=missing_base,
        spec_json=json.dumps(spec, separators=(",", ":")) if keep_spec else None,
    )
