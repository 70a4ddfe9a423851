"""Async engine, session dependency, declarative Base and the column types every table shares."""

from __future__ import annotations

import traceback
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy.exc
from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from starlette.requests import HTTPConnection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[dict[str, Any]]: JSONType,
        Any: JSONType,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout_s: float = 10.0
) -> AsyncEngine:
    """Create the async engine; SQLite gets foreign keys enforced and a busy timeout. On
    PostgreSQL a request that waits `pool_timeout_s` for a connection fails with
    sqlalchemy.exc.TimeoutError, answered as `server_busy` (see is_server_busy)."""
    # hide_parameters: an error's text (which is logged) never carries the values of a query.
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        hide_parameters=True,
    )


SERVER_BUSY = "The server is busy; try again in a moment"


def is_server_busy(exc: BaseException) -> bool:
    """True when the database connection pool ran dry: overload, not a bug."""
    return isinstance(exc, sqlalchemy.exc.TimeoutError)


def describe_for_log(exc: BaseException) -> str:
    """What a log line may say of an unexpected exception: its type, where it was raised and,
    for a database error, the driver's error type and the SQL statement. Never the message: a
    driver's error quotes the value it refused (`invalid input for query argument $1: '...'`),
    and other exceptions can carry request data too."""
    parts = [f"{type(exc).__module__}.{type(exc).__qualname__}"]
    if isinstance(exc, sqlalchemy.exc.StatementError):
        orig = exc.orig
        if orig is not None:
            parts.append(f"from {type(orig).__module__}.{type(orig).__qualname__}")
        if exc.statement:
            parts.append(f"in SQL: {exc.statement}")
    stack = "".join(traceback.format_tb(exc.__traceback__))
    return " ".join(parts) + "\nTraceback (most recent call last):\n" + stack.rstrip()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sessionmaker_from(conn: HTTPConnection) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = conn.app.state.sessionmaker
    return maker


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with sessionmaker_from(request)() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
