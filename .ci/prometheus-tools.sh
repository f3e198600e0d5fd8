#!/usr/bin/env bash
# Installs what the alert tests (tests/alerts/) run, outside the clone (reused across runs):
# - the PrometheusRule CRD of the Prometheus Operator release PROMETHEUS_OPERATOR_VERSION in
#   tests/support/prometheus-tools.ts, from its Go module, into
#   $tools/prometheus-operator-<version>/monitoring.coreos.com_prometheusrules.yaml;
# - Prometheus's own PromQL parser and engine as a test binary (tests/promql, `go test -c`),
#   into $tools/promql-<sha256 of go.sum and the Go source>/promql.test. A few minutes on 2 cores, once.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=${MCP_MESH_TOOLS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-mesh-tools}
version=$(sed -n 's/^export const PROMETHEUS_OPERATOR_VERSION = "\(v[0-9][0-9.]*\)";$/\1/p' tests/support/prometheus-tools.ts)
[ -n "$version" ] || { echo "prometheus-tools: no PROMETHEUS_OPERATOR_VERSION in tests/support/prometheus-tools.ts" >&2; exit 1; }
crd_dir=$tools/prometheus-operator-$version
if [ ! -f "$crd_dir/monitoring.coreos.com_prometheusrules.yaml" ]; then
    src=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] || { echo "prometheus-tools: go mod download gave no Dir for prometheus-operator@$version" >&2; exit 1; }
    mkdir -p "$crd_dir.tmp"
    cp "$src/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" "$crd_dir.tmp/"
    rm -rf "$crd_dir"
    mv "$crd_dir.tmp" "$crd_dir"
fi
echo "PrometheusRule CRD: $crd_dir"

hash=$(cat tests/promql/go.sum tests/promql/go.mod tests/promql/promql_test.go | sha256sum | cut -c1-12)
promql_dir=$tools/promql-$hash
if [ ! -x "$promql_dir/promql.test" ]; then
    rm -rf "$promql_dir.tmp"
    mkdir -p "$promql_dir.tmp"
    (cd tests/promql && GOFLAGS=-buildvcs=false go test -c -trimpath -o "$promql_dir.tmp/promql.test" .)
    rm -rf "$promql_dir"
    mv "$promql_dir.tmp" "$promql_dir"
fi
echo "PromQL parser and engine: $promql_dir/promql.test"
