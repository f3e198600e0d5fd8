#!/bin/sh
# Backs up the MCP Mesh registry database (SQLite or PostgreSQL) into
# $BACKUP_DIR/<YYYYMMDD-HHMMSS>/, verifies the copy, then prunes old verified
# backups. Contract (env vars, exit codes): README.md next to this file.
# POSIX sh only: runs under busybox ash (alpine) and dash (Debian).
set -eu

PROG=backup.sh
EX_FAILED=1      # the backup was not made; existing backups untouched
EX_USAGE=2       # bad configuration, detected before any work
EX_PRUNE=3       # the backup was made and verified, but pruning old ones failed
SQLITE_BUSY_TIMEOUT_MS=10000
DATE_DIR_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'

BACKUP_DIR=${BACKUP_DIR:-/backup}
DB_TYPE=${DB_TYPE:-}
RETENTION=${RETENTION:-7}
TMP_DIR=
BACKUP_WRITTEN=

# shellcheck source=common.sh
case $0 in */*) . "${0%/*}/common.sh" ;; *) . ./common.sh ;; esac

# Escapes a value for a JSON string: backslash and quote escaped, control
# characters (newlines included) turned into spaces.
json_escape() {
    printf '%s' "$1" | sed -e ':a' -e '$!N' -e '$!ba' \
        -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/[[:cntrl:]]/ /g'
}

# Quotes a value as an SQL string literal.
sql_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

validate_env() {
    case $DB_TYPE in
        sqlite) validate_sqlite_env ;;
        postgres) validate_postgres_env ;;
        '') die "$EX_USAGE" "DB_TYPE is required (sqlite or postgres)" ;;
        *) die "$EX_USAGE" "unknown DB_TYPE '$DB_TYPE' (expected sqlite or postgres)" ;;
    esac
    validate_retention_and_dir
}

validate_sqlite_env() {
    SQLITE_PATH=${SQLITE_PATH:-}
    [ -n "$SQLITE_PATH" ] || die "$EX_USAGE" "SQLITE_PATH is required when DB_TYPE=sqlite"
    # sqlite3 would silently create an empty database at a missing path.
    [ -f "$SQLITE_PATH" ] || die "$EX_USAGE" "database file '$SQLITE_PATH' does not exist"
    need_command sqlite3
    DATA_FILE=registry.db
    BACKUP_SOURCE=${BACKUP_SOURCE:-$SQLITE_PATH}
}

validate_postgres_env() {
    if [ -z "${DATABASE_URL:-}" ] && [ -z "${PGSERVICE:-}" ] && [ -z "${PGDATABASE:-}" ]; then
        die "$EX_USAGE" "DB_TYPE=postgres needs PGSERVICE (with PGSERVICEFILE), DATABASE_URL or PGDATABASE (with PGHOST, PGPORT, PGUSER, PGPASSWORD)"
    fi
    need_command pg_dump
    need_command pg_restore
    DATA_FILE=registry.dump
    if [ -n "${DATABASE_URL:-}" ]; then
        default_source=$(redact_conninfo "$DATABASE_URL")
    elif [ -n "${PGSERVICE:-}" ]; then
        default_source="service $PGSERVICE"
    else
        default_source=${PGHOST:-localhost}:${PGPORT:-5432}/$PGDATABASE
    fi
    BACKUP_SOURCE=${BACKUP_SOURCE:-$default_source}
}

cleanup() {
    status=$?
    if [ -n "$TMP_DIR" ] && [ -d "$TMP_DIR" ]; then
        rm -rf "$TMP_DIR"
    fi
    if [ "$status" -ne 0 ] && [ -z "$BACKUP_WRITTEN" ]; then
        warn "backup FAILED (exit $status); no backup was written and existing backups were not touched"
    fi
    exit "$status"
}

prepare_work_dir() {
    STAMP=$(date -u +%Y%m%d-%H%M%S)
    ISO_TIME=$(printf '%s' "$STAMP" | sed 's/^\(....\)\(..\)\(..\)-\(..\)\(..\)\(..\)$/\1-\2-\3T\4:\5:\6Z/')
    FINAL_DIR=$BACKUP_DIR/$STAMP
    [ ! -e "$FINAL_DIR" ] || die "$EX_FAILED" "backup '$FINAL_DIR' already exists; refusing to overwrite it"
    TMP_NAME=.tmp-$STAMP-$$
    # Named before mkdir: a signal right after mkdir must find the directory to remove.
    TMP_DIR=$BACKUP_DIR/$TMP_NAME
    mkdir "$TMP_DIR" || {
        TMP_DIR=
        die "$EX_FAILED" "cannot create work directory in '$BACKUP_DIR'"
    }
}

# The job mounts the registry's volume read-only. With the registry running, its -wal/-shm
# files exist and a reader needs nothing more. With the registry stopped there is no -wal
# file, no writer can exist, and only an immutable open works on a read-only mount.
sqlite_source() {
    if [ ! -e "$SQLITE_PATH-wal" ] && [ ! -w "${SQLITE_PATH%/*}" ]; then
        case $SQLITE_PATH in
            *'?'* | *'#'* | *'%'*) printf '%s\n' "$SQLITE_PATH" ;;
            *) printf 'file:%s?immutable=1\n' "$SQLITE_PATH" ;;
        esac
    else
        printf '%s\n' "$SQLITE_PATH"
    fi
}

dump_sqlite() {
    copy=$TMP_DIR/$DATA_FILE
    source=$(sqlite_source)
    journal_mode=$(run_sqlite -cmd ".timeout $SQLITE_BUSY_TIMEOUT_MS" "$source" 'PRAGMA journal_mode;') ||
        die "$EX_FAILED" "sqlite3 cannot read '$SQLITE_PATH'"
    # VACUUM INTO copies from one read transaction, so it is a consistent
    # snapshot while the registry keeps writing (unlike .backup, which restarts
    # whenever another connection writes between its steps).
    run_sqlite -cmd ".timeout $SQLITE_BUSY_TIMEOUT_MS" "$source" "VACUUM INTO $(sql_quote "$copy");" ||
        die "$EX_FAILED" "sqlite3 could not copy '$SQLITE_PATH'"
    # VACUUM INTO writes a rollback-journal file; keep the live journal mode.
    if [ "$journal_mode" = wal ]; then
        copy_mode=$(run_sqlite "$copy" 'PRAGMA journal_mode=WAL;') || die "$EX_FAILED" "cannot set WAL mode on the copy"
        [ "$copy_mode" = wal ] || die "$EX_FAILED" "copy reports journal mode '$copy_mode', expected wal"
    fi
    verify_sqlite_file "$copy"
    TOOL_VERSION="sqlite3 $(run_sqlite -version | sed 's/ .*//')"
}

