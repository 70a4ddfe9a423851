"""Security schemes -> one of our auth types (app.integrations.auth_types).

The first security requirement (global, then per operation) whose schemes map to one auth type
wins: an API key in a header or the query, HTTP bearer or basic, OAuth2 (client credentials, or a
refresh token for the user-facing flows), several API keys in headers (custom_headers). Schemes
that cannot be mapped (cookie API keys, OpenID Connect, mutual TLS, HTTP digest, ...) and
alternatives left unused are said as warnings with their location.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from app.integrations.openapi.errors import SpecError, SpecWarning, pointer

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
Mapped = tuple[str, dict[str, Any]]


def _requirements(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    sources = [spec.get("security")]
    for item in (spec.get("paths") or {}).values():
        if isinstance(item, dict):
            sources.extend(
                op.get("security") for m in METHODS if isinstance(op := item.get(m), dict)
            )
    for source in sources:
        if isinstance(source, list):
            found.extend(r for r in source if isinstance(r, dict) and r not in found)
    return found


def _one(name: str, scheme: dict[str, Any], warnings: list[SpecWarning]) -> Mapped | None:
    at = pointer("components", "securitySchemes", name)
    kind, where = scheme.get("type"), scheme.get("in")
    http_scheme = str(scheme.get("scheme", "")).lower()
    if kind == "apiKey" and where in ("header", "query"):
        return "api_key", {"location": where, "name": str(scheme.get("name") or "X-API-Key")}
    if kind == "http" and http_scheme == "bearer":
        return "bearer", {}
    if kind == "http" and http_scheme == "basic":
        return "basic", {"username": ""}
    if kind == "oauth2":
        raw_flows = scheme.get("flows")
        flows: dict[str, Any] = raw_flows if isinstance(raw_flows, dict) else {}
        if "clientCredentials" in flows:
            flow, grant = flows["clientCredentials"], "client_credentials"
        elif flows:
            flow, grant = next(iter(flows.values())), "refresh_token"
        else:
            warnings.append(
                SpecWarning(f"OAuth2 scheme '{name}' has no flows; set auth by hand", at)
            )
            return None
        flow = flow if isinstance(flow, dict) else {}
        token_url = flow.get("refreshUrl") or flow.get("tokenUrl")
        if not token_url:
            warnings.append(
                SpecWarning(f"OAuth2 scheme '{name}' has no token URL; set auth by hand", at)
            )
            return None
        config: dict[str, Any] = {"grant_type": grant, "token_url": str(token_url)}
        if not str(token_url).lower().startswith(("http://", "https://")):
            config["relative_token_url"] = True  # joined to the server URL by map_security
        if isinstance(flow.get("scopes"), dict) and flow["scopes"]:
            config["scope"] = " ".join(str(s) for s in flow["scopes"])
        return "oauth2", config
    what = f"{kind} in {where}" if kind == "apiKey" else f"{kind} {http_scheme}".strip()
    warnings.append(
        SpecWarning(
            f"Security scheme '{name}' ({what}) cannot be mapped to an auth type; set auth by hand "
            "(custom_headers for fixed headers)",
            at,
        )
    )
    return None


def _combined(names: list[str], mapped: dict[str, Mapped | None]) -> Mapped | None:
    """One auth type for a requirement that needs every scheme in `names` at once."""
    parts = [mapped.get(n) for n in names]
    if any(p is None for p in parts):
        return None
    if len(parts) == 1:
        return parts[0]
    if all(p is not None and p[0] == "api_key" and p[1]["location"] == "header" for p in parts):
        return "custom_headers", {}
    return None


# Among alternatives, the one a user is most likely to hold: a key or token before a login.
PREFERENCE = ("bearer", "api_key", "custom_headers", "basic", "oauth2")


def map_security(
    spec: dict[str, Any], refs: Any, warnings: list[SpecWarning], base_url: str = ""
) -> tuple[str, dict[str, Any]]:
    components = spec.get("components") if isinstance(spec.get("components"), dict) else {}
    raw = (components or {}).get("securitySchemes") or {}
    schemes: dict[str, dict[str, Any]] = {}
    if isinstance(raw, dict):
        for name, scheme in raw.items():
            try:
                resolved, _ = refs.deref(scheme, pointer("components", "securitySchemes", name))
            except SpecError as exc:
                warnings.append(SpecWarning(f"Security scheme left out: {exc.message}", exc.path))
                continue
            if isinstance(resolved, dict):
                schemes[str(name)] = resolved
    requirements = [r for r in _requirements(spec) if r] or [{n: []} for n in schemes]
    mapped: dict[str, Mapped | None] = {}
    for requirement in requirements:
        for name in requirement:
            if name not in mapped:
                if name in schemes:
                    mapped[name] = _one(name, schemes[name], warnings)
                else:
                    warnings.append(
                        SpecWarning(
                            f"Security requirement names an unknown scheme '{name}'", "/security"
                        )
                    )
                    mapped[name] = None

    def rank(requirement: dict[str, Any]) -> int:
        chosen = _combined([str(n) for n in requirement], mapped)
        return PREFERENCE.index(chosen[0]) if chosen else len(PREFERENCE)

    for requirement in sorted(requirements, key=rank):
        names = [str(n) for n in requirement]
        chosen = _combined(names, mapped)
        if chosen is None:
            if len(names) > 1 and all(mapped.get(n) for n in names):
                warnings.append(
                    SpecWarning(
                        f"Schemes {' + '.join(names)} are required together, which no auth type "
                        "covers; set auth by hand",
                        "/security",
                    )
                )
            continue
        if chosen[0] == "oauth2" and chosen[1].pop("relative_token_url", False):
            chosen[1]["token_url"] = urljoin(base_url.rstrip("/") + "/", chosen[1]["token_url"])
        if chosen[0] == "custom_headers":
            headers = ", ".join(str(mapped[n][1]["name"]) for n in names if mapped[n])  # type: ignore[index]
            warnings.append(
                SpecWarning(
                    f"Auth uses custom_headers: set secrets for the headers {headers}", "/security"
                )
            )
        others = sorted({n for r in requirements for n in r} - set(names))
        if others:
            warnings.append(
                SpecWarning(
                    f"Auth uses {' + '.join(names)}; other schemes ({', '.join(others)}) are not "
                    "used",
                    "/components/securitySchemes",
                )
            )
        return chosen
    return "none", {}
