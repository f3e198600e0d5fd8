#!/usr/bin/env bash
# Installs what the object-storage backup tests run, outside the clone (reused across runs):
# - rclone, the client the backup image ships, built from the Go module proxy at the version
#   the pinned image's tag names (RCLONE_IMAGE in components/config/object-storage.ts), into
#   $tools/rclone-v<version>/rclone. The first build takes 10+ minutes on 2 cores.
# - moto's S3 server (PyPI moto[server]), independent of rclone: a venv holding exactly the
#   lock tests/object-store/requirements.txt (--require-hashes), named after the lock's sha256.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=${MCP_MESH_TOOLS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-mesh-tools}
version=$(sed -n 's/^export const RCLONE_IMAGE = "rclone\/rclone:\([0-9][0-9.]*\)".*/\1/p' components/config/object-storage.ts)
[ -n "$version" ] || { echo "object-store-tools: no RCLONE_IMAGE tag in components/config/object-storage.ts" >&2; exit 1; }
rclone_dir=$tools/rclone-v$version
if [ ! -x "$rclone_dir/rclone" ]; then
    rm -rf "$rclone_dir.tmp"
    mkdir -p "$rclone_dir.tmp"
    # Release builds leave the version suffix empty ("v1.76.0", not "v1.76.0-DEV").
    CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN=$rclone_dir.tmp go install -trimpath \
        -ldflags "-s -w -X github.com/rclone/rclone/fs.VersionSuffix=" "github.com/rclone/rclone@v$version"
    rm -rf "$rclone_dir"
    mv "$rclone_dir.tmp" "$rclone_dir"
fi
echo "object-store client: $("$rclone_dir/rclone" version | sed -n 1p)"

requirements=tests/object-store/requirements.txt
lock=$(sha256sum "$requirements" | cut -c1-12)
venv=$tools/moto-venv-$lock
python=${PYTHON:-python3}
if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    mkdir -p "$tools"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --require-hashes --no-deps -r "$requirements"
    "$venv/bin/python" -m pip check --disable-pip-version-check
    touch "$venv/.complete"
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("object-store server: moto", m.version("moto"))'
echo "object-store venv: $venv"
