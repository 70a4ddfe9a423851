"""Scrub secrets from what a trace stores or exports.

Two passes: values under secret-looking keys (authorization, api_key, password, token, ...)
are replaced whole, then every known secret value (the ones given, plus every credential of the
trace's own workspace this process has decrypted) is cut out of any string it appears in, in
any encoding (app.credentials.redact). Another workspace's secrets never apply: they would
redact this workspace's text and let it probe for them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from app.credentials.redact import REDACTED, workspace_secrets
from app.credentials.redact import redact as redact_values

# Whole key names or their last word: "access_token", "X-Api-Key"; not "max_tokens".
_SECRET_KEY = re.compile(
    r"^(.*[-_ ])?(authorization|api[-_]?key|apikey|password|passwd|secret|token|cookie"
    r"|credentials?|session)$",
    re.IGNORECASE,
)


def redact(value: Any, workspace_id: uuid.UUID | None, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` (JSON-like) with secrets replaced by "[REDACTED]": `secrets`, and
    those of `workspace_id` (None: only `secrets`)."""
    known = workspace_secrets(workspace_id) if workspace_id is not None else []
    return redact_values(_by_key(value), [*secrets, *known])


def _by_key(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and _SECRET_KEY.match(key) and item not in (None, "")
            else _by_key(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_by_key(item) for item in value]
    return value
