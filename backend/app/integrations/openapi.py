"""Turn an OpenAPI 3.0 / 3.1 document into an integration plan: base URL, auth, one tool per
operation. Pure: no database, no network. Every problem raises SpecError naming it.

Tool inputs: path and query parameters are top-level properties; a JSON request body is the
`body` property (app.tools.http maps them back). Header and cookie parameters and non-JSON
bodies are left out, with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.versions.exceptions import OpenAPIVersionNotFound

from app.integrations.auth_types import AuthType

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
MAX_TOOLS = 200
MAX_DESCRIPTION = 1024
MAX_REF_DEPTH = 32
_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


class SpecError(ValueError):
    """The spec cannot be imported; the message says why."""


@dataclass
class ToolPlan:
    name: str
    description: str
    method: str
    path: str
    input_schema: dict[str, Any]


@dataclass
class ImportPlan:
    name: str
    base_url: str
    auth_type: AuthType
    auth_config: dict[str, Any]
    tools: list[ToolPlan]
    spec: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def parse_spec_text(text: str) -> dict[str, Any]:
    """JSON or YAML text -> a mapping."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SpecError(f"The spec is neither valid JSON nor valid YAML{where}") from None
    if not isinstance(value, dict):
        raise SpecError("The spec must be a JSON or YAML object (an OpenAPI document)")
    return value


def _refs(node: Any) -> list[str]:
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


def validate_spec(spec: dict[str, Any]) -> None:
    """OpenAPI 3.0 or 3.1, structurally valid, only local $refs (never fetched)."""
    if "swagger" in spec:
        raise SpecError("Swagger 2.0 is not supported: convert the spec to OpenAPI 3 first")
    version = str(spec.get("openapi", ""))
    if not re.match(r"^3\.[01]\.\d+", version):
        raise SpecError(f"Unsupported OpenAPI version {version!r}: need 3.0.x or 3.1.x")
    external = [r for r in _refs(spec) if not r.startswith("#")]
    if external:
        raise SpecError(f"External $ref {external[0][:200]!r} is not supported: inline it first")
    try:
        validate(spec)
    except OpenAPIVersionNotFound:
        raise SpecError("The spec has no valid 'openapi' version field") from None
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise SpecError(f"Invalid OpenAPI spec at {where}: {exc.message[:300]}") from None
    except Exception as exc:  # a malformed $ref or schema the validator cannot walk
        raise SpecError(f"Invalid OpenAPI spec: {type(exc).__name__}: {str(exc)[:300]}") from None


