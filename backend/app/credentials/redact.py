"""Scrub secret values out of data, text and log lines.

`redact(value, secrets)` replaces every occurrence of any secret inside nested JSON-like data
with "[REDACTED]". `SecretScrubFilter` does the same for log records, using the process-wide
set of secrets this process has decrypted (`remember_secrets`), so a secret that slips into a
log message is scrubbed before any handler writes it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"
# Shorter values are not treated as secrets: scrubbing every "a" or "1" would destroy output.
MIN_SECRET_LENGTH = 4
_MAX_REMEMBERED = 10_000


def _usable(secrets: Iterable[str]) -> list[str]:
    # Longest first, so a secret containing another is replaced whole.
    unique = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
    return sorted(unique, key=len, reverse=True)


def _redact_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _walk(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _redact_text(value, secrets)
    if isinstance(value, dict):
        return {_walk(k, secrets): _walk(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, secrets) for v in value)
    if isinstance(value, bytes):
        return _redact_text(value.decode("utf-8", "replace"), secrets).encode()
    return value


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of `value` with every occurrence of each secret replaced by "[REDACTED]"."""
    usable = _usable(secrets)
    return _walk(value, usable) if usable else value


class _SecretMemory:
    """The secrets this process has decrypted, bounded (least recently added dropped first)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        # Longest first, rebuilt only when a new secret arrives (log lines read it often).
        self._ordered: list[str] = []

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            fresh = [s for s in _usable(secrets) if s not in self._items]
            for secret in _usable(secrets):
                self._items[secret] = None
                self._items.move_to_end(secret)
            while len(self._items) > _MAX_REMEMBERED:
                self._items.popitem(last=False)
            if fresh or len(self._ordered) != len(self._items):
                self._ordered = _usable(self._items)

    def snapshot(self) -> list[str]:
        return self._ordered


_memory = _SecretMemory()


def remember_secrets(secrets: Iterable[str]) -> None:
    """Let the log filter know these values are secret."""
    _memory.add(secrets)


def known_secrets() -> list[str]:
    return _memory.snapshot()


class SecretScrubFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with known secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _memory.snapshot()
        if not secrets:
            return True
        message = record.getMessage()
        cleaned = _redact_text(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _redact_text(record.exc_text, secrets)
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
