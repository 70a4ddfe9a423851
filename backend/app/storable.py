"""Text from outside made storable: PostgreSQL refuses a NUL (U+0000) and a lone UTF-16
surrogate in text and in JSONB alike, and SQLite's driver cannot encode a lone surrogate.

What our users type is refused at the door (app.validation). What arrives during a run cannot
be refused without losing the turn: a model's reply, a tool's response body or headers, an OAuth
server's error. The message store (app.runs.turn_store) and the trace recorder
(app.traces.recorder) pass everything they write through `storable`, which replaces each such
character with U+FFFD, the replacement character, inside JSON values too (keys included).
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    if text.isascii():  # the common case: one C-speed pass
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    text = text.replace("\x00", "\ufffd")
    if _SURROGATE.search(text) is None:
        return text
    # A pair of surrogates (text decoded with surrogatepass) becomes its character; a lone one
    # becomes U+FFFD.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def storable(value: Any) -> Any:
    """`value` with every string in it (dict keys included) made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value
