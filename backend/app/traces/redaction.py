"""Scrub secrets from what a trace stores or exports.

Two passes: values under secret-looking keys (authorization, api_key, password, token, ...)
are replaced whole, then every known secret value (the ones given, plus every credential this
process has decrypted) is cut out of any string it appears in (app.credentials.redact).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.credentials.redact import REDACTED, known_secrets
from app.credentials.redact import redact as redact_values

# Whole key names or their last word: "access_token", "X-Api-Key"; not "max_tokens".
_SECRET_KEY = re.compile(
    r"^(.*[-_ ])?(authorization|api[-_]?key|apikey|password|passwd|secret|token|cookie"
    r"|credentials?|session)$",
    re.IGNORECASE,
)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` (JSON-like) with secrets replaced by "[REDACTED]"."""
    return redact_values(_by_key(value), [*secrets, *known_secrets()])


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
