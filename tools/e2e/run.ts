// `npm run e2e`: the real Pulumi CLI against a real Kubernetes control plane.
//   npm run e2e                      every stack, on a throwaway control plane built and started here
//   npm run e2e -- --stack dev       one stack
//   MCP_MESH_E2E_KUBECONFIG=<file> MCP_MESH_E2E_CONTEXT=<ctx>   use your cluster instead
//   MCP_MESH_E2E_PULUMI=<path>       use your Pulumi CLI (and its plugins) instead of the built one
//   npm run e2e -- --stack dev --sabotage restricted|rejected|rewritten|no-retain|no-guard   must fail (tools/e2e/sabotage.ts)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cluster, startCluster } from "./cluster";
import { installPlugins } from "./plugins";
import { checkCertManagerObjects } from "./cert-manager-check";
import { checkPolicyPackRefuses } from "./policy-check";
import { checkReadmeEdits } from "./readme-edits";
import { run } from "./processes";
import { PulumiCli } from "./pulumi-cli";
import { Report } from "./report";
import { SABOTAGES } from "./sabotage";
import { ClusterAccess, RunContext, runStack } from "./stack-scenario";
import { stackPlans } from "./stack-plans";
import { buildToolchain } from "./toolchain";

const repoRoot = path.resolve(__dirname, "..", "..");

/** The kubeconfig's current context, named explicitly so every stack pins it. */
function currentContext(kubectl: string, kubeconfig: string): string {
    const result = run(kubectl, ["--kubeconfig", kubeconfig, "config", "current-context"]);
    if (result.status !== 0 || !result.stdout.trim()) {
        throw new Error(`MCP_MESH_E2E_KUBECONFIG=${kubeconfig} has no current context; set MCP_MESH_E2E_CONTEXT`);
    }
    return result.stdout.trim();
}

/** Values of a repeatable `--flag value` option. */
function optionValues(argv: string[], flag: string): string[] {
    return argv.flatMap((arg, i) => (arg === flag && argv[i + 1] ? [argv[i + 1]] : []));
}

async function main(): Promise<number> {
    const started = Date.now();
    const plans = stackPlans(repoRoot);
    const wanted = optionValues(process.argv.slice(2), "--stack");
    const unknown = wanted.filter((stack) => !plans.some((plan) => plan.stack === stack));
    if (unknown.length > 0) {
        throw new Error(`--stack ${unknown.join(", ")}: unknown; the e2e runs ${plans.map((plan) => plan.stack).join(", ")}`);
    }
    const sabotage = optionValues(process.argv.slice(2), "--sabotage")[0];
    if (sabotage !== undefined && !(sabotage in SABOTAGES)) {
        throw new Error(`--sabotage ${sabotage}: unknown; one of ${Object.keys(SABOTAGES).join(", ")}`);
    }
    const toolchain = buildToolchain(repoRoot);
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-e2e-"));
    const report = new Report();
    let cluster: Cluster | undefined;
    const userKubeconfig = process.env.MCP_MESH_E2E_KUBECONFIG;
    const cleanup = () => void cluster?.stop();
    process.once("SIGINT", cleanup);
    process.once("SIGTERM", cleanup);
    try {
        const access: ClusterAccess = userKubeconfig
            ? { kubeconfig: userKubeconfig, context: process.env.MCP_MESH_E2E_CONTEXT ?? currentContext(toolchain.kubectl, userKubeconfig) }
            : await (async () => {
                  process.stdout.write("[e2e] starting a control plane on loopback\n");
                  cluster = await startCluster(toolchain, path.join(runDir, "cluster"));
                  return { kubeconfig: cluster.kubeconfig, context: cluster.context };
              })();
        // The dynamic-provider host the CLI runs beside itself is put there by toolchain.sh.
        const plugins = toolchain.pluginDir
            ? installPlugins(new PulumiCli(toolchain, repoRoot, "none", path.join(runDir, "plugins-state")), toolchain.pluginDir, repoRoot)
            : [];
        process.stdout.write(`[e2e] pulumi ${toolchain.pulumi}; plugins: ${plugins.join(", ") || "the CLI's own"}\n`);
        const context: RunContext = { toolchain, access, runDir, repoRoot, report };
        await checkPolicyPackRefuses(context);
        // It installs and removes cert-manager's CRDs: only on the throwaway control plane.
        if (!userKubeconfig) await checkCertManagerObjects(context);
        if (sabotage === undefined) await checkReadmeEdits(context);
        for (const plan of plans) {
            if (wanted.length === 0 || wanted.includes(plan.stack)) {
                await runStack({ ...plan, sabotage }, context).catch((error: unknown) => {
                    process.stdout.write(`[e2e] ${plan.stack}: stopped: ${error instanceof Error ? error.message : String(error)}\n`);
                });
            }
        }
    } finally {
        await cluster?.stop();
    }
    // A clean run leaves nothing behind; a failed one keeps its logs and scratch copies.
    const passed = report.failed === 0;
    if (passed) fs.rmSync(runDir, { recursive: true, force: true });
    const where = passed ? "scratch removed" : `logs and scratch copies in ${runDir}`;
    process.stdout.write(`\n[e2e] summary (${((Date.now() - started) / 1000).toFixed(0)} s; ${where})\n${report.summary()}\n`);
    return passed ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`[e2e] ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    },
);
