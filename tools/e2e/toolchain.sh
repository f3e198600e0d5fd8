#!/usr/bin/env bash
# Builds the e2e toolchain once, from package registries only, into a cache directory outside
# the clone: the Pulumi CLI, its Node.js language host, the kubernetes provider plugin, etcd,
# the Kubernetes control plane and kubectl, and kwok. Every later run (and CI on the same
# machine) finds the binaries and returns in seconds. Versions and traps: README "End to end".
#
#   tools/e2e/toolchain.sh [pulumi] [cluster]   build what is missing (default: both groups)
#   MCP_MESH_E2E_CACHE=<dir>                    cache directory (default ~/.cache/mcp-mesh-e2e)
set -euo pipefail

PULUMI_VERSION=v3.248.0
LANGUAGE_HOST_SDK_VERSION=v3.68.0 # last sdk/v3 that holds the host as a package the proxy serves
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199 # = tag v4.25.0, the one the proxy serves
K8S_PROVIDER_SDK_VERSION=v4.25.0
KUBERNETES_VERSION=v1.34.4
ETCD_VERSION=v3.6.5
KWOK_VERSION=v0.8.0
CERT_MANAGER_VERSION=v1.21.2 # only its CRDs, which its Go module ships as plain YAML
# Only the PrometheusRule CRD (plain YAML in its Go module), at the release the alert tests validate against.
PROMETHEUS_OPERATOR_VERSION=$(sed -n 's/^export const PROMETHEUS_OPERATOR_VERSION = "\(v[0-9][0-9.]*\)";$/\1/p' "$(dirname "$0")/../../tests/support/prometheus-tools.ts")

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=build-lib.sh
source "$HERE/build-lib.sh"

# A binary counts as built only with a stamp naming the version it was built from.
built() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$BIN/.$1.version"; }

# A wrapper module: go.mod requiring the module at a version (plus replaces), tools.go importing
# the main packages so `go mod tidy` keeps their dependencies.
wrapper_module() {
    local dir=$1 module=$2 version=$3
    shift 3
    rm -rf "$dir" && mkdir -p "$dir"
    printf 'module wrapper\n\ngo 1.24\n\nrequire %s %s\n' "$module" "$version" >"$dir/go.mod"
    {
        printf '//go:build tools\n\npackage tools\n\nimport (\n'
        local pkg
        for pkg in "$@"; do printf '\t_ "%s"\n' "$pkg"; done
        printf ')\n'
    } >"$dir/tools.go"
}

build_pulumi() {
    built pulumi "$PULUMI_VERSION" && return
    log "pulumi $PULUMI_VERSION: building (10-20 min cold on 2 cores)"
    local dir="$WORK/pulumi"
    wrapper_module "$dir" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    # pkg/v3's own non-local replace; go ignores a dependency's replaces, so repeat it.
    printf '\nreplace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e\n' >>"$dir/go.mod"
    (cd "$dir" && go mod tidy >/dev/null 2>&1 || (cd "$dir" && go mod tidy))
    with_progress pulumi bash -c "cd '$dir' && go build -trimpath -ldflags '-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION' -o '$BIN/pulumi' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
    stamp pulumi "$PULUMI_VERSION"
}

build_language_host() {
    # The stamp covers our RunPlugin, so editing it rebuilds the host.
    local stamp_value
    stamp_value="$LANGUAGE_HOST_SDK_VERSION+runplugin-$(sha256sum "$HERE/language-host/run_plugin.go" | cut -c1-12)"
    built pulumi-language-nodejs "$stamp_value" && return
    log "pulumi-language-nodejs (sdk $LANGUAGE_HOST_SDK_VERSION, with RunPlugin for policy packs): building (~1 min)"
    local dir="$WORK/language-nodejs" src
    src=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$LANGUAGE_HOST_SDK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$dir" && mkdir -p "$dir/host"
    printf 'module wrapper\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n\nreplace golang.org/x/text => golang.org/x/text v0.3.6\n' \
        "$LANGUAGE_HOST_SDK_VERSION" >"$dir/go.mod"
    # The host's own package, beside our RunPlugin; its stub now calls ours.
    find "$src/nodejs/cmd/pulumi-language-nodejs" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$dir/host/" \;
    chmod u+w "$dir/host/"*.go
    cp "$HERE/language-host/run_plugin.go" "$dir/host/"
    grep -q 'return errors.New("not supported")' "$dir/host/main.go" || { log "pulumi-language-nodejs: RunPlugin stub not found"; exit 1; }
    sed -i 's/return errors.New("not supported")/return runPlugin(req, server)/' "$dir/host/main.go"
    (cd "$dir" && go mod tidy)
    with_progress pulumi-language-nodejs bash -c "cd '$dir' && go build -trimpath -o '$BIN/pulumi-language-nodejs' ./host"
    stamp pulumi-language-nodejs "$stamp_value"
}

