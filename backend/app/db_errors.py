"""Which exceptions mean "the database cannot be reached right now", as opposed to a bug.

An outage shows up in many shapes, depending on where it hits and which driver is in use:

- PostgreSQL refusing or dropping connections: asyncpg raises OSError/ConnectionRefusedError at
  connect (unwrapped by SQLAlchemy), errors with SQLSTATE class 08 (connection exception), 57P01
  to 57P03 (admin shutdown, crash shutdown, cannot connect now: a restart) or 53300 (too many
  connections); SQLAlchemy wraps most of them in DBAPIError, with `connection_invalidated` set
  when it recognised a disconnect.
- SQLite: OperationalError for a locked, unreadable or full database file.

Everything else (an IntegrityError, bad SQL, a missing table) is a programming error and stays a
500. `is_database_unavailable` walks the exception's cause chain, since the driver's error is
often two wrappers deep.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import sqlalchemy.exc

DATABASE_UNAVAILABLE = "The database is unavailable; try again in a moment"

# SQLSTATEs of a connection that failed or went away, whatever the query was.
_OUTAGE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_CONNECTION_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EPIPE,
        errno.ETIMEDOUT,
    }
)
# SQLite's OperationalError also covers bad SQL; only these messages are about the file.
_SQLITE_OUTAGE = ("database is locked", "unable to open", "disk i/o", "disk is full", "readonly")


def is_database_unavailable(exc: BaseException) -> bool:
    return any(_is_outage(error) for error in _chain(exc))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, sqlalchemy.exc.DBAPIError) and isinstance(
            current.orig, BaseException
        ):
            yield current.orig
        current = current.__cause__ or current.__context__


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sqlalchemy.exc.DisconnectionError):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _OUTAGE_SQLSTATES):
        return True
    if type(exc).__name__ == "ConnectionDoesNotExistError":  # asyncpg, mid-query
        return True
    if isinstance(exc, sqlalchemy.exc.OperationalError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
        if "sqlite" not in type(exc.orig).__module__:
            return True  # PostgreSQL's OperationalError is about the connection
        return any(marker in text for marker in _SQLITE_OUTAGE)
    if isinstance(exc, sqlalchemy.exc.InterfaceError):
        # "connection is closed"; not "another operation is in progress", which is a bug
        return "closed" in str(exc.orig if exc.orig is not None else exc).lower()
    if isinstance(exc, ConnectionError | socket.gaierror):
        return True
    if isinstance(exc, OSError):
        # "Multiple exceptions: [Errno 111] Connect call failed ..." (every address refused)
        return exc.errno in _CONNECTION_ERRNOS or "Connect call failed" in str(exc)
    return False
