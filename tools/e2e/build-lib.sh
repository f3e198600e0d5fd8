# Shared by toolchain.sh and random-provider.sh (sourced): the cache layout, the Go settings
# that keep every build inside it, and progress lines for long builds.
CACHE="${MCP_MESH_E2E_CACHE:-$HOME/.cache/mcp-mesh-e2e}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build-cache" GOPATH="$CACHE/go/path"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Runs a long command, printing a heartbeat every minute so a cold build shows progress.
with_progress() {
    local label=$1 start=$SECONDS next=60
    shift
    "$@" &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sleep 2
        if ((SECONDS - start >= next)) && kill -0 "$pid" 2>/dev/null; then
            log "$label: still building ($((next / 60)) min)"
            next=$((next + 60))
        fi
    done
    wait "$pid"
    log "$label: done in $((SECONDS - start)) s"
}
