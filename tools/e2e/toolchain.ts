// Finds the e2e tools: the user's own where pointed at them, otherwise the ones
// tools/e2e/toolchain.sh builds (once) into the cache directory.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Toolchain {
    pulumi: string;
    /** Directory holding the plugins to install into PULUMI_HOME; absent for a user's own CLI. */
    pluginDir?: string;
    kubectl: string;
    etcd: string;
    kubeApiserver: string;
    kubeControllerManager: string;
    kubeScheduler: string;
    kwok: string;
    kwokStages: string;
    /** cert-manager's CRDs (cert-manager.io_*.yaml), to check the program's Certificates and Issuers against. */
    certManagerCrds: string;
    /** The Prometheus Operator's PrometheusRule CRD (monitoring.coreos.com_prometheusrules.yaml), for the stacks' alerts. */
    prometheusRuleCrd: string;
    cacheDir: string;
}

export function cacheDir(): string {
    return process.env.MCP_MESH_E2E_CACHE ?? path.join(os.homedir(), ".cache", "mcp-mesh-e2e");
}

/**
 * Builds what is missing (printing progress) and returns the tools: the Pulumi CLI and its
 * plugins unless MCP_MESH_E2E_PULUMI names the user's CLI, the control plane unless
 * MCP_MESH_E2E_KUBECONFIG names the user's cluster.
 */
export function buildToolchain(repoRoot: string): Toolchain {
    const userPulumi = process.env.MCP_MESH_E2E_PULUMI;
    if (userPulumi && !fs.existsSync(userPulumi)) {
        throw new Error(`MCP_MESH_E2E_PULUMI=${userPulumi}: no such file`);
    }
    const groups = [...(userPulumi ? [] : ["pulumi"]), ...(process.env.MCP_MESH_E2E_KUBECONFIG ? [] : ["cluster"])];
    if (groups.length > 0) {
        const script = path.join(repoRoot, "tools", "e2e", "toolchain.sh");
        const result = spawnSync("bash", [script, ...groups], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
        if (result.status !== 0) {
            throw new Error(`${script} failed (exit ${result.status}); its output is above`);
        }
    }
    const cache = cacheDir();
    const bin = path.join(cache, "bin");
    return {
        pulumi: userPulumi ?? path.join(bin, "pulumi"),
        pluginDir: userPulumi ? undefined : bin,
        kubectl: process.env.MCP_MESH_E2E_KUBECTL ?? (fs.existsSync(path.join(bin, "kubectl")) ? path.join(bin, "kubectl") : "kubectl"),
        etcd: path.join(bin, "etcd"),
        kubeApiserver: path.join(bin, "kube-apiserver"),
        kubeControllerManager: path.join(bin, "kube-controller-manager"),
        kubeScheduler: path.join(bin, "kube-scheduler"),
        kwok: path.join(bin, "kwok"),
        kwokStages: path.join(cache, "kwok-stages"),
        certManagerCrds: path.join(cache, "cert-manager-crds"),
        prometheusRuleCrd: path.join(cache, "prometheus-operator-crds", "monitoring.coreos.com_prometheusrules.yaml"),
        cacheDir: cache,
    };
}
