#!/bin/sh
# Copies the newest verified local backup (made by backup.sh) to an S3-compatible bucket with
# rclone, reads every object back and compares its sha256 before marking the copy verified,
# then prunes old verified remote backups. Contract (env vars, exit codes): README.md next to
# this file. POSIX sh only: runs under busybox ash (the rclone image) and dash (Debian).
set -eu

PROG=upload.sh
EX_FAILED=1       # nothing new counts remotely; earlier backups untouched
EX_USAGE=2        # bad configuration, detected before any work
EX_PRUNE=3        # uploaded and verified, but pruning old remote backups failed
# 4-7 (credentials, bucket, endpoint, checksum): remote.sh
AFTER_FAILURE='nothing new counts, earlier backups untouched'
DATE_DIR_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'

BACKUP_DIR=${BACKUP_DIR:-/backup}
RETENTION=${RETENTION:-7}
STAMP=
UPLOADING=

# shellcheck source=common.sh
case $0 in */*) . "${0%/*}/common.sh" ;; *) . ./common.sh ;; esac
# shellcheck source=remote.sh
case $0 in */*) . "${0%/*}/remote.sh" ;; *) . ./remote.sh ;; esac

validate_env() {
    validate_store_env
    validate_retention_and_dir
}

# True when a local backup directory has metadata and a checksum file that verifies.
backup_verifies() {
    [ -f "$1/metadata.json" ] && [ -f "$1/SHA256SUMS" ] && grep -q . "$1/SHA256SUMS" &&
        (cd "$1" && sha256sum -c SHA256SUMS >/dev/null 2>&1)
}

# The newest local backup that verifies: the one backup.sh has just made.
newest_local_backup() {
    for dir in $(ls -1 "$BACKUP_DIR" | sort -r); do
        case $dir in $DATE_DIR_GLOB) ;; *) continue ;; esac
        if backup_verifies "$BACKUP_DIR/$dir"; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    return 1
}

# sha256 and name of every file of a local backup, sorted by name: what the remote copy must read back as.
local_sums() {
    (cd "$BACKUP_DIR/$STAMP" && sha256sum -- *) | sort -k 2
}

cleanup() {
    status=$?
    if [ "$status" -ne 0 ] && [ -n "$UPLOADING" ]; then
        # This run's own unmarked copy: it never counted. Best effort (the store may be down).
        rclone purge "$REMOTE/$STAMP" >/dev/null 2>&1 || true
    fi
    [ -z "$WORK" ] || rm -rf "$WORK"
    exit "$status"
}

upload() {
    expected=$(local_sums) || die "$EX_FAILED" "cannot checksum the local backup '$STAMP'"
    if printf '%s\n' "$LISTING" | grep -q -x "$STAMP/$MARKER"; then
        rc cat "$REMOTE/$STAMP/$MARKER" >"$WORK/marker" || remote_failed "reading $SHOWN/$STAMP/$MARKER"
        if [ "$(cat "$WORK/marker")" = "$expected" ]; then
            say "$SHOWN/$STAMP is already uploaded and verified"
            return 0
        fi
        die "$EX_FAILED" "$SHOWN/$STAMP is marked verified but holds another backup; refusing to overwrite it"
    fi
    UPLOADING=yes
    # sync, not copy: a leftover of an interrupted run for this same backup is replaced whole.
    rc sync "$BACKUP_DIR/$STAMP" "$REMOTE/$STAMP" || remote_failed "uploading $STAMP"
    # Read back: download every object and hash what arrived, never trusting the server's own ETag.
    rc hashsum sha256 --download "$REMOTE/$STAMP" >"$WORK/remote" || remote_failed "reading back $SHOWN/$STAMP"
    actual=$(sort -k 2 "$WORK/remote")
    if [ "$actual" != "$expected" ]; then
        die "$EX_CHECKSUM" "checksum mismatch: $SHOWN/$STAMP reads back as [$(printf '%s' "$actual" | tr '\n' ' ')], expected [$(printf '%s' "$expected" | tr '\n' ' ')]; the copy does not count and is removed, earlier backups untouched"
    fi
    printf '%s\n' "$expected" >"$WORK/marker"
    rc copyto "$WORK/marker" "$REMOTE/$STAMP/$MARKER" || remote_failed "marking $SHOWN/$STAMP verified"
    UPLOADING=
}

# Keeps the newest RETENTION verified remote backups; never the one just made, never an unverified one.
prune_remote() {
    rc lsf -R --max-depth 2 --files-only "$REMOTE" >"$WORK/listing" || remote_failed "listing $SHOWN for retention"
    kept=0
    for name in $(verified_remote_backups "$WORK/listing"); do
        if [ "$kept" -lt "$RETENTION" ]; then
            kept=$((kept + 1))
        elif [ "$name" = "$STAMP" ]; then
            warn "the new remote backup '$name' sorts older than $RETENTION others (clock skew?); keeping it anyway"
        else
            # The marker goes first: an interrupted prune leaves an unverified folder, never a verified one missing data.
            { rc deletefile "$REMOTE/$name/$MARKER" && rc purge "$REMOTE/$name"; } ||
                die "$EX_PRUNE" "$SHOWN/$STAMP is uploaded and verified, but removing old remote backup '$name' failed"
            say "removed old remote backup '$name' (RETENTION=$RETENTION)"
        fi
    done
    for name in $(sed -n "s#^\($DATE_DIR_RE\)/.*#\1#p" "$WORK/listing" | sort -u); do
        grep -q -x "$name/$MARKER" "$WORK/listing" ||
            warn "remote backup '$name' has no $MARKER marker (an interrupted upload); not counted for retention, left in place"
    done
    KEPT=$kept
}

main() {
    validate_env
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    make_work_dir
    STAMP=$(newest_local_backup) || die "$EX_FAILED" "no verified local backup in '$BACKUP_DIR' to upload"
    # One listing first: it proves the credentials, the bucket and the endpoint before any write.
    rc lsf -R --max-depth 2 --files-only "$REMOTE" >"$WORK/listing" || remote_failed "listing $SHOWN"
    LISTING=$(cat "$WORK/listing")
    upload
    prune_remote
    say "upload OK: $SHOWN/$STAMP verified (sha256 read back); verified remote backups kept: $KEPT"
}

main "$@"
