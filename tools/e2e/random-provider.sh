#!/usr/bin/env bash
# Builds the Pulumi "random" resource provider plugin (pulumi-resource-random) that @pulumi/random
# drives, from modules the Go proxy serves. The official provider module
# (github.com/pulumi/pulumi-random/provider) is not served, so this redoes its recipe from its
# ingredients: terraform-provider-random's Plugin Framework provider, reached through a local shim
# module (random-provider/shim, path under the provider's module prefix so it may import the
# provider's internal package), bridged by pulumi-terraform-bridge/v3. Steps: build the bridge's
# schema generator (pulumi-tfgen-random), run it to write schema.json and bridge-metadata.json,
# then build the plugin that embeds both. Versions are pinned in random-provider/go.mod and go.sum.
#
#   tools/e2e/random-provider.sh      build the plugin if missing, print its path
#   MCP_MESH_E2E_CACHE=<dir>          cache directory (default ~/.cache/mcp-mesh-e2e)
#
# Install it where the engine looks (the SDK asks for a plugin of its own version):
#   pulumi plugin install resource random v4.21.2 --file "$BIN/pulumi-resource-random"
set -euo pipefail

RANDOM_SDK_VERSION=4.21.2 # @pulumi/random the plugin stands in for (also random-provider/provider.go)
BRIDGE_VERSION=v3.120.0   # github.com/pulumi/pulumi-terraform-bridge/v3 (random-provider/go.mod)
TF_RANDOM_VERSION=v1.3.2-0.20240911140632-e546ae44b440 # terraform-provider-random, = tag v3.6.3

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/random-provider"
# shellcheck source=build-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/build-lib.sh"
WORK="$WORK/random-provider"

# The stamp names the versions and a digest of the recipe, so editing the recipe rebuilds.
src_digest() { (cd "$SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12); }
STAMP="pulumi-random $RANDOM_SDK_VERSION: terraform-provider-random $TF_RANDOM_VERSION (v3.6.3), pulumi-terraform-bridge $BRIDGE_VERSION, recipe $(src_digest)"

if [ -x "$BIN/pulumi-resource-random" ] && [ "$(cat "$BIN/.pulumi-resource-random.version" 2>/dev/null)" = "$STAMP" ]; then
    echo "$BIN/pulumi-resource-random"
    exit 0
fi

log "pulumi-resource-random $RANDOM_SDK_VERSION: building (bridge $BRIDGE_VERSION, ~5-10 min cold on 2 cores)"
mkdir -p "$BIN"
rm -rf "$WORK" && mkdir -p "$WORK"
# tfgen looks for the upstream docs by running `go mod download` in ./provider, so the module goes there.
cp -r "$SRC" "$WORK/provider"
gen="$WORK/provider/cmd/pulumi-resource-random"
echo '{}' >"$gen/bridge-metadata.json" # embedded by the generator too; it rewrites the file

with_progress "pulumi-tfgen-random" bash -c "cd '$WORK/provider' && go build -trimpath -o '$WORK/pulumi-tfgen-random' ./cmd/pulumi-tfgen-random"

log "pulumi-tfgen-random: generating schema.json and bridge-metadata.json"
# --skip-examples: converting the HCL examples needs the terraform converter plugin; the docs
# text still comes from the upstream module. The generator warns a lot; keep that in a log.
if ! (cd "$WORK" && ./pulumi-tfgen-random schema --skip-examples --out "$gen") >"$WORK/tfgen.log" 2>&1; then
    tail -40 "$WORK/tfgen.log" >&2
    log "pulumi-tfgen-random failed; full log: $WORK/tfgen.log"
    exit 1
fi
[ -s "$gen/schema.json" ] || { log "pulumi-tfgen-random wrote no schema.json"; exit 1; }

with_progress "pulumi-resource-random" bash -c "cd '$WORK/provider' && go build -trimpath -o '$WORK/pulumi-resource-random' ./cmd/pulumi-resource-random"
[ "$("$WORK/pulumi-resource-random" -version)" = "$RANDOM_SDK_VERSION" ] || { log "pulumi-resource-random: wrong -version"; exit 1; }

mv -f "$WORK/pulumi-resource-random" "$BIN/pulumi-resource-random"
echo "$STAMP" >"$BIN/.pulumi-resource-random.version"
log "pulumi-resource-random: installed $BIN/pulumi-resource-random"
echo "$BIN/pulumi-resource-random"