build_kubernetes_provider() {
    built pulumi-resource-kubernetes "$K8S_PROVIDER_MODULE_VERSION" && return
    log "pulumi-resource-kubernetes ($K8S_PROVIDER_SDK_VERSION): building (12-21 min cold)"
    local module=github.com/pulumi/pulumi-kubernetes/provider/v4 src dir="$WORK/kubernetes-provider"
    src=$(go mod download -json "$module@$K8S_PROVIDER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$dir" && cp -r "$src" "$dir" && chmod -R u+w "$dir"
    # The module replaces its SDK with ../sdk, which is not part of the module: use the published one.
    (cd "$dir" && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
        -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@$K8S_PROVIDER_SDK_VERSION")
    # main.go embeds minified copies of the committed schema and terraform mapping (generated files).
    local cmd="$dir/cmd/pulumi-resource-kubernetes"
    node -e 'const fs=require("fs");for(const [a,b] of [["schema.json","schema-embed.json"],["terraform-mapping.json","terraform-mapping-embed.json"]]){const p=process.argv[1]+"/";if(fs.existsSync(p+a))fs.writeFileSync(p+b,JSON.stringify(JSON.parse(fs.readFileSync(p+a,"utf8"))));}' "$cmd"
    (cd "$dir" && go mod tidy)
    with_progress pulumi-resource-kubernetes bash -c "cd '$dir' && go build -trimpath -ldflags '-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${K8S_PROVIDER_SDK_VERSION#v}' -o '$BIN/pulumi-resource-kubernetes' ./cmd/pulumi-resource-kubernetes"
    stamp pulumi-resource-kubernetes "$K8S_PROVIDER_MODULE_VERSION"
}

build_kubernetes() {
    local all=1 b
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do built "$b" "$KUBERNETES_VERSION" || all=0; done
    [ "$all" = 1 ] && return
    log "kubernetes $KUBERNETES_VERSION: building kube-apiserver (~20 min cold), then controller-manager, scheduler, kubectl"
    local dir="$WORK/kubernetes" src
    src=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    wrapper_module "$dir" k8s.io/kubernetes "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-apiserver \
        k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
    # kubernetes replaces its staging modules with ./staging/...: use the published v0.x of each;
    # the two the proxy refuses are imported by nothing we build, so empty local stubs stand in.
    local staging_version="v0${KUBERNETES_VERSION#v1}" name
    for name in $(sed -n 's#^\s*k8s.io/\([a-z0-9-]*\) => ./staging/.*#\1#p' "$src/go.mod"); do
        case "$name" in
        sample-cli-plugin | sample-controller)
            mkdir -p "$dir/stubs/$name" && printf 'module k8s.io/%s\n\ngo 1.24\n' "$name" >"$dir/stubs/$name/go.mod"
            printf 'replace k8s.io/%s => ./stubs/%s\n' "$name" "$name" >>"$dir/go.mod"
            ;;
        *) printf 'replace k8s.io/%s => k8s.io/%s %s\n' "$name" "$name" "$staging_version" >>"$dir/go.mod" ;;
        esac
    done
    cp "$src/go.sum" "$dir/go.sum" && chmod u+w "$dir/go.sum"
    (cd "$dir" && go mod tidy)
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        built "$b" "$KUBERNETES_VERSION" && continue
        with_progress "$b" bash -c "cd '$dir' && go build -trimpath -o '$BIN/$b' k8s.io/kubernetes/cmd/$b"
        stamp "$b" "$KUBERNETES_VERSION"
    done
}

