"""An imported tool's `request_spec` kept true to its path and input_schema after a hand edit.

An imported operation's tool carries `request_spec` (format in app.integrations.openapi.operation):
where each argument goes and how it is serialised. When a user edits the tool's path or
input_schema by hand, the stored map may no longer fit: a renamed path placeholder would stay
literal in the URL while its argument was dropped, a removed property would still be looked for.
`refit` re-derives the map from the new path and properties, so a call never builds a wrong
request silently:

- every `{placeholder}` of the path is filled from the argument of that name, in the style the
  document gave that path parameter, else `simple` (as in a hand-made tool); a placeholder that
  is not an input property is refused at once;
- a parameter whose argument is no longer an input property is dropped, and so is a path
  parameter whose placeholder is gone: its argument then goes to the query, like every argument
  the map does not place (app.tools.request_builder);
- the body is kept while its argument is an input property; a `body` property added by hand is
  sent as a JSON body, as it is for a hand-made tool;
- fixed header values and the operation's server are kept.
"""

from __future__ import annotations

import re
from typing import Any

from app.exceptions import ValidationFailed

_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


def refit(request_spec: dict[str, Any], path: str, input_schema: dict[str, Any]) -> dict[str, Any]:
    """`request_spec` re-derived for `path` and `input_schema`; raises ValidationFailed when a
    path placeholder has no input property to fill it."""
    declared = input_schema.get("properties")
    properties = set(declared) if isinstance(declared, dict) else None

    def known(arg: str) -> bool:
        return properties is None or arg in properties

    placeholders = list(dict.fromkeys(_PLACEHOLDER.findall(path)))
    missing = [p for p in placeholders if not known(p)]
    if missing:
        names = ", ".join(f"{{{p}}}" for p in missing)
        raise ValidationFailed(
            f"The path's {names} must be input_schema properties (change both in one request)",
            details={"placeholders": missing},
        )
    old = [p for p in request_spec.get("parameters") or [] if isinstance(p, dict)]
    # An argument that now fills a placeholder goes to the path only (a query parameter moved
    # into the path).
    parameters = [
        p
        for p in old
        if p.get("in") != "path" and known(str(p.get("arg"))) and p.get("arg") not in placeholders
    ]
    for placeholder in placeholders:
        described = next(
            (p for p in old if p.get("in") == "path" and p.get("name") == placeholder), None
        )
        if described is not None and known(str(described.get("arg"))):
            parameters.append(described)
        else:
            style = described or {"style": "simple", "explode": False, "json": False}
            parameters.append(
                {
                    "name": placeholder,
                    "in": "path",
                    "arg": placeholder,
                    "style": style.get("style", "simple"),
                    "explode": bool(style.get("explode")),
                    "json": bool(style.get("json")),
                }
            )
    placed = {p["arg"] for p in parameters}
    body = request_spec.get("body")
    if not isinstance(body, dict) or not known(str(body.get("arg"))):
        body = None
    if body is None and properties is not None and "body" in properties and "body" not in placed:
        body = {"arg": "body", "media_type": "application/json", "encoding": {}}
    return {**request_spec, "parameters": parameters, "body": body}
