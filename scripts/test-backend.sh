#!/usr/bin/env bash
# The backend suite, twice: on SQLite and on PostgreSQL + Redis, run side by side (the machine
# has two cores; each pass is one process). Each pass logs to its own file, printed in full when
# both are done, so pytest's closing lines stay readable.
# Locally a missing PostgreSQL or Redis skips the second pass with a warning; under CI=true it
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/../backend"
PY=.venv/bin/python
PG_URL="${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

services_up() {
  $PY - "$PG_URL" "$REDIS" <<'PYEOF'
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
}

with_pg=true
if ! services_up; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: PostgreSQL and Redis are required; failing." >&2
    exit 1
  fi
  echo "WARNING: skipping the PostgreSQL + Redis pass (start them to run it)." >&2
  with_pg=false
fi

echo "== backend tests on SQLite$($with_pg && echo ' and, side by side, on PostgreSQL + Redis') =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL $PY -m pytest -q "$@" >"$LOGS/sqlite.log" 2>&1 &
sqlite_pid=$!
if $with_pg; then
  TEST_DATABASE_URL="$PG_URL" TEST_REDIS_URL="$REDIS" $PY -m pytest -q "$@" >"$LOGS/pg.log" 2>&1 &
  pg_pid=$!
fi

# pytest exits 5 when it collected no test: that is a failure here, like any non-zero code.
sqlite_rc=0; wait "$sqlite_pid" || sqlite_rc=$?
pg_rc=0; if $with_pg; then wait "$pg_pid" || pg_rc=$?; fi

echo "== backend tests on SQLite (exit $sqlite_rc) =="
cat "$LOGS/sqlite.log"
if $with_pg; then
  echo "== backend tests on PostgreSQL + Redis (exit $pg_rc) =="
  cat "$LOGS/pg.log"
fi
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
