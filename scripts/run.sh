#!/usr/bin/env bash
# Start the app on this machine: the backend (SQLite under data/ unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
BACKEND_PORT="${BACKEND_PORT:-8000}"

cd backend
echo "Agent Builder API:  http://$HOST:$BACKEND_PORT   (docs at /docs)"
exec .venv/bin/python -m app serve --host "$HOST" --port "$BACKEND_PORT"
