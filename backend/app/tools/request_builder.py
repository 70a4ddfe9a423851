"""Requests for imported OpenAPI operations: arguments -> path, query, headers, cookies and a
body, serialised the way the API document says (see app.integrations.openapi.operation for the
`request_spec` format).

Parameters follow OpenAPI's `style`/`explode` rules:

    query   form (default; arrays `tags=a&tags=b`, or `tags=a,b` without explode),
            spaceDelimited, pipeDelimited, deepObject (`filter[name]=x`)
    path    simple (default; `a,b`), label (`.a.b`), matrix (`;id=a;id=b`)
    header  simple                cookie  form

Bodies: JSON; `application/x-www-form-urlencoded` with nested objects and arrays as
deepObject-style keys (`metadata[plan]=pro`, `items[0][price]=p_1`, as Stripe expects);
`multipart/form-data` (binary string fields become file parts); `text/*` sent as is.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

Pairs = list[tuple[str, str]]


class RequestBuildError(ValueError):
    """The arguments cannot be put on the request; the message is safe to show the model."""


@dataclass
class SpecRequest:
    url: str  # with the query string already encoded
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    json_body: Any = None
    has_body: bool = False


def text(value: Any) -> str:
    """One value as text: booleans as true/false, null as empty, structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _q(value: str) -> str:
    return quote(value, safe="")


