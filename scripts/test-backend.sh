#!/usr/bin/env bash
# The backend suite, twice: on SQLite, then on PostgreSQL + Redis.
# Locally a missing PostgreSQL or Redis skips the second pass with a warning; under CI=true it
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/../backend"
PY=.venv/bin/python
PG_URL="${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

echo "== backend tests on SQLite =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL $PY -m pytest -q "$@"

if ! $PY - "$PG_URL" "$REDIS" <<'PYEOF'
import asyncio, sys
import asyncpg, redis.asyncio as r
from sqlalchemy.engine import make_url

async def main() -> None:
    u = make_url(sys.argv[1])
    conn = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username,
                                 password=u.password, database=u.database, timeout=5)
    await conn.close()
    client = r.Redis.from_url(sys.argv[2], socket_connect_timeout=3)
    await client.ping()
    await client.aclose()

try:
    asyncio.run(main())
except Exception as exc:
    print(f"PostgreSQL or Redis is not reachable: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: PostgreSQL and Redis are required; failing." >&2
    exit 1
  fi
  echo "WARNING: skipped the PostgreSQL + Redis pass (start them to run it)." >&2
  exit 0
fi

echo "== backend tests on PostgreSQL + Redis =="
TEST_DATABASE_URL="$PG_URL" TEST_REDIS_URL="$REDIS" $PY -m pytest -q "$@"
