#!/usr/bin/env bash
# Installs the contract tests' Python runtime: a venv outside the clone (reused across runs)
# holding exactly the lock tests/contract/requirements.txt (every package pinned, with hashes,
# installed with --require-hashes). The venv is named after the lock's sha256, so a changed
# lock gets a fresh venv (nothing left over from an older set) and clones on another lock keep
# theirs. The registry binary comes from npm (devDependency @mcpmesh/cli-linux-x64, npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

home=${MCP_MESH_CONTRACT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-mesh-contract}
requirements=tests/contract/requirements.txt
lock=$(sha256sum "$requirements" | cut -c1-12)
venv=$home/venv-$lock
python=${PYTHON:-python3}

if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    mkdir -p "$home"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --require-hashes --no-deps -r "$requirements"
    "$venv/bin/python" -m pip check --disable-pip-version-check
    touch "$venv/.complete"
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("contract runtime:", *(f"{p} {m.version(p)}" for p in ("mcp-mesh", "mcp-mesh-core")))'
echo "contract venv: $venv"