build_etcd() {
    built etcd "$ETCD_VERSION" && return
    log "etcd $ETCD_VERSION: building (~1-2 min)"
    local dir="$WORK/etcd"
    wrapper_module "$dir" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
    (cd "$dir" && go mod tidy)
    with_progress etcd bash -c "cd '$dir' && go build -trimpath -o '$BIN/etcd' go.etcd.io/etcd/server/v3"
    stamp etcd "$ETCD_VERSION"
}

build_kwok() {
    built kwok "$KWOK_VERSION" && [ -d "$CACHE/kwok-stages" ] && return
    log "kwok $KWOK_VERSION: building (~3 min)"
    local src
    src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    with_progress kwok go build -C "$src" -trimpath -o "$BIN/kwok" ./cmd/kwok
    rm -rf "$CACHE/kwok-stages" && cp -r "$src/kustomize/stage" "$CACHE/kwok-stages" && chmod -R u+w "$CACHE/kwok-stages"
    stamp kwok "$KWOK_VERSION"
}

# The CLI runs dynamic providers (tls.source=pulumi's CA, the settings guard) through the plugin
# a CLI release bundles beside it (it does not look on PATH with PULUMI_IGNORE_AMBIENT_PLUGINS);
# @pulumi/pulumi ships the same launcher, which runs the SDK's dynamic-provider host.
install_dynamic_provider() {
    local launcher="$HERE/../../node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
    [ -f "$launcher" ] || { log "npm ci first: $launcher is missing" && exit 1; }
    install -m 0755 "$launcher" "$BIN/pulumi-resource-pulumi-nodejs"
}

fetch_cert_manager_crds() {
    [ "$(cat "$CACHE/cert-manager-crds/.version" 2>/dev/null)" = "$CERT_MANAGER_VERSION" ] && return
    log "cert-manager $CERT_MANAGER_VERSION CRDs: downloading its Go module (~1 min)"
    local src
    src=$(go mod download -json "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$CACHE/cert-manager-crds" && mkdir -p "$CACHE/cert-manager-crds"
    cp "$src"/deploy/crds/cert-manager.io_*.yaml "$CACHE/cert-manager-crds/"
    echo "$CERT_MANAGER_VERSION" >"$CACHE/cert-manager-crds/.version"
}

fetch_prometheus_rule_crd() {
    [ -n "$PROMETHEUS_OPERATOR_VERSION" ] || { log "no PROMETHEUS_OPERATOR_VERSION in tests/support/prometheus-tools.ts"; exit 1; }
    [ "$(cat "$CACHE/prometheus-operator-crds/.version" 2>/dev/null)" = "$PROMETHEUS_OPERATOR_VERSION" ] && return
    log "prometheus-operator $PROMETHEUS_OPERATOR_VERSION PrometheusRule CRD: downloading its Go module (~1 min)"
    local src
    src=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$CACHE/prometheus-operator-crds" && mkdir -p "$CACHE/prometheus-operator-crds"
    cp "$src/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" "$CACHE/prometheus-operator-crds/"
    echo "$PROMETHEUS_OPERATOR_VERSION" >"$CACHE/prometheus-operator-crds/.version"
}

start=$SECONDS
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(cluster pulumi)
for group in "${groups[@]}"; do
    case "$group" in
    cluster) build_etcd && build_kwok && build_kubernetes && fetch_cert_manager_crds && fetch_prometheus_rule_crd ;;
    pulumi)
        install_dynamic_provider && build_language_host && build_pulumi && build_kubernetes_provider
        # No registry serves the random provider plugin; its recipe builds one from the
        # Terraform bridge and terraform-provider-random, which the Go proxy does serve.
        "$HERE/random-provider.sh" >/dev/null
        ;;
    *) log "unknown group $group (pulumi, cluster)" && exit 2 ;;
    esac
done
log "toolchain ready in $BIN ($((SECONDS - start)) s)"
echo "$BIN"
