#!/bin/sh
# Downloads a verified remote backup (the newest, or the one named) from the bucket into
# <dest-dir>/<YYYYMMDD-HHMMSS>/ and checks every file against the VERIFIED marker, so that
# restore.sh can restore it. Usage: fetch.sh <dest-dir> [<YYYYMMDD-HHMMSS>]
# Contract (env vars, exit codes): README.md next to this file. POSIX sh only.
set -eu

PROG=fetch.sh
EX_FAILED=1  # nothing usable was downloaded (the message says why)
EX_USAGE=2   # bad arguments or configuration
# 4-7 (credentials, bucket, endpoint, checksum): remote.sh
AFTER_FAILURE='nothing was kept'
DEST=
WANTED=
TARGET=

# shellcheck source=common.sh
case $0 in */*) . "${0%/*}/common.sh" ;; *) . ./common.sh ;; esac
# shellcheck source=remote.sh
case $0 in */*) . "${0%/*}/remote.sh" ;; *) . ./remote.sh ;; esac

cleanup() {
    status=$?
    # A download that did not check out is not left where restore.sh could take it.
    if [ "$status" -ne 0 ] && [ -n "$TARGET" ]; then
        rm -rf "$TARGET"
    fi
    [ -z "$WORK" ] || rm -rf "$WORK"
    exit "$status"
}

main() {
    [ "$#" -ge 1 ] && [ "$#" -le 2 ] || die "$EX_USAGE" "usage: $PROG <dest-dir> [<YYYYMMDD-HHMMSS>]"
    DEST=$1
    WANTED=${2:-}
    [ -d "$DEST" ] || die "$EX_USAGE" "destination '$DEST' is not a directory"
    validate_store_env
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    make_work_dir
    rc lsf -R --max-depth 2 --files-only "$REMOTE" >"$WORK/listing" || remote_failed "listing $SHOWN"
    verified=$(verified_remote_backups "$WORK/listing")
    if [ -n "$WANTED" ]; then
        printf '%s\n' "$verified" | grep -q -x "$WANTED" ||
            die "$EX_FAILED" "$SHOWN/$WANTED is not a verified remote backup (no $MARKER marker); verified: $(printf '%s' "$verified" | tr '\n' ' ')"
        stamp=$WANTED
    else
        stamp=$(printf '%s\n' "$verified" | head -n 1)
        [ -n "$stamp" ] || die "$EX_FAILED" "no verified remote backup under $SHOWN"
    fi
    [ ! -e "$DEST/$stamp" ] || die "$EX_FAILED" "'$DEST/$stamp' already exists; refusing to overwrite it"
    TARGET=$DEST/$stamp
    rc copy "$REMOTE/$stamp" "$TARGET" || remote_failed "downloading $SHOWN/$stamp"
    expected=$(cat "$TARGET/$MARKER") || die "$EX_FAILED" "$SHOWN/$stamp lost its $MARKER marker while downloading (pruned meanwhile?)"
    rm -f "$TARGET/$MARKER"
    actual=$( (cd "$TARGET" && sha256sum -- *) | sort -k 2)
    [ "$actual" = "$expected" ] ||
        die "$EX_CHECKSUM" "checksum mismatch: $SHOWN/$stamp downloads as [$(printf '%s' "$actual" | tr '\n' ' ')], but was verified as [$(printf '%s' "$expected" | tr '\n' ' ')]; nothing was kept"
    TARGET=
    say "fetch OK: $DEST/$stamp (every file matches the sha256 verified at upload); restore it with: restore.sh [--force] $DEST/$stamp"
}

main "$@"