def deep_pairs(prefix: str, value: Any) -> Pairs:
    """Nested keys: {"a": {"b": 1}, "c": [x, y]} under p -> p[a][b]=1, p[c][0]=x, p[c][1]=y."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in deep_pairs(f"{prefix}[{k}]", v)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in deep_pairs(f"{prefix}[{i}]", v)]
    return [(prefix, text(value))]


def query_pairs(name: str, value: Any, style: str, explode: bool) -> list[str]:
    """Encoded `key=value` items for one query (or cookie) parameter."""
    if style == "deepObject" and isinstance(value, dict | list):
        return [f"{quote(k, safe='[]')}={_q(v)}" for k, v in deep_pairs(name, value)]
    if isinstance(value, list):
        if explode and style == "form":
            return [f"{_q(name)}={_q(text(v))}" for v in value]
        delimiter = {"spaceDelimited": "%20", "pipeDelimited": "|"}.get(style, ",")
        return [f"{_q(name)}={delimiter.join(_q(text(v)) for v in value)}"]
    if isinstance(value, dict):
        if explode and style == "form":
            return [f"{_q(str(k))}={_q(text(v))}" for k, v in value.items()]
        delimiter = {"spaceDelimited": "%20", "pipeDelimited": "|"}.get(style, ",")
        flat = [part for k, v in value.items() for part in (_q(str(k)), _q(text(v)))]
        return [f"{_q(name)}={delimiter.join(flat)}"]
    return [f"{_q(name)}={_q(text(value))}"]


def path_value(name: str, value: Any, style: str, explode: bool) -> str:
    if isinstance(value, list):
        items = [_q(text(v)) for v in value]
        if style == "label":
            return "." + ("." if explode else ",").join(items)
        if style == "matrix":
            if explode:
                return "".join(f";{_q(name)}={item}" for item in items)
            return f";{_q(name)}=" + ",".join(items)
        return ",".join(items)
    if isinstance(value, dict):
        if explode:
            parts = [f"{_q(str(k))}={_q(text(v))}" for k, v in value.items()]
        else:
            parts = [p for k, v in value.items() for p in (_q(str(k)), _q(text(v)))]
        if style == "label":
            return "." + ("." if explode else ",").join(parts)
        if style == "matrix":
            return ";" + ";".join(parts) if explode else f";{_q(name)}=" + ",".join(parts)
        return ",".join(parts)
    if style == "label":
        return "." + _q(text(value))
    if style == "matrix":
        return f";{_q(name)}={_q(text(value))}"
    return _q(text(value))


def header_value(value: Any, explode: bool) -> str:
    if isinstance(value, list):
        return ",".join(text(v) for v in value)
    if isinstance(value, dict):
        if explode:
            return ",".join(f"{k}={text(v)}" for k, v in value.items())
        return ",".join(p for k, v in value.items() for p in (str(k), text(v)))
    return text(value)


def form_pairs(body: Any, encoding: dict[str, Any]) -> Pairs:
    """A form body: top-level fields, nested values as deepObject keys unless the encoding
    says form style (arrays repeated / joined)."""
    if not isinstance(body, dict):
        raise RequestBuildError("a form body must be an object of fields")
    pairs: Pairs = []
    for key, value in body.items():
        if value is None:
            continue
        rule = encoding.get(key) or {}
        if rule.get("content_type") and "json" in str(rule["content_type"]):
            pairs.append((key, json.dumps(value, separators=(",", ":"))))
        elif (
            isinstance(value, list)
            and rule.get("style", "form") == "form"
            and not any(isinstance(v, dict | list) for v in value)
        ):
            if rule.get("explode", True):
                pairs.extend((key, text(v)) for v in value)
            else:
                pairs.append((key, ",".join(text(v) for v in value)))
        else:
            pairs.extend(
                deep_pairs(key, value) if isinstance(value, dict | list) else [(key, text(value))]
            )
    return pairs


def _multipart(body: Any, schema: dict[str, Any]) -> tuple[bytes, str]:
    """multipart/form-data: one part per field (repeated for arrays); a field whose schema is
    binary (or has a contentMediaType) is a file part named after the field."""
    if not isinstance(body, dict):
        raise RequestBuildError("a multipart body must be an object of fields")
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for key, value in body.items():
        if value is None:
            continue
        prop = (properties or {}).get(key)
        prop = prop if isinstance(prop, dict) else {}
        name = key.replace('"', "%22")
        if prop.get("format") in ("binary", "base64") or prop.get("contentMediaType"):
            media = str(prop.get("contentMediaType") or "application/octet-stream")
            disposition = f'form-data; name="{name}"; filename="{name}"'
            chunks.append(_part(boundary, disposition, media, text(value).encode()))
            continue
        values = (
            value
            if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value)
            else [value]
        )
        field_media = "application/json" if isinstance(value, dict) else None
        for item in values:
            disposition = f'form-data; name="{name}"'
            chunks.append(_part(boundary, disposition, field_media, text(item).encode()))
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _part(boundary: str, disposition: str, media: str | None, payload: bytes) -> bytes:
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    if media:
        head += f"Content-Type: {media}\r\n"
    return head.encode() + b"\r\n" + payload + b"\r\n"


def build_spec_request(
    base_url: str,
    path: str,
    request_spec: dict[str, Any],
    schema: dict[str, Any],
    arguments: dict[str, Any],
) -> SpecRequest:
    """Map `arguments` onto a request as `request_spec` describes."""
    remaining = dict(arguments)
    query: list[str] = []
    headers: dict[str, str] = {}
    cookies: list[str] = []
    filled = path
    for fixed in request_spec.get("fixed") or []:
        _place(fixed["in"], fixed["name"], fixed["value"], "simple", False, headers, cookies, query)
    for param in request_spec.get("parameters") or []:
        arg, name, location = param["arg"], param["name"], param["in"]
        value = remaining.pop(arg, None)
        if value is None:
            if location == "path" and "{" + name + "}" in filled:
                raise RequestBuildError(f"missing path parameter '{arg}'")
            continue
        if param.get("json"):
            value = json.dumps(value, separators=(",", ":"))
        style, explode = param.get("style", "form"), bool(param.get("explode"))
        if location == "path":
            filled = filled.replace("{" + name + "}", path_value(name, value, style, explode))
        else:
            _place(location, name, value, style, explode, headers, cookies, query)
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    server = request_spec.get("server") or base_url
    url = server.rstrip("/") + "/" + filled.lstrip("/") if filled.strip("/") else server
    result = SpecRequest(url=url, headers=headers)
    body_spec = request_spec.get("body")
    if body_spec and body_spec.get("arg") in remaining:
        _body(result, body_spec, remaining.pop(body_spec["arg"]), schema)
    # Arguments the spec does not place (e.g. a property added by hand) go to the query.
    for key, value in remaining.items():
        if value is not None:
            query.extend(query_pairs(key, value, "form", True))
    if query:
        result.url += ("&" if "?" in result.url else "?") + "&".join(query)
    return result


def _place(
    location: str,
    name: str,
    value: Any,
    style: str,
    explode: bool,
    headers: dict[str, str],
    cookies: list[str],
    query: list[str],
) -> None:
    if location == "query":
        query.extend(query_pairs(name, value, style, explode))
    elif location == "header":
        headers[name] = header_value(value, explode)
    elif location == "cookie":
        if isinstance(value, list | dict) and explode:
            cookies.extend(query_pairs(name, value, "form", True))
        else:
            cookies.extend(query_pairs(name, value, "form", False))


def _body(
    result: SpecRequest, body_spec: dict[str, Any], value: Any, schema: dict[str, Any]
) -> None:
    media_type = str(body_spec.get("media_type") or "application/json")
    plain = media_type.lower().split(";")[0].strip()
    result.has_body = True
    if plain == "application/x-www-form-urlencoded":
        pairs = form_pairs(value, body_spec.get("encoding") or {})
        result.content = "&".join(f"{quote(k, safe='[]')}={_q(v)}" for k, v in pairs).encode()
        result.headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif plain == "multipart/form-data":
        body_schema = (schema.get("properties") or {}).get(body_spec["arg"]) or {}
        result.content, result.headers["Content-Type"] = _multipart(value, body_schema)
    elif "json" in plain or plain == "*/*":
        result.json_body = value
        if plain not in ("application/json", "*/*"):
            result.content = json.dumps(value).encode()
            result.headers["Content-Type"] = media_type
    else:
        result.content = (value if isinstance(value, str) else text(value)).encode()
        result.headers["Content-Type"] = media_type


def merge_query(url: str, params: Iterable[tuple[str, str]]) -> str:
    """`url` with more query parameters appended (the auth's query key, if any)."""
    extra = "&".join(f"{_q(k)}={_q(v)}" for k, v in params)
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + extra
