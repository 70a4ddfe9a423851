#!/usr/bin/env bash
# `make bench`: the whole benchmark, end to end, on 127.0.0.1 (see bench/README.md).
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379, as `make test`.
set -euo pipefail
cd "$(dirname "$0")"
PY=../backend/.venv/bin/python

# 512 playground sockets plus the direct path's connections need more than the usual 1024 files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 8192 2>/dev/null || true
if [ "$(ulimit -n)" != "unlimited" ] && [ "$(ulimit -n)" -lt 4096 ]; then
  echo "open-files limit is $(ulimit -n); the 512-socket level needs about 3000" >&2
fi

# `--scenario openapi`: only the OpenAPI import scenario (openapi_bench.py, ~2 minutes).
if [ "${1:-}" = "--scenario" ]; then
  case "${2:-}" in
    openapi) shift 2; exec "$PY" openapi_bench.py "$@" ;;
    *) echo "unknown scenario '${2:-}' (known: openapi)" >&2; exit 2 ;;
  esac
fi

"$PY" harness.py "$@"
# The OpenAPI import scenario needs the corpus's Stripe spec; without it, say how to get it.
if [ -f openapi_corpus/docs/stripe__openapi_spec3.json ]; then
  "$PY" openapi_bench.py
else
  echo "OpenAPI scenario skipped: gather the corpus first (bench/openapi_corpus/README.md)" >&2
fi