dump_postgres() {
    dump=$TMP_DIR/$DATA_FILE
    if [ -n "${DATABASE_URL:-}" ]; then
        set -- --dbname="$DATABASE_URL"
    else
        set --
    fi
    pg_dump --no-password --format=custom --file="$dump" "$@" ||
        die "$EX_FAILED" "pg_dump of $BACKUP_SOURCE failed"
    toc=$(pg_restore --list "$dump") || die "$EX_FAILED" "pg_restore --list cannot read the dump"
    printf '%s\n' "$toc" | grep -q -E '^[0-9]+; [0-9]+ [0-9]+ TABLE ' ||
        die "$EX_FAILED" "the dump of $BACKUP_SOURCE lists no TABLE entries; refusing to keep an empty backup"
    TOOL_VERSION=$(pg_dump --version)
}

write_checksum_and_metadata() {
    (cd "$TMP_DIR" && sha256sum "$DATA_FILE" >SHA256SUMS) || die "$EX_FAILED" "sha256sum failed"
    SHA256=$(sed 's/ .*//' "$TMP_DIR/SHA256SUMS")
    SIZE=$(stat -c %s "$TMP_DIR/$DATA_FILE") || die "$EX_FAILED" "cannot stat the backup file"
    cat >"$TMP_DIR/metadata.json" <<EOF || die "$EX_FAILED" "cannot write metadata.json"
{
  "time": "$ISO_TIME",
  "type": "$DB_TYPE",
  "file": "$DATA_FILE",
  "size": $SIZE,
  "sha256": "$SHA256",
  "source": "$(json_escape "$BACKUP_SOURCE")",
  "tool_version": "$(json_escape "$TOOL_VERSION")"
}
EOF
}

# True when a backup directory has metadata and a checksum file that verifies.
backup_verifies() {
    [ -f "$1/metadata.json" ] && [ -f "$1/SHA256SUMS" ] && grep -q . "$1/SHA256SUMS" &&
        (cd "$1" && sha256sum -c SHA256SUMS >/dev/null 2>&1)
}

publish_backup() {
    [ ! -e "$FINAL_DIR" ] || die "$EX_FAILED" "backup '$FINAL_DIR' appeared while this run was working; refusing to overwrite it"
    mv "$TMP_DIR" "$FINAL_DIR" || die "$EX_FAILED" "cannot move the backup into place at '$FINAL_DIR'"
    if [ -e "$FINAL_DIR/$TMP_NAME" ]; then
        # Another run created FINAL_DIR between the check and mv, so mv put
        # our directory inside it: move it back out for the trap to remove.
        mv "$FINAL_DIR/$TMP_NAME" "$TMP_DIR"
        die "$EX_FAILED" "backup '$FINAL_DIR' was created by a concurrent run; refusing to overwrite it"
    fi
    TMP_DIR=
    BACKUP_WRITTEN=yes
    backup_verifies "$FINAL_DIR" || die "$EX_FAILED" "backup at '$FINAL_DIR' was written but does not verify; old backups kept"
}

prune_old_backups() {
    verified=
    for dir in "$BACKUP_DIR"/*; do
        [ -e "$dir" ] || continue # the glob matched nothing
        name=${dir##*/}
        case $name in
            $DATE_DIR_GLOB) ;;
            *)
                say "leaving '$name' alone: not a backup directory name"
                continue
                ;;
        esac
        if [ -d "$dir" ] && backup_verifies "$dir"; then
            verified="$verified $name"
        else
            warn "backup '$name' does not verify (missing metadata.json or checksum mismatch); not counted for retention, left in place"
        fi
    done

    kept=0
    for name in $(printf '%s\n' $verified | sort -r); do
        if [ "$kept" -lt "$RETENTION" ]; then
            kept=$((kept + 1))
        elif [ "$name" = "$STAMP" ]; then
            warn "the new backup '$name' sorts older than $RETENTION others (clock skew?); keeping it anyway"
        else
            rm -rf "${BACKUP_DIR:?}/$name" || die "$EX_PRUNE" "backup $FINAL_DIR is fine, but removing old backup '$name' failed"
            say "removed old backup '$name' (RETENTION=$RETENTION)"
        fi
    done

    find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '.tmp-*' -mtime +0 -exec rm -rf {} \; ||
        warn "could not remove stale .tmp-* directories in '$BACKUP_DIR'"
}

main() {
    validate_env
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    prepare_work_dir
    case $DB_TYPE in
        sqlite) dump_sqlite ;;
        postgres) dump_postgres ;;
    esac
    write_checksum_and_metadata
    publish_backup
    prune_old_backups
    say "backup OK: $FINAL_DIR/$DATA_FILE size=$SIZE sha256=$SHA256"
}

main "$@"
