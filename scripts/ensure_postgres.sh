#!/usr/bin/env bash
# Start the local PostgreSQL cluster when one is installed but down. Does nothing when
# PostgreSQL is not installed: the tests then skip (or fail, with PG_REQUIRED=1).
set -u
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
  echo "ensure_postgres: no PostgreSQL installed here; PostgreSQL tests will be skipped"
  exit 0
fi
if pg_lsclusters --no-header 2>/dev/null | grep -q online; then
  exit 0
fi
for version in $(ls /etc/postgresql); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
done
for _ in $(seq 1 30); do
  pg_lsclusters --no-header 2>/dev/null | grep -q online && { echo "ensure_postgres: started"; exit 0; }
  sleep 0.5
done
echo "ensure_postgres: could not start PostgreSQL" >&2
exit 0
