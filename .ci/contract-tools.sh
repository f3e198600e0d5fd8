#!/usr/bin/env bash
# Installs the contract tests' Python runtime: a venv outside the clone (reused across runs)
# with the pinned mcp-mesh of tests/contract/requirements.txt. The registry binary comes
# from npm (devDependency @mcpmesh/cli-linux-x64, installed by npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

home=${MCP_MESH_CONTRACT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-mesh-contract}
venv=$home/venv
requirements=tests/contract/requirements.txt
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$home"
    "$python" -m venv "$venv"
fi
# pip is a no-op when the pinned version is already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c 'import importlib.metadata as m; print("contract runtime: mcp-mesh", m.version("mcp-mesh"))'
