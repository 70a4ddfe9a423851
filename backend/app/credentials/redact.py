"""Scrub secret values out of data, text and log lines, in every encoding they travel in.

`redact(value, secrets)` replaces each secret inside nested JSON-like data with "[REDACTED]",
whether it appears raw, percent-encoded (any hex case, `+` for a space, any set of characters
left unencoded), JSON-escaped (`\\"`, `\\u00fc`, `\\/`) or any mix of these, character by
character. Derived forms that are not an encoding of the secret alone (the base64 of
`user:password` in a Basic header) are secrets of their own: whoever builds them passes them too.

Which secrets apply is always a workspace's business: `remember_secrets(workspace_id, ...)`
records the values a workspace's credentials decrypted to in this process, and
`workspace_secrets(workspace_id)` is what that workspace's traces and tool results are scrubbed
with. A value stored by one workspace never changes what another workspace reads, so nobody can
probe another's secrets by storing a guess and watching their own traces.

Log lines cannot be attributed to a workspace and are read only by the operator, so
`SecretScrubFilter` scrubs every secret this process knows. It never breaks a record: when
nothing matches the record is left as it is, and when something does, each string argument and
the message are scrubbed in place (the arguments keep their shape, which formatters such as
uvicorn's access log rely on) and the formatted message is served already scrubbed.

Minimum length: values shorter than MIN_SECRET_LENGTH (4) characters are not scrubbed, because
replacing every "a" or "42" would destroy unrelated output. The rule stays this low because a
workspace's secrets only ever scrub that workspace's own output (and the operator's log), so a
short common value such as "test" costs its owner some readability and nobody else anything.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, unquote_plus

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4
# Per workspace, and across all workspaces (the log filter's view); oldest dropped first.
_MAX_PER_WORKSPACE = 1_000
_MAX_REMEMBERED = 20_000
_JSON_SHORT_ESCAPES = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}


def usable_secrets(secrets: Iterable[Any]) -> list[str]:
    """The values worth scrubbing, longest first (a secret containing another goes whole)."""
    unique = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
    return sorted(unique, key=lambda s: (-len(s), s))


# --- matching every encoding ------------------------------------------------------------------


def _hex_any_case(byte: int) -> str:
    return "".join(f"[{h.upper()}{h}]" if h.isalpha() else h for h in f"{byte:02x}")


def _char_pattern(char: str) -> str:
    """Every way `char` is written in a URL, a form body or a JSON string."""
    forms = [re.escape(char)]
    forms.append("".join("%" + _hex_any_case(b) for b in char.encode("utf-8")))
    if char == " ":
        forms.append(r"\+")
    if char in '"\\/':
        forms.append(r"\\" + re.escape(char))
    if char in _JSON_SHORT_ESCAPES:
        forms.append(r"\\" + _JSON_SHORT_ESCAPES[char])
    units = char.encode("utf-16-be")
    forms.append(
        "".join(
            r"\\u" + _hex_any_case(units[i]) + _hex_any_case(units[i + 1])
            for i in range(0, len(units), 2)
        )
    )
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=512)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join("".join(_char_pattern(c) for c in s) for s in secrets))


_JSON_ESCAPE = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\u([0-9a-fA-F]{4})|\\([\"\\/bfnrt])"
)
_JSON_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        high, low, single, simple = match.groups()
        if high:
            return (bytes.fromhex(high) + bytes.fromhex(low)).decode("utf-16-be", "replace")
        if single:
            return chr(int(single, 16))
        return _JSON_SIMPLE.get(simple, simple)

    return _JSON_ESCAPE.sub(one, text) if "\\" in text else text


def _views(text: str) -> list[str]:
    """The text and its decoded readings, for a cheap first look for each secret."""
    views = [text]
    if "%" in text or "+" in text:
        views += [unquote(text, errors="replace"), unquote_plus(text, errors="replace")]
    if "\\" in text:
        views.append(_json_unescape(text))
    return views


def redact_text(text: str, secrets: list[str]) -> str:
    """`text` with each of `secrets` (already usable_secrets) cut out in any encoding."""
    if not secrets or not text:
        return text
    views = _views(text)
    found = tuple(s for s in secrets if any(s in view for view in views))
    if not found:
        return text
    return _pattern(found).sub(REDACTED, text)


def _walk(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {_walk(k, secrets): _walk(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, secrets) for v in value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"), secrets).encode()
    return value


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of `value` with every occurrence of each secret replaced by "[REDACTED]"."""
    usable = usable_secrets(secrets)
    return _walk(value, usable) if usable else value


