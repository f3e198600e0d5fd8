#!/bin/sh
# A new stack that starts from a backup: run as the registry pod's init containers, before
# the registry. `start-from.sh check <dir>` (PostgreSQL image) decides whether there is anything
# to restore; `start-from.sh fetch <dir> [<YYYYMMDD-HHMMSS>]` (rclone image) downloads the backup
# with fetch.sh, unless the database already exists; `start-from.sh restore <dir>` (the database's
# image) restores what was fetched with restore.sh, which never overwrites, and records where the
# database came from. Contract: README.md next to this file. POSIX sh only.
set -eu

PROG=start-from.sh
EX_FAILED=1   # the restore failed; the registry does not start
EX_USAGE=2    # bad arguments or configuration
EX_REFUSED=4  # a database is there that this setting did not restore: never overwritten

DB_TYPE=${DB_TYPE:-sqlite}
SQLITE_PATH=${SQLITE_PATH:-}
# PostgreSQL: the database's comment records its origin (pg_dump leaves it out without --create,
# so a backup of this database does not carry it). "restoring" is written before the restore's
# single transaction, "started from" after it: a restart in between finds out which one held.
STARTED='mcp-mesh: started from backup '
RESTORING='mcp-mesh: restoring backup '
# Written by `check` into <dir> when there is nothing to restore; fetch and restore then do nothing.
NOTHING_TO_DO=.nothing-to-do

# shellcheck source=common.sh
case $0 in */*) HERE=${0%/*} ;; *) HERE=. ;; esac
. "$HERE/common.sh"

# Beside the database: the backup it was started from. Its presence makes later starts no-ops.
marker() {
    printf '%s.started-from' "$SQLITE_PATH"
}

# 0 when there is nothing to do (started from a backup before); refuses a database of other origin.
database_absent() {
    if [ -e "$SQLITE_PATH" ] || [ -e "$SQLITE_PATH-wal" ]; then
        if [ -f "$(marker)" ]; then
            say "the registry database was started from backup $(cat "$(marker)"); nothing to do"
            return 1
        fi
        die "$EX_REFUSED" "refusing to start from a backup: '$SQLITE_PATH' already holds a database this setting did not restore; remove backup.startFrom (or move the database away) and restart"
    fi
    return 0
}

# psql on the registry's database: the service (PGSERVICE, PGSERVICEFILE) names server, user and
# password; PGSSLROOTCERT the CA, as for the backup. Nothing secret on the command line.
psql_registry() {
    psql -X --no-password -v ON_ERROR_STOP=1 -A -t -q -c "$1"
}

comment_database() {
    psql_registry "DO \$\$ BEGIN EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), '$1'); END \$\$;" ||
        die "$EX_FAILED" "cannot record '$1' on the registry database (service $PGSERVICE)"
}

# 0 when the database needs the restore; 1 when it was started from a backup before (a restart in
# the middle of one is finished); exits 4 for a database that holds tables of other origin.
postgres_needs_restore() {
    owner=$(psql_registry "SELECT pg_catalog.pg_has_role(current_user, datdba, 'USAGE') FROM pg_catalog.pg_database WHERE datname = current_database();") ||
        die "$EX_FAILED" "cannot connect to the registry database (service $PGSERVICE) to inspect it"
    [ "$owner" = t ] ||
        die "$EX_USAGE" "the registry's user does not own its database (service $PGSERVICE): startFrom records the database's origin in its comment, which only the owner may set; ALTER DATABASE ... OWNER TO the registry's user"
    comment=$(psql_registry "SELECT coalesce(pg_catalog.shobj_description(oid, 'pg_database'), '') FROM pg_catalog.pg_database WHERE datname = current_database();")
    tables=$(psql_registry "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');")
    case $comment in
        "$STARTED"*)
            say "the registry database was started from backup ${comment#"$STARTED"}; nothing to do"
            return 1
            ;;
        "$RESTORING"*)
            if [ "$tables" -gt 0 ]; then
                # The restore's transaction committed before the pod stopped: only the record is missing.
                comment_database "$STARTED${comment#"$RESTORING"}"
                say "the registry database was restored from backup ${comment#"$RESTORING"} by an earlier start; nothing to do"
                return 1
            fi
            return 0
            ;;
    esac
    [ "$tables" -eq 0 ] ||
        die "$EX_REFUSED" "refusing to start from a backup: the registry database (service $PGSERVICE) already holds $tables tables this setting did not restore; remove backup.startFrom (or empty the database) and restart"
    return 0
}

restore_postgres() {
    dir=$1
    stamp=$2
    postgres_needs_restore || exit 0
    comment_database "$RESTORING$stamp"
    sh "$HERE/restore.sh" "$dir/$stamp" || die "$EX_FAILED" "restore.sh could not restore $stamp (its message above); the registry does not start"
    comment_database "$STARTED$stamp"
    say "started from backup $stamp: restored into the registry database (service $PGSERVICE)"
}

main() {
    [ "$#" -ge 2 ] || die "$EX_USAGE" "usage: $PROG check <dir> | fetch <dir> [<YYYYMMDD-HHMMSS>] | restore <dir>"
    case $DB_TYPE in
        sqlite) [ -n "$SQLITE_PATH" ] || die "$EX_USAGE" "SQLITE_PATH is required" ;;
        postgres) [ -n "${PGSERVICE:-}" ] || die "$EX_USAGE" "PGSERVICE (with PGSERVICEFILE) is required when DB_TYPE=postgres" ;;
        *) die "$EX_USAGE" "DB_TYPE must be sqlite or postgres, got '$DB_TYPE'" ;;
    esac
    mode=$1
    dir=$2
    shift 2
    case $mode in
        check)
            [ "$DB_TYPE" = postgres ] || die "$EX_USAGE" "check is for DB_TYPE=postgres (fetch checks a SQLite file itself)"
            [ -d "$dir" ] || die "$EX_USAGE" "'$dir' is not a directory"
            postgres_needs_restore || : >"$dir/$NOTHING_TO_DO"
            ;;
        fetch)
            if [ "$DB_TYPE" = postgres ]; then
                [ ! -e "$dir/$NOTHING_TO_DO" ] || exit 0
            else
                database_absent || exit 0
            fi
            exec sh "$HERE/fetch.sh" "$dir" "$@"
            ;;
        restore)
            [ ! -e "$dir/$NOTHING_TO_DO" ] || exit 0
            stamp=$(ls -1 "$dir" | grep -x '[0-9]\{8\}-[0-9]\{6\}' | head -n 1) || true
            # Nothing fetched: the database was there already (the fetch step said so).
            [ -n "$stamp" ] || exit 0
            if [ "$DB_TYPE" = postgres ]; then
                restore_postgres "$dir" "$stamp"
                exit 0
            fi
            database_absent || exit 0
            sh "$HERE/restore.sh" "$dir/$stamp" || die "$EX_FAILED" "restore.sh could not restore $stamp (its message above); the registry does not start"
            printf '%s\n' "$stamp" >"$(marker)" || die "$EX_FAILED" "restored $stamp, but cannot write $(marker)"
            say "started from backup $stamp: restored into $SQLITE_PATH"
            ;;
        *) die "$EX_USAGE" "unknown mode '$mode' (check, fetch or restore)" ;;
    esac
}

main "$@"
