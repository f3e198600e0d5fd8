#!/bin/sh
# A new stack that starts from a backup: run as the registry pod's init containers, before
# the registry. `start-from.sh fetch <dir> [<YYYYMMDD-HHMMSS>]` (rclone image) downloads the
# backup with fetch.sh, unless the database already exists; `start-from.sh restore <dir>` (the
# SQLite image) restores what was fetched with restore.sh, which never overwrites, and records
# where the database came from. Contract: README.md next to this file. POSIX sh only.
set -eu

PROG=start-from.sh
EX_FAILED=1   # the restore failed; the registry does not start
EX_USAGE=2    # bad arguments or configuration
EX_REFUSED=4  # a database is there that this setting did not restore: never overwritten

SQLITE_PATH=${SQLITE_PATH:-}

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

main() {
    [ "$#" -ge 2 ] || die "$EX_USAGE" "usage: $PROG fetch <dir> [<YYYYMMDD-HHMMSS>] | restore <dir>"
    [ -n "$SQLITE_PATH" ] || die "$EX_USAGE" "SQLITE_PATH is required"
    mode=$1
    dir=$2
    shift 2
    case $mode in
        fetch)
            database_absent || exit 0
            exec sh "$HERE/fetch.sh" "$dir" "$@"
            ;;
        restore)
            stamp=$(ls -1 "$dir" | grep -x '[0-9]\{8\}-[0-9]\{6\}' | head -n 1) || true
            # Nothing fetched: the database was there already (the fetch step said so).
            [ -n "$stamp" ] || exit 0
            database_absent || exit 0
            sh "$HERE/restore.sh" "$dir/$stamp" || die "$EX_FAILED" "restore.sh could not restore $stamp (its message above); the registry does not start"
            printf '%s\n' "$stamp" >"$(marker)" || die "$EX_FAILED" "restored $stamp, but cannot write $(marker)"
            say "started from backup $stamp: restored into $SQLITE_PATH"
            ;;
        *) die "$EX_USAGE" "unknown mode '$mode' (fetch or restore)" ;;
    esac
}

main "$@"
