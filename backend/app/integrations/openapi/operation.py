"""One operation -> one tool: its input schema and its `request_spec`, the map app.tools.http
uses to put each argument where the API expects it.

Inputs: each parameter is a top-level property (renamed `<in>_<name>` when two share a name);
the request body is the `body` property (`request_body` if a parameter is called body).
A required header with a single enum value or a default is sent as a fixed value, not asked of
the model. `Accept`, `Content-Type` and `Authorization` header parameters are left out (the
OpenAPI rules; auth is the integration's).

request_spec (stored on the tool row)::

    {"parameters": [{"name", "in", "arg", "style", "explode", "json"}],
     "fixed": [{"name", "in", "value"}],
     "body": {"arg", "media_type", "encoding": {property: {"style", "explode",
              "content_type"}}} | null,
     "server": "https://other.example/v1" | null}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.integrations.openapi.errors import SpecError, SpecWarning
from app.integrations.openapi.refs import Refs
from app.integrations.openapi.schema import (
    MAX_DESCRIPTION,
    SchemaConverter,
    schema_chars,
    strip_descriptions,
)
from app.integrations.openapi.servers import parse_servers, server_url

MAX_SCHEMA_CHARS = 100_000  # the same limit as hand-made tools (integrations.schemas)
LOCATIONS = ("path", "query", "header", "cookie")
DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
STYLES = {
    "path": {"simple", "label", "matrix"},
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "header": {"simple"},
    "cookie": {"form"},
}
IGNORED_HEADERS = {"accept", "content-type", "authorization"}
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


@dataclass
class ToolPlan:
    name: str
    description: str
    method: str
    path: str
    input_schema: dict[str, Any]
    request_spec: dict[str, Any]


def _flag(node: dict[str, Any], key: str, where: str, warnings: list[SpecWarning]) -> bool:
    """A boolean field; the strings 'true'/'false' are accepted with a warning."""
    value = node.get(key, False)
    if isinstance(value, str):
        warnings.append(
            SpecWarning(
                f"'{key}' must be true or false, not the string {value!r}", f"{where}/{key}"
            )
        )
        return value.strip().lower() == "true"
    return bool(value)


class OperationBuilder:
    def __init__(
        self,
        refs: Refs,
        converter: SchemaConverter,
        warnings: list[SpecWarning],
        *,
        root_url: str,
        base_overridden: bool,
        server_variables: dict[str, str],
        source_url: str | None,
    ) -> None:
        self.refs = refs
        self.converter = converter
        self.warnings = warnings
        self.root_url = root_url
        self.base_overridden = base_overridden
        self.server_variables = server_variables
        self.source_url = source_url

    def build(
        self,
        name: str,
        method: str,
        path: str,
        item: dict[str, Any],
        operation: dict[str, Any],
        at: str,
    ) -> ToolPlan | None:
        """The tool, or None (with a warning) when the operation cannot be imported."""
        try:
            return self._build(name, method, path, item, operation, at)
        except SpecError as exc:
            self.warnings.append(
                SpecWarning(f"Left out {method} {path}: {exc.message}", exc.path or at)
            )
        except RecursionError:
            self.warnings.append(
                SpecWarning(f"Left out {method} {path}: its schemas nest too deeply", at)
            )
        return None

    def _build(
        self,
        name: str,
        method: str,
        path: str,
        item: dict[str, Any],
        operation: dict[str, Any],
        at: str,
    ) -> ToolPlan | None:
        properties: dict[str, Any] = {}
        required: list[str] = []
        spec: dict[str, Any] = {"parameters": [], "fixed": [], "body": None, "server": None}
        parameters = self._parameters(item, operation, at)
        names = [p["name"] for p, _ in parameters]
        for template in _PLACEHOLDER.findall(path):
            if not any(p["name"] == template and p["in"] == "path" for p, _ in parameters):
                self.warnings.append(
                    SpecWarning(
                        f"Path parameter '{template}' is not declared; taken as a string", at
                    )
                )
                parameters.append(({"name": template, "in": "path", "required": True}, at))
                names.append(template)
        body_arg = "request_body" if "body" in names else "body"
        for param, where in parameters:
            self._parameter(param, where, names, body_arg, properties, required, spec)
        body = self._body(operation, at, body_arg, properties, required)
        spec["body"] = body
        spec["server"] = self._server(item, operation, at)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = list(dict.fromkeys(required))
        fitted = self._fit(self.converter.finish(schema), f"{method} {path}", at)
        if fitted is None:
            return None
        summary, detail = operation.get("summary"), operation.get("description")
        description = " - ".join(str(p).strip() for p in (summary, detail) if p)
        return ToolPlan(
            name=name,
            description=(description or f"{method} {path}")[:MAX_DESCRIPTION],
            method=method,
            path=path,
            input_schema=fitted,
            request_spec=spec,
        )

    def _parameters(
        self, item: dict[str, Any], operation: dict[str, Any], at: str
    ) -> list[tuple[dict[str, Any], str]]:
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        item_at = at.rsplit("/", 1)[0]
        for owner, owner_at in ((item, item_at), (operation, at)):
            raw = owner.get("parameters") or []
            if not isinstance(raw, list):
                self.warnings.append(
                    SpecWarning("parameters must be a list; ignored", f"{owner_at}/parameters")
                )
                continue
            for i, entry in enumerate(raw):
                where = f"{owner_at}/parameters/{i}"
                param, _ = self.refs.deref(entry, where)
                if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                    self.warnings.append(SpecWarning("A parameter needs a name; ignored", where))
                    continue
                if param.get("in") not in LOCATIONS:
                    self.warnings.append(
                        SpecWarning(
                            f"Parameter '{param['name']}' has an unknown location "
                            f"{param.get('in')!r}; ignored",
                            where,
                        )
                    )
                    continue
                merged[(param["name"], param["in"])] = (param, where)
        return list(merged.values())

    def _parameter(
        self,
        param: dict[str, Any],
        where: str,
        names: list[str],
        body_arg: str,
        properties: dict[str, Any],
        required: list[str],
        spec: dict[str, Any],
    ) -> None:
        name, location = param["name"], param["in"]
        if location == "header" and name.lower() in IGNORED_HEADERS:
            if name.lower() == "authorization":
                self.warnings.append(
                    SpecWarning("The Authorization header comes from the integration's auth", where)
                )
            return
        is_required = location == "path" or _flag(param, "required", where, self.warnings)
        content_type = None
        raw_schema: Any = param.get("schema")
        if raw_schema is None and isinstance(param.get("content"), dict) and param["content"]:
            content_type, media = next(iter(param["content"].items()))
            raw_schema = media.get("schema") if isinstance(media, dict) else None
        raw_schema = raw_schema if raw_schema is not None else {"type": "string"}
        prop = self.converter.convert(raw_schema, f"{where}/schema")
        fixed = (
            self._fixed_value(raw_schema, where) if location == "header" and is_required else None
        )
        if fixed is not None:
            spec["fixed"].append({"name": name, "in": location, "value": fixed})
            return
        style = param.get("style", DEFAULT_STYLE[location])
        if style not in STYLES[location]:
            self.warnings.append(
                SpecWarning(
                    f"Style {style!r} is not allowed in {location}; using the default",
                    f"{where}/style",
                )
            )
            style = DEFAULT_STYLE[location]
        explode = (
            _flag(param, "explode", where, self.warnings) if "explode" in param else style == "form"
        )
        arg = name if names.count(name) == 1 and name != body_arg else f"{location}_{name}"
        description = param.get("description")
        if isinstance(description, str) and description and isinstance(prop, dict):
            prop = {**prop, "description": prop.get("description") or description[:MAX_DESCRIPTION]}
        if _flag(param, "deprecated", where, self.warnings) and isinstance(prop, dict):
            prop = {**prop, "deprecated": True}
        properties[arg] = prop
        if is_required:
            required.append(arg)
        spec["parameters"].append(
            {
                "name": name,
                "in": location,
                "arg": arg,
                "style": style,
                "explode": explode,
                "json": bool(content_type and "json" in content_type),
            }
        )

    def _fixed_value(self, raw_schema: Any, where: str) -> str | None:
        try:
            schema, _ = self.refs.deref(raw_schema, where)
        except SpecError:
            return None
        if not isinstance(schema, dict):
            return None
        enum = schema.get("enum")
        if isinstance(enum, list) and len(enum) == 1 and enum[0] is not None:
            return str(enum[0])
        if "default" in schema and isinstance(schema["default"], str | int | float):
            return str(schema["default"])
        return None

    def _body(
        self,
        operation: dict[str, Any],
        at: str,
        arg: str,
        properties: dict[str, Any],
        required: list[str],
    ) -> dict[str, Any] | None:
        if "requestBody" not in operation:
            return None
        where = f"{at}/requestBody"
        body, body_at = self.refs.deref(operation["requestBody"], where)
        if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
            self.warnings.append(SpecWarning("The request body has no content; left out", where))
            return None
        content: dict[str, Any] = body["content"]
        media_type = _pick_media_type(list(content))
        if media_type is None:
            kinds = ", ".join(content) or "no media type"
            self.warnings.append(
                SpecWarning(f"Request body left out: {kinds} cannot be sent by a tool", where)
            )
            return None
        media = content[media_type] if isinstance(content[media_type], dict) else {}
        media_at = f"{body_at}/content/{media_type.replace('/', '~1')}"
        raw_schema = media.get("schema", {"type": "object"} if "json" in media_type else {})
        if media_type.startswith("text/"):
            raw_schema = media.get("schema", {"type": "string"})
        prop = self.converter.convert(raw_schema, f"{media_at}/schema")
        description = body.get("description")
        if isinstance(description, str) and description and isinstance(prop, dict):
            prop = {**prop, "description": prop.get("description") or description[:MAX_DESCRIPTION]}
        properties[arg] = prop
        if _flag(body, "required", body_at, self.warnings):
            required.append(arg)
        encoding: dict[str, Any] = {}
        raw_encoding = media.get("encoding") if isinstance(media.get("encoding"), dict) else {}
        for field, entry in (raw_encoding or {}).items():
            if not isinstance(entry, dict):
                continue
            encoding[str(field)] = {
                k: v
                for k, v in {
                    "style": entry.get("style"),
                    "explode": entry.get("explode"),
                    "content_type": entry.get("contentType"),
                }.items()
                if v is not None
            }
        return {"arg": arg, "media_type": media_type, "encoding": encoding}

    def _server(self, item: dict[str, Any], operation: dict[str, Any], at: str) -> str | None:
        if self.base_overridden:
            return None
        for owner, owner_at in ((operation, at), (item, at.rsplit("/", 1)[0])):
            servers = parse_servers(owner.get("servers"), f"{owner_at}/servers", self.warnings)
            if servers:
                url = server_url(
                    servers[0],
                    self.server_variables,
                    self.root_url + "/",
                    self.warnings,
                    f"{owner_at}/servers/0",
                )
                return None if url == self.root_url else url
        return None

    def _fit(self, schema: dict[str, Any], label: str, at: str) -> dict[str, Any] | None:
        """A valid JSON Schema within the size limit: invalid keywords removed, descriptions
        dropped when too large; None (with a warning) when it still does not fit.

        Validity comes from the converter, which writes only keywords and values the 2020-12
        meta-schema accepts: checking against the meta-schema here would take about a second
        per tool (jsonschema resolves its $dynamicRefs node by node)."""
        if schema_chars(schema) > MAX_SCHEMA_CHARS:
            schema = strip_descriptions(schema)
            if schema_chars(schema) > MAX_SCHEMA_CHARS:
                self.warnings.append(
                    SpecWarning(
                        f"Left out {label}: its input schema is larger than {MAX_SCHEMA_CHARS:,} "
                        "characters (the limit for every tool)",
                        at,
                    )
                )
                return None
            self.warnings.append(
                SpecWarning(
                    f"{label}: descriptions dropped to fit {MAX_SCHEMA_CHARS:,} characters", at
                )
            )
        return schema


def _pick_media_type(media_types: list[str]) -> str | None:
    lowered = {m.lower().split(";")[0].strip(): m for m in media_types}
    for wanted in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        if wanted in lowered:
            return lowered[wanted]
    for plain, original in lowered.items():
        if plain.endswith("+json") or "json" in plain:
            return original
    for plain, original in lowered.items():
        if plain.startswith("text/") or plain in ("*/*", "application/xml"):
            return original
    return None
