"""Operator commands: `python -m app users create ...` and `python -m app api-keys create ...`.

Passwords come from a prompt or stdin (`--password-stdin`), never from the command line where
`ps` would show them. `api-keys create` prints the key once on stdout; everything else goes to
stderr, so `KEY=$(python -m app api-keys create ...)` works.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import uuid
from collections.abc import Awaitable, Callable

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import workspace as workspace_service
from app.auth.models import Membership, Role, Workspace
from app.auth.schemas import ApiKeyCreate, SetupRequest
from app.auth.service import create_user, create_workspace
from app.config import get_settings
from app.database import create_engine, create_sessionmaker
from app.exceptions import AppError

MIN_PASSWORD = 8


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="manage user accounts").add_subparsers(
        dest="action", required=True
    )
    create = users.add_parser("create", help="create a user (and a workspace, or join one)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    where = create.add_mutually_exclusive_group()
    where.add_argument("--workspace", type=uuid.UUID, help="join this workspace id")
    where.add_argument("--workspace-name", help="create a workspace with this name")
    create.add_argument("--role", choices=[r.value for r in Role], default=None)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )

    keys = sub.add_parser("api-keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = keys.add_parser("create", help="create an API key and print it once")
    key_create.add_argument("--workspace", type=uuid.UUID, required=True)
    key_create.add_argument("--name", required=True)
    key_create.add_argument("--role", choices=[r.value for r in Role], default=Role.admin.value)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise SystemExit("error: the passwords differ")
    return first


async def _with_session(work: Callable[[AsyncSession], Awaitable[int]]) -> int:
    settings = get_settings()
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def _create_user(session: AsyncSession, args: argparse.Namespace, password: str) -> int:
    email = args.email.strip().lower()
    try:  # the same rules as the setup form
        SetupRequest(email=email, password=password, name=args.name, workspace_name="x")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SystemExit(f"error: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if args.workspace is not None:
        workspace = await session.get(Workspace, args.workspace)
        if workspace is None:
            raise SystemExit(f"error: no workspace {args.workspace}")
        role = Role(args.role or Role.member.value)
    else:
        workspace = await create_workspace(
            session, args.workspace_name or f"{args.name}'s workspace"
        )
        role = Role(args.role or Role.owner.value)
    user = await create_user(session, email=email, name=args.name, password=password)
    await session.flush()
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role.value))
    await session.commit()
    print(
        f"created user {user.id} ({email}), {role.value} of workspace {workspace.id}",
        file=sys.stderr,
    )
    return 0


async def _create_api_key(session: AsyncSession, args: argparse.Namespace) -> int:
    if await session.get(Workspace, args.workspace) is None:
        raise SystemExit(f"error: no workspace {args.workspace}")
    created = await workspace_service.create_api_key(
        session, args.workspace, ApiKeyCreate(name=args.name), created_by=None, role=Role(args.role)
    )
    print(
        f"created API key {created.prefix} ({created.role.value}); it is shown only once:",
        file=sys.stderr,
    )
    print(created.key)
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "users":
            password = _read_password(args.password_stdin)
            if len(password) < MIN_PASSWORD:
                raise SystemExit(f"error: the password needs at least {MIN_PASSWORD} characters")
            return asyncio.run(_with_session(lambda s: _create_user(s, args, password)))
        return asyncio.run(_with_session(lambda s: _create_api_key(s, args)))
    except AppError as exc:
        raise SystemExit(f"error: {exc.message}") from None
