#!/bin/sh
# Restore drill: restores the backup fetch.sh downloaded under <dir> into a scratch database
# (a fresh SQLite file, or a scratch PostgreSQL database that is replaced each time) with
# restore.sh, then checks it is the registry's: integrity, foreign keys, its agents table.
# Usage: drill.sh <dir>. Contract (env vars, exit codes): README.md next to this file.
# POSIX sh only: runs under busybox ash (alpine) and dash (Debian).
set -eu

PROG=drill.sh
EX_FAILED=1  # the drill failed: the backup does not restore, or not into a registry database
EX_USAGE=2   # bad arguments or configuration

DB_TYPE=${DB_TYPE:-}

# shellcheck source=common.sh
case $0 in */*) HERE=${0%/*} ;; *) HERE=. ;; esac
. "$HERE/common.sh"

newest_fetched() {
    ls -1 "$1" | grep -x '[0-9]\{8\}-[0-9]\{6\}' | sort -r | head -n 1
}

drill_sqlite() {
    SQLITE_PATH=${SQLITE_PATH:-}
    [ -n "$SQLITE_PATH" ] || die "$EX_USAGE" "SQLITE_PATH (the scratch file) is required when DB_TYPE=sqlite"
    # A scratch file only: the drill never restores over a database that exists.
    [ ! -e "$SQLITE_PATH" ] || die "$EX_USAGE" "scratch database '$SQLITE_PATH' already exists; the drill restores into a fresh path only"
    sh "$HERE/restore.sh" "$BACKUP" || die "$EX_FAILED" "restore.sh could not restore $STAMP into the scratch file (its message above)"
    keys=$(run_sqlite "$SQLITE_PATH" 'PRAGMA foreign_key_check;') || die "$EX_FAILED" "foreign_key_check cannot run on the restored $STAMP"
    [ -z "$keys" ] || die "$EX_FAILED" "the restored $STAMP has rows whose foreign keys point nowhere: $(printf '%s' "$keys" | head -n 3)"
    TABLES=$(run_sqlite "$SQLITE_PATH" "SELECT count(*) FROM sqlite_master WHERE type = 'table';")
    AGENTS=$(run_sqlite "$SQLITE_PATH" 'SELECT count(*) FROM agents;') || die "$EX_FAILED" "the restored $STAMP has no agents table: not a registry database"
}

drill_postgres() {
    # The scratch database, on the registry's server with the registry's service file:
    # DATABASE_URL names only the service and the scratch dbname, no credential.
    [ -n "${DATABASE_URL:-}" ] || die "$EX_USAGE" "DATABASE_URL (service=<name> dbname=<scratch>) is required when DB_TYPE=postgres"
    # --force: the scratch database holds the previous drill's tables, replaced in one transaction.
    sh "$HERE/restore.sh" --force "$BACKUP" || die "$EX_FAILED" "restore.sh could not restore $STAMP into the scratch database (its message above)"
    psql_scratch() {
        psql -X --no-password -v ON_ERROR_STOP=1 -A -t --dbname="$DATABASE_URL" -c "$1"
    }
    TABLES=$(psql_scratch "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public';") ||
        die "$EX_FAILED" "cannot count the restored tables"
    AGENTS=$(psql_scratch 'SELECT count(*) FROM agents;') || die "$EX_FAILED" "the restored $STAMP has no agents table: not a registry database"
}

main() {
    [ "$#" -eq 1 ] || die "$EX_USAGE" "usage: $PROG <dir holding the fetched backup>"
    STAMP=$(newest_fetched "$1") || true
    [ -n "$STAMP" ] || die "$EX_FAILED" "no backup under '$1' (did fetch.sh run?)"
    BACKUP=$1/$STAMP
    case $DB_TYPE in
        sqlite) drill_sqlite ;;
        postgres) drill_postgres ;;
        *) die "$EX_USAGE" "DB_TYPE must be sqlite or postgres, got '$DB_TYPE'" ;;
    esac
    say "drill OK: $STAMP restored into a scratch database and checked: $TABLES tables, $AGENTS agents"
}

main "$@"
