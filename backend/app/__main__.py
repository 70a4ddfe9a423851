"""`python -m app serve` starts the API server (migrating first in the embedded default);
`migrate` upgrades the schema; `users create` and `api-keys create` are for operators and
scripts (see app/auth/cli.py)."""

from __future__ import annotations

import argparse
import sys

# Per-message deflate costs ~100 KiB per open socket for frames that are mostly tiny deltas;
# frames over 1 MiB are refused by uvicorn before they are read (the playground's own limit,
# WS_MAX_FRAME_BYTES, answers smaller oversized frames with an error frame).
WS_PER_MESSAGE_DEFLATE = False
WS_MAX_SIZE = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Agent Builder backend")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    from app.auth.cli import add_commands as add_auth_commands

    add_auth_commands(sub)
    args = parser.parse_args(argv)

    if args.command == "serve":
        import uvicorn

        uvicorn.run(
            "app.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            ws_per_message_deflate=WS_PER_MESSAGE_DEFLATE,
            ws_max_size=WS_MAX_SIZE,
        )
        return 0
    if args.command == "migrate":
        from app.config import get_settings
        from app.migrations import upgrade

        upgrade(get_settings().resolved_database_url)
        return 0
    if args.command in ("users", "api-keys"):
        from app.auth.cli import run as run_auth_command

        return run_auth_command(args)
    return 1


if __name__ == "__main__":
    sys.exit(main())
