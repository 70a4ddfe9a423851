"""What the importer reports: refusals (SpecError and its kinds) and warnings with a location.

Both cross the worker process boundary, so they pickle with plain arguments.
"""

from __future__ import annotations

from dataclasses import dataclass


class SpecError(ValueError):
    """The document cannot be imported; the message says why (and where)."""

    code = "invalid_spec"
    status = 422

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message if self.path is None else f"{self.message} (at {self.path})"


class SpecTooLarge(SpecError):
    code = "spec_too_large"
    status = 413


class SpecTooComplex(SpecError):
    code = "spec_too_complex"
    status = 422


@dataclass(frozen=True)
class SpecWarning:
    message: str
    path: str | None = None


def pointer(*parts: object) -> str:
    """A JSON pointer ("/paths/~1pets/get") from its unescaped parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