def _pointer(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.lstrip("#/").split("/") if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise SpecError(f"$ref {ref!r} points nowhere")
        node = node[part]
    return node


def resolve(spec: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """`node` with local $refs inlined; a recursive schema becomes an open object."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen or len(seen) >= MAX_REF_DEPTH:
                return {"type": "object"}
            target = resolve(spec, _pointer(spec, ref), (*seen, ref))
            siblings = {k: resolve(spec, v, seen) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings} if isinstance(target, dict) else target
        return {k: resolve(spec, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(spec, v, seen) for v in node]
    return node


def _base_url(spec: dict[str, Any], source_url: str | None, override: str | None) -> str:
    if override:
        return override.rstrip("/") or override
    servers = spec.get("servers") or []
    if not servers or not isinstance(servers[0], dict) or not servers[0].get("url"):
        raise SpecError("The spec has no servers: give base_url")
    server = servers[0]
    url = str(server["url"])
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str((variable or {}).get("default", "")))
    if not re.match(r"^https?://", url):
        if source_url is None:
            raise SpecError(f"The spec's server URL {url!r} is relative: give base_url")
        url = urljoin(source_url, url)
    return url.rstrip("/") or url


def _auth(spec: dict[str, Any], warnings: list[str]) -> tuple[AuthType, dict[str, Any]]:
    schemes = resolve(spec, (spec.get("components") or {}).get("securitySchemes") or {})
    used: list[str] = []
    requirements = list(spec.get("security") or [])
    for item in (spec.get("paths") or {}).values():
        for method in METHODS:
            requirements.extend((item or {}).get(method, {}).get("security") or [])
    for requirement in requirements:
        used.extend(n for n in requirement if n not in used)
    candidates = used or list(schemes)
    for name in candidates:
        scheme = schemes.get(name) or {}
        kind, where = scheme.get("type"), scheme.get("in")
        if kind == "apiKey" and where in ("header", "query"):
            return AuthType.api_key, {"location": where, "name": scheme.get("name", "X-API-Key")}
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return AuthType.bearer, {}
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return AuthType.basic, {"username": ""}
        if kind == "oauth2":
            flows = scheme.get("flows") or {}
            if "clientCredentials" in flows:
                flow = flows["clientCredentials"]
                grant = "client_credentials"
            elif flows:
                flow = next(iter(flows.values()))
                grant = "refresh_token"
            else:
                continue
            token_url = flow.get("refreshUrl") or flow.get("tokenUrl")
            if not token_url:
                warnings.append(f"OAuth2 scheme '{name}' has no token URL; set auth by hand")
                continue
            config: dict[str, Any] = {"grant_type": grant, "token_url": token_url}
            if flow.get("scopes"):
                config["scope"] = " ".join(flow["scopes"])
            return AuthType.oauth2, config
        warnings.append(f"Security scheme '{name}' ({kind}) is not supported; set auth by hand")
    return AuthType.none, {}


def tool_name(operation: dict[str, Any], method: str, path: str) -> str:
    raw = operation.get("operationId") or f"{method}_{path}"
    name = re.sub(r"__+", "_", _INVALID_NAME_CHARS.sub("_", str(raw))).strip("_") or method
    if not re.match(r"^[A-Za-z_]", name):
        name = f"op_{name}"
    return name[:64]


def _parameters(
    spec: dict[str, Any], path_item: dict[str, Any], operation: dict[str, Any]
) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = resolve(spec, raw)
        merged[(str(param.get("name")), str(param.get("in")))] = param
    return list(merged.values())


def _input_schema(
    spec: dict[str, Any],
    path_item: dict[str, Any],
    operation: dict[str, Any],
    label: str,
    warnings: list[str],
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    skipped: list[str] = []
    for param in _parameters(spec, path_item, operation):
        name, where = str(param.get("name")), param.get("in")
        if where not in ("path", "query") or name == "body":
            skipped.append(f"{where} parameter '{name}'")
            continue
        prop = dict(param.get("schema") or {"type": "string"})
        if param.get("description") and "description" not in prop:
            prop["description"] = str(param["description"])[:MAX_DESCRIPTION]
        properties[name] = prop
        if param.get("required") or where == "path":
            required.append(name)
    body = resolve(spec, operation.get("requestBody") or {})
    if body:
        content = body.get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is not None:
            properties["body"] = content[media].get("schema") or {"type": "object"}
            if body.get("required"):
                required.append("body")
        else:
            skipped.append(f"request body ({', '.join(content) or 'no media type'})")
    if skipped:
        warnings.append(f"{label}: left out {', '.join(skipped)}")
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(set(required))
    return schema


def plan_import(
    spec: dict[str, Any],
    *,
    source_url: str | None = None,
    name: str | None = None,
    base_url: str | None = None,
) -> ImportPlan:
    validate_spec(spec)
    warnings: list[str] = []
    info = spec.get("info") or {}
    tools: list[ToolPlan] = []
    taken: set[str] = set()
    for path, raw_item in (spec.get("paths") or {}).items():
        path_item = resolve(spec, raw_item or {})
        for method in METHODS:
            operation = path_item.get(method)
            if not isinstance(operation, dict):
                continue
            label = f"{method.upper()} {path}"
            candidate = tool_name(operation, method, path)
            unique, n = candidate, 2
            while unique in taken:
                suffix = f"_{n}"
                unique, n = candidate[: 64 - len(suffix)] + suffix, n + 1
            taken.add(unique)
            description = " - ".join(
                str(p).strip()
                for p in (operation.get("summary"), operation.get("description"))
                if p
            )
            tools.append(
                ToolPlan(
                    name=unique,
                    description=(description or label)[:MAX_DESCRIPTION],
                    method=method.upper(),
                    path=str(path),
                    input_schema=_input_schema(spec, path_item, operation, label, warnings),
                )
            )
    if not tools:
        raise SpecError("The spec has no operations under paths")
    if len(tools) > MAX_TOOLS:
        raise SpecError(
            f"The spec has {len(tools)} operations; at most {MAX_TOOLS} can be imported"
        )
    auth_type, auth_config = _auth(spec, warnings)
    return ImportPlan(
        name=(name or str(info.get("title") or "Imported API"))[:200],
        base_url=_base_url(spec, source_url, base_url),
        auth_type=auth_type,
        auth_config=auth_config,
        tools=tools,
        spec=spec,
        warnings=warnings,
    )
