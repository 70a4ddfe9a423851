"""Server objects: the document's list (shown in the preview) and URLs with their variables
filled (the user's values first, then each variable's default)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from app.integrations.openapi.errors import SpecError, SpecWarning, pointer

_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass
class ServerVariable:
    default: str
    enum: list[str] | None = None
    description: str | None = None


@dataclass
class ServerInfo:
    url: str
    description: str | None = None
    variables: dict[str, ServerVariable] = field(default_factory=dict)


def parse_servers(raw: Any, where: str, warnings: list[SpecWarning]) -> list[ServerInfo]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        warnings.append(SpecWarning("servers must be a list; ignored", where))
        return []
    servers: list[ServerInfo] = []
    for i, server in enumerate(raw):
        at = f"{where}/{i}"
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            warnings.append(SpecWarning("A server needs a url; ignored", at))
            continue
        variables: dict[str, ServerVariable] = {}
        raw_variables = server.get("variables") or {}
        if not isinstance(raw_variables, dict):
            warnings.append(SpecWarning("variables must be an object; ignored", f"{at}/variables"))
            raw_variables = {}
        for name, variable in raw_variables.items():
            variable = variable if isinstance(variable, dict) else {}
            enum = variable.get("enum")
            description = variable.get("description")
            variables[str(name)] = ServerVariable(
                default=str(variable.get("default", "")),
                enum=[str(e) for e in enum] if isinstance(enum, list) else None,
                description=str(description) if description else None,
            )
        description = server.get("description")
        servers.append(
            ServerInfo(
                url=server["url"],
                description=str(description) if description else None,
                variables=variables,
            )
        )
    return servers


def document_servers(spec: dict[str, Any], warnings: list[SpecWarning]) -> list[ServerInfo]:
    return parse_servers(spec.get("servers"), pointer("servers"), warnings)


def server_url(
    server: ServerInfo,
    values: dict[str, str],
    relative_to: str | None,
    warnings: list[SpecWarning],
    where: str,
) -> str:
    """The server's URL with its variables filled; a relative URL joined to `relative_to`."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        variable = server.variables.get(name)
        if name in values:
            value = values[name]
            if variable is not None and variable.enum and value not in variable.enum:
                warnings.append(
                    SpecWarning(
                        f"Server variable '{name}' = {value!r} is not one of "
                        f"{', '.join(variable.enum[:10])}",
                        f"{where}/variables/{name}",
                    )
                )
            return value
        if variable is None:
            raise SpecError(
                f"The server URL {server.url!r} uses '{{{name}}}' but defines no such variable: "
                "give server_variables or base_url",
                where,
            )
        return variable.default

    url = _VARIABLE.sub(fill, server.url)
    if not re.match(r"^https?://", url, re.IGNORECASE):
        if relative_to is None:
            raise SpecError(f"The spec's server URL {url!r} is relative: give base_url", where)
        url = urljoin(relative_to, url)
    return url.rstrip("/") or url