# --- what each workspace's credentials decrypted to --------------------------------------------


class _SecretMemory:
    """Secret values per workspace, bounded (least recently seen dropped first)."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[uuid.UUID, str], None] = OrderedDict()
        self._by_workspace: dict[uuid.UUID, list[str]] = {}
        self._everything: list[str] = []
        self._lock = threading.Lock()

    def add(self, workspace_id: uuid.UUID, secrets: Iterable[str]) -> None:
        fresh = usable_secrets(secrets)
        if not fresh:
            return
        with self._lock:
            changed = False
            for secret in fresh:
                key = (workspace_id, secret)
                changed = changed or key not in self._items
                self._items[key] = None
                self._items.move_to_end(key)
            per_workspace = [k for k in self._items if k[0] == workspace_id]
            for key in per_workspace[: max(0, len(per_workspace) - _MAX_PER_WORKSPACE)]:
                del self._items[key]
                changed = True
            while len(self._items) > _MAX_REMEMBERED:
                self._items.popitem(last=False)
                changed = True
            if changed:
                # Rebuilt only when the set changes: log lines and traces read it often.
                self._rebuild()

    def forget(self, workspace_id: uuid.UUID) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == workspace_id]:
                del self._items[key]
            self._rebuild()

    def _rebuild(self) -> None:
        grouped: dict[uuid.UUID, list[str]] = {}
        for owner, secret in self._items:
            grouped.setdefault(owner, []).append(secret)
        self._by_workspace = {w: usable_secrets(s) for w, s in grouped.items()}
        self._everything = usable_secrets(s for _, s in self._items)

    def of(self, workspace_id: uuid.UUID) -> list[str]:
        return self._by_workspace.get(workspace_id, [])

    def everything(self) -> list[str]:
        return self._everything


_memory = _SecretMemory()


def remember_secrets(workspace_id: uuid.UUID, secrets: Iterable[str]) -> None:
    """Record values one of `workspace_id`'s credentials holds (or derives, like a Basic pair)."""
    _memory.add(workspace_id, secrets)


def forget_secrets(workspace_id: uuid.UUID) -> None:
    """Drop what this process remembers of `workspace_id`'s secrets (a deleted workspace)."""
    _memory.forget(workspace_id)


def workspace_secrets(workspace_id: uuid.UUID) -> list[str]:
    """What this process knows to be `workspace_id`'s secrets, longest first."""
    return _memory.of(workspace_id)


# --- log records ------------------------------------------------------------------------------


class _ScrubbedMessage:
    """A record's getMessage() that returns text scrubbed beforehand (picklable, unlike a
    lambda, so socket and queue handlers still work)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> str:
        return self.text


def _formatted(record: logging.LogRecord) -> str | None:
    try:
        return record.getMessage()
    except Exception:  # a record that does not format is left for logging to report
        return None


class SecretScrubFilter(logging.Filter):
    """Scrubs every secret this process knows out of a record, without changing its shape."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _memory.everything()
        if not secrets:
            return True
        message = _formatted(record)
        if message is not None and redact_text(message, secrets) != message:
            if isinstance(record.msg, str):
                record.msg = redact_text(record.msg, secrets)
            if isinstance(record.args, tuple):
                args = tuple(
                    redact_text(a, secrets) if isinstance(a, str) else a for a in record.args
                )
                if args != record.args:
                    record.args = args
            elif isinstance(record.args, dict):
                mapping = {
                    k: redact_text(v, secrets) if isinstance(v, str) else v
                    for k, v in record.args.items()
                }
                if mapping != record.args:
                    record.args = mapping
            # A secret may span the message and an argument, or sit in a non-string argument:
            # whatever formats the record reads the message scrubbed as a whole.
            record.getMessage = _ScrubbedMessage(redact_text(message, secrets))  # type: ignore[method-assign]
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if redact_text(text, secrets) != text:
                record.exc_text = text
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, secrets)
        return True


_installed: SecretScrubFilter | None = None


def install_log_filter() -> SecretScrubFilter:
    """Scrub every log record as it is created, whichever handler later writes it.

    The filter is attached to the root handlers and also wraps the record factory, because
    handlers added later (uvicorn's, a test's) would otherwise not see it.
    """
    global _installed
    if _installed is None:
        scrub = SecretScrubFilter()
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            scrub.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = scrub
    for handler in logging.getLogger().handlers:
        if _installed not in handler.filters:
            handler.addFilter(_installed)
    return _installed
