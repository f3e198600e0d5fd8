# Functions shared by upload.sh and fetch.sh (the object-storage leg); sourced after common.sh.
# rclone reads the remote "store" from RCLONE_CONFIG_STORE_* env (the CronJob sets them, the key
# pair by secretKeyRef); POSIX sh only: runs under busybox ash (the rclone image) and dash.

EX_CREDENTIALS=4  # the object store rejected the credentials
EX_BUCKET=5       # the bucket does not exist
EX_UNREACHABLE=6  # the endpoint could not be reached
EX_CHECKSUM=7     # an object read back differs from what was sent
DATE_DIR_RE='[0-9]\{8\}-[0-9]\{6\}'
# A backup counts remotely only once this object exists: it is written last, after the read-back.
MARKER=VERIFIED

BUCKET=${OBJECT_STORE_BUCKET:-}
PREFIX=${OBJECT_STORE_PREFIX:-}
CREDENTIALS=${OBJECT_STORE_KEY_SOURCE:-the configured access key}
ENDPOINT=${RCLONE_CONFIG_STORE_ENDPOINT:-the AWS endpoint of the region}
WORK=
# What a failure leaves behind, said in each failure's line (the sourcing script's own words).
AFTER_FAILURE=${AFTER_FAILURE:-nothing was changed}

# rclone: no config file (the remote "store" comes from RCLONE_CONFIG_STORE_* env), errors
# only (the log is parsed), never creating a bucket; few retries (a Job has a deadline), unless set.
export RCLONE_CONFIG=/dev/null RCLONE_LOG_LEVEL=ERROR RCLONE_CONFIG_STORE_NO_CHECK_BUCKET=true
export RCLONE_RETRIES="${RCLONE_RETRIES:-3}" RCLONE_LOW_LEVEL_RETRIES="${RCLONE_LOW_LEVEL_RETRIES:-3}" \
    RCLONE_CONTIMEOUT="${RCLONE_CONTIMEOUT:-15s}" RCLONE_TIMEOUT="${RCLONE_TIMEOUT:-5m}"

# Replaces the access key id and secret (read from the environment, so never parsed as a pattern) with REDACTED.
redact() {
    awk 'BEGIN { n = split(ENVIRON["RCLONE_CONFIG_STORE_ACCESS_KEY_ID"] "\n" ENVIRON["RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY"], secrets, "\n") }
    {
        for (i = 1; i <= n; i++) {
            if (secrets[i] == "") continue
            line = ""
            while ((at = index($0, secrets[i])) > 0) {
                line = line substr($0, 1, at - 1) "REDACTED"
                $0 = substr($0, at + length(secrets[i]))
            }
            $0 = line $0
        }
        print
    }'
}

# Runs rclone with its messages kept in a log file (read by remote_failed), never printed as they are.
rc() {
    rclone "$@" 2>"$WORK/rclone.log"
}

# One line saying what failed remotely, from rclone's log, then exit with its code.
remote_failed() {
    doing=$1
    # rclone's last message, without its timestamp and request ids: the S3 error code and text when there is one.
    detail=$(redact <"$WORK/rclone.log" | grep -v '^[[:space:]]*$' | tail -n 1 |
        sed -e 's/^[0-9\/]* [0-9:]* //' -e 's/^ERROR : //' -e 's/.*\(api error .*\)/\1/' | cut -c1-240)
    if grep -q -E 'InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|InvalidToken|ExpiredToken|InvalidSecurity|Forbidden|StatusCode: 403|status code: 403' "$WORK/rclone.log"; then
        die "$EX_CREDENTIALS" "object store at $ENDPOINT rejected the credentials ($CREDENTIALS) while $doing; $AFTER_FAILURE: $detail"
    # rclone lists a missing bucket as "directory not found"; a missing folder in a bucket lists empty.
    elif grep -q -E 'NoSuchBucket|directory not found' "$WORK/rclone.log"; then
        die "$EX_BUCKET" "bucket '$BUCKET' does not exist at $ENDPOINT (the backup never creates one) while $doing; $AFTER_FAILURE: $detail"
    elif grep -q -E 'connection refused|no such host|i/o timeout|dial tcp|connection reset|network is unreachable|context deadline exceeded|TLS handshake|certificate|EOF' "$WORK/rclone.log"; then
        reason=$(grep -o -E '(dial tcp|lookup) [^"]*' "$WORK/rclone.log" | tail -n 1)
        die "$EX_UNREACHABLE" "object store endpoint $ENDPOINT is unreachable while $doing; $AFTER_FAILURE: ${reason:-$detail}"
    fi
    die "$EX_FAILED" "object store error while $doing; $AFTER_FAILURE: $detail"
}

validate_store_env() {
    [ -n "$BUCKET" ] || die "$EX_USAGE" "OBJECT_STORE_BUCKET is required"
    [ -n "${RCLONE_CONFIG_STORE_TYPE:-}" ] || die "$EX_USAGE" "RCLONE_CONFIG_STORE_TYPE is required (the rclone remote 'store', e.g. s3)"
    case $PREFIX in
        /* | */ | *//*) die "$EX_USAGE" "OBJECT_STORE_PREFIX '$PREFIX' must not start or end with '/' or hold '//'" ;;
    esac
    need_command rclone
    need_command sha256sum
    need_command awk
    REMOTE=store:$BUCKET${PREFIX:+/$PREFIX}
    SHOWN=s3://$BUCKET${PREFIX:+/$PREFIX}
}

# A scratch directory for rclone's log and listings (removed by the caller's trap).
make_work_dir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX") || die "$EX_FAILED" "cannot create a work directory in ${TMPDIR:-/tmp}"
}

# The verified remote backups (name/VERIFIED listed), newest first, from a `lsf -R --max-depth 2 --files-only` listing.
verified_remote_backups() {
    sed -n "s#^\($DATE_DIR_RE\)/$MARKER\$#\1#p" "$1" | sort -r
}
