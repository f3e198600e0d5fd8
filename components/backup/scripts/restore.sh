#!/bin/sh
# Restores an MCP Mesh registry backup made by backup.sh.
# Usage: restore.sh [--force] <backup-dir>
# Contract (env vars, exit codes): README.md next to this file.
# POSIX sh only: runs under busybox ash (alpine) and dash (Debian).
set -eu

PROG=restore.sh
EX_FAILED=1      # the restore failed (the message says what state is left)
EX_USAGE=2       # bad arguments or configuration
EX_BAD_BACKUP=3  # the backup does not verify; nothing was touched
EX_REFUSED=4     # the target holds data and --force was not given; nothing was touched

DB_TYPE=${DB_TYPE:-}
FORCE=
BACKUP_PATH=
RESTORE_TMP=

# shellcheck source=common.sh
case $0 in */*) . "${0%/*}/common.sh" ;; *) . ./common.sh ;; esac

usage_error() {
    warn "usage: $PROG [--force] <backup-dir>"
    die "$EX_USAGE" "$*"
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case $1 in
            --force) FORCE=yes ;;
            --) shift; break ;;
            -*) usage_error "unknown option '$1'" ;;
            *) [ -z "$BACKUP_PATH" ] || usage_error "more than one backup directory given"
               BACKUP_PATH=$1 ;;
        esac
        shift
    done
    if [ "$#" -gt 0 ]; then
        [ -z "$BACKUP_PATH" ] && [ "$#" -eq 1 ] || usage_error "expected exactly one backup directory"
        BACKUP_PATH=$1
    fi
    [ -n "$BACKUP_PATH" ] || usage_error "missing <backup-dir>"
}

validate_env() {
    case $DB_TYPE in
        sqlite)
            SQLITE_PATH=${SQLITE_PATH:-}
            [ -n "$SQLITE_PATH" ] || die "$EX_USAGE" "SQLITE_PATH is required when DB_TYPE=sqlite"
            target_parent=$(dirname_of "$SQLITE_PATH")
            [ -d "$target_parent" ] || die "$EX_USAGE" "directory '$target_parent' of SQLITE_PATH does not exist"
            need_command sqlite3
            TARGET=$SQLITE_PATH
            ;;
        postgres)
            if [ -n "${DATABASE_URL:-}" ]; then
                TARGET=$(redact_conninfo "$DATABASE_URL")
            elif [ -n "${PGSERVICE:-}" ]; then
                TARGET="service $PGSERVICE"
            elif [ -n "${PGDATABASE:-}" ]; then
                TARGET=${PGHOST:-localhost}:${PGPORT:-5432}/$PGDATABASE
            else
                die "$EX_USAGE" "DB_TYPE=postgres needs PGSERVICE (with PGSERVICEFILE), DATABASE_URL or PGDATABASE (with PGHOST, PGPORT, PGUSER, PGPASSWORD)"
            fi
            need_command psql
            need_command pg_restore
            ;;
        '') die "$EX_USAGE" "DB_TYPE is required (sqlite or postgres)" ;;
        *) die "$EX_USAGE" "unknown DB_TYPE '$DB_TYPE' (expected sqlite or postgres)" ;;
    esac
}

dirname_of() {
    case $1 in
        */*) printf '%s' "${1%/*}/" ;;
        *) printf '.' ;;
    esac
}

metadata_field() {
    sed -n "s/^[[:space:]]*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$BACKUP_PATH/metadata.json" | head -n 1
}

# Everything about the backup is checked before the target is looked at.
verify_backup() {
    [ -d "$BACKUP_PATH" ] || die "$EX_BAD_BACKUP" "backup directory '$BACKUP_PATH' does not exist"
    [ -f "$BACKUP_PATH/metadata.json" ] || die "$EX_BAD_BACKUP" "'$BACKUP_PATH' has no metadata.json; not a backup made by backup.sh"
    [ -f "$BACKUP_PATH/SHA256SUMS" ] || die "$EX_BAD_BACKUP" "'$BACKUP_PATH' has no SHA256SUMS; cannot verify it"

    backup_type=$(metadata_field type)
    [ "$backup_type" = "$DB_TYPE" ] ||
        die "$EX_BAD_BACKUP" "backup type is '$backup_type' but DB_TYPE is '$DB_TYPE'"
    DATA_FILE=$(metadata_field file)
    case $DATA_FILE in
        '' | . | .. | *[!A-Za-z0-9._-]*) die "$EX_BAD_BACKUP" "metadata.json names an invalid data file '$DATA_FILE'" ;;
    esac
    EXPECTED_SHA256=$(metadata_field sha256)
    case $EXPECTED_SHA256 in
        '' | *[!0-9a-f]*) die "$EX_BAD_BACKUP" "metadata.json has no valid sha256" ;;
    esac
    [ -f "$BACKUP_PATH/$DATA_FILE" ] || die "$EX_BAD_BACKUP" "data file '$BACKUP_PATH/$DATA_FILE' is missing"
    grep -F -x -q "$EXPECTED_SHA256  $DATA_FILE" "$BACKUP_PATH/SHA256SUMS" ||
        die "$EX_BAD_BACKUP" "SHA256SUMS does not list '$DATA_FILE' with the sha256 recorded in metadata.json"
    if ! check_output=$(cd "$BACKUP_PATH" && sha256sum -c SHA256SUMS 2>&1); then
        die "$EX_BAD_BACKUP" "checksum mismatch in '$BACKUP_PATH', refusing to restore: $check_output"
    fi
}

