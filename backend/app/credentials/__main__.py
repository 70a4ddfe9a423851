"""`python -m app.credentials rotate`: re-encrypt every credential under the newest key.

Run it after putting a new key first in ENCRYPTION_KEYS (keep the old ones listed). The
server keeps working meanwhile; afterwards the old keys can be removed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.config import Settings, get_settings
from app.credentials.crypto import DecryptionError, KeyringError, load_keyring
from app.credentials.service import count_by_key_version, rotate_credentials
from app.database import create_engine, create_sessionmaker


async def rotate(settings: Settings) -> int:
    """Re-encrypt everything under the newest key of `settings`; print a summary."""
    keyring = load_keyring(settings)
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            count = await rotate_credentials(session, keyring)
            per_version = await count_by_key_version(session)
    finally:
        await engine.dispose()
    print(f"re-encrypted {count} credential(s) under key version {keyring.newest_version}")
    print(f"credentials per key version: {per_version}")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.credentials")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rotate", help="re-encrypt every credential under the newest key")
    parser.parse_args(argv)
    try:
        asyncio.run(rotate(get_settings()))
    except (KeyringError, DecryptionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
