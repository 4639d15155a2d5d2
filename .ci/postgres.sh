#!/usr/bin/env bash
# Start a throwaway PostgreSQL on loopback for the journal's PostgreSQL tests and print
# the admin URL they need; exit non-zero (and CI skips those tests) if it cannot.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster "$version" main start >&2 2>/dev/null || pg_ctlcluster "$version" main status >&2
for _ in $(seq 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
su postgres -c "psql -q -c \"DO \\\$\\\$BEGIN CREATE ROLE trimtab_ci LOGIN CREATEDB PASSWORD 'trimtab_ci'; EXCEPTION WHEN duplicate_object THEN NULL; END\\\$\\\$;\"" >&2
echo "postgresql+psycopg://trimtab_ci:trimtab_ci@127.0.0.1:5432/postgres"
