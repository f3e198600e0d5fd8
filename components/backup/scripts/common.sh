# Functions shared by the backup scripts; sourced after they set PROG and EX_*.
# POSIX sh only: runs under busybox ash (alpine) and dash (Debian).

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    die_code=$1
    shift
    warn "error: $*"
    exit "$die_code"
}

# Removes credentials from a libpq connection string or URI before it is logged.
redact_conninfo() {
    printf '%s' "$1" | sed -e 's#^\([A-Za-z][A-Za-z0-9+.-]*://\)[^@/]*@#\1#' \
        -e 's/password=[^& ]*/password=REDACTED/g'
}

# sqlite3 without ~/.sqliterc, which could change the output format checked below.
run_sqlite() {
    sqlite3 -batch -init /dev/null "$@"
}

# RETENTION a positive integer and BACKUP_DIR an existing directory. Not created on purpose: a
# missing directory usually means the backup volume is not mounted, and backups would land on
# the container's disk.
validate_retention_and_dir() {
    case $RETENTION in
        '' | *[!0-9]*) die "$EX_USAGE" "RETENTION must be a positive integer, got '$RETENTION'" ;;
    esac
    [ "$RETENTION" -ge 1 ] || die "$EX_USAGE" "RETENTION must be at least 1, got '$RETENTION'"
    [ -d "$BACKUP_DIR" ] || die "$EX_USAGE" "BACKUP_DIR '$BACKUP_DIR' is not a directory (is the backup volume mounted?)"
}

need_command() {
    command -v "$1" >/dev/null 2>&1 || die "$EX_USAGE" "required command '$1' is not installed"
}

# integrity_check must print exactly "ok", and the file must hold a table.
verify_sqlite_file() {
    integrity=$(run_sqlite "$1" 'PRAGMA integrity_check;') || die "$EX_FAILED" "sqlite3 cannot open '$1' for integrity_check"
    [ "$integrity" = ok ] || die "$EX_FAILED" "integrity_check of '$1' failed: $(printf '%s\n' "$integrity" | head -n 5)"
    tables=$(run_sqlite "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table';") || die "$EX_FAILED" "cannot list tables of '$1'"
    [ "$tables" -ge 1 ] 2>/dev/null || die "$EX_FAILED" "'$1' contains no tables"
}
