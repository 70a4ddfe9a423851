#!/usr/bin/env bash
# Start the app on this machine: the backend (SQLite under data/ unless DATABASE_URL is set) and
# the dashboard (the production build of frontend/, made by `make run`). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
BACKEND_PORT="${BACKEND_PORT:-8000}"
FRONTEND_PORT="${FRONTEND_PORT:-3000}"
# Next 16 mishandles its own rewrites when bound to a literal IP such as 127.0.0.1, so the
# dashboard binds to "localhost" (or 0.0.0.0 to serve the network).
FRONTEND_HOST="${FRONTEND_HOST:-localhost}"
export NEXT_TELEMETRY_DISABLED=1

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

(cd backend && exec .venv/bin/python -m app serve --host "$HOST" --port "$BACKEND_PORT") &
pids+=($!)
(cd frontend && BACKEND_URL="http://$HOST:$BACKEND_PORT" exec node node_modules/next/dist/bin/next start \
  --hostname "$FRONTEND_HOST" --port "$FRONTEND_PORT") &
pids+=($!)

# Wait (at most a minute) until both answer, then say where to go.
up() { curl -fs -o /dev/null -m 2 "$1"; }
for _ in $(seq 1 120); do
  if up "http://$HOST:$BACKEND_PORT/health" && up "http://127.0.0.1:$FRONTEND_PORT/login"; then
    echo
    echo "Agent Builder is running."
    echo "  Dashboard:  http://127.0.0.1:$FRONTEND_PORT/agents"
    echo "  API:        http://$HOST:$BACKEND_PORT   (docs at /docs)"
    echo "Press Ctrl-C to stop both."
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "A server failed to start (see above)." >&2; exit 1; }
  done
  sleep 0.5
done

# Stop everything as soon as either server exits.
wait -n