cleanup() {
    status=$?
    if [ -n "$RESTORE_TMP" ]; then
        rm -f "$RESTORE_TMP" "$RESTORE_TMP-wal" "$RESTORE_TMP-shm"
    fi
    if [ "$status" -ne 0 ]; then
        warn "restore FAILED (exit $status)"
    fi
    exit "$status"
}

restore_sqlite() {
    existing=
    for suffix in '' -wal -shm; do
        if [ -e "$SQLITE_PATH$suffix" ]; then
            existing="$existing $SQLITE_PATH$suffix"
        fi
    done
    if [ -n "$existing" ] && [ -z "$FORCE" ]; then
        die "$EX_REFUSED" "refusing to overwrite live database (found:$existing); stop the registry (scale to 0) and pass --force"
    fi

    RESTORE_TMP=$SQLITE_PATH.restore-tmp
    rm -f "$RESTORE_TMP" "$RESTORE_TMP-wal" "$RESTORE_TMP-shm"
    cat "$BACKUP_PATH/$DATA_FILE" >"$RESTORE_TMP" || die "$EX_FAILED" "cannot copy the backup to '$RESTORE_TMP'"
    copy_sha256=$(sha256sum "$RESTORE_TMP" | sed 's/ .*//')
    [ "$copy_sha256" = "$EXPECTED_SHA256" ] || die "$EX_FAILED" "the copy at '$RESTORE_TMP' does not match the backup's sha256"
    verify_sqlite_file "$RESTORE_TMP"

    stamp=$(date -u +%Y%m%d-%H%M%S)
    kept=$SQLITE_PATH.before-restore-$stamp
    for suffix in '' -wal -shm; do
        [ ! -e "$kept$suffix" ] || die "$EX_FAILED" "'$kept$suffix' already exists; try again in a second"
    done
    # The old -wal/-shm move with the old file so that it stays openable (its
    # WAL may hold committed data) and cannot be replayed onto the restored one.
    for suffix in '' -wal -shm; do
        if [ -e "$SQLITE_PATH$suffix" ]; then
            mv "$SQLITE_PATH$suffix" "$kept$suffix" || die "$EX_FAILED" "cannot move '$SQLITE_PATH$suffix' aside"
        fi
    done
    mv "$RESTORE_TMP" "$SQLITE_PATH" ||
        die "$EX_FAILED" "cannot move the restored database into place; the previous one is at '$kept'"
    RESTORE_TMP=
    if [ -n "$existing" ]; then
        say "previous database kept as '$kept'"
    fi
    say "restore OK: $BACKUP_PATH/$DATA_FILE -> $SQLITE_PATH ($tables tables, sha256=$EXPECTED_SHA256)"
}

count_user_tables() {
    psql -X --no-password -v ON_ERROR_STOP=1 -A -t "$@" \
        -c "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema');"
}

restore_postgres() {
    dump=$BACKUP_PATH/$DATA_FILE
    if [ -n "${DATABASE_URL:-}" ]; then
        set -- --dbname="$DATABASE_URL"
    elif [ -n "${PGSERVICE:-}" ]; then
        # The service name only: host, user and password stay in the file (PGSERVICEFILE).
        set -- --dbname="service=$PGSERVICE"
    else
        set -- --dbname="$PGDATABASE"
    fi
    pg_restore --list "$dump" >/dev/null || die "$EX_BAD_BACKUP" "pg_restore cannot read '$dump'"
    tables=$(count_user_tables "$@") || die "$EX_FAILED" "cannot connect to $TARGET to inspect it"
    case $tables in
        '' | *[!0-9]*) die "$EX_FAILED" "unexpected table count '$tables' from $TARGET" ;;
    esac

    if [ "$tables" -gt 0 ]; then
        [ -n "$FORCE" ] ||
            die "$EX_REFUSED" "refusing to restore into $TARGET: it already has $tables user tables; stop the registry (scale to 0) and pass --force to replace them"
        pg_restore --no-password --clean --if-exists --no-owner --single-transaction "$@" "$dump" ||
            die "$EX_FAILED" "pg_restore into $TARGET failed; the single transaction was rolled back"
    else
        pg_restore --no-password --no-owner --single-transaction "$@" "$dump" ||
            die "$EX_FAILED" "pg_restore into $TARGET failed; the single transaction was rolled back"
    fi
    tables=$(count_user_tables "$@") || die "$EX_FAILED" "restored, but cannot reconnect to $TARGET to check it"
    say "restore OK: $dump -> $TARGET ($tables user tables, sha256=$EXPECTED_SHA256)"
}

main() {
    parse_args "$@"
    validate_env
    verify_backup
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    case $DB_TYPE in
        sqlite) restore_sqlite ;;
        postgres) restore_postgres ;;
    esac
}

main "$@"
