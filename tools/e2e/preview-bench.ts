// Wall time of a real `pulumi preview` (the CLI the e2e builds, no cluster needed) of dev,
// prod and a 100-agent stack, each next to a bare program of the same resource count under
// the same CLI. Used by `npm run bench` when the e2e tools are present.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { installPlugins } from "./plugins";
import { copyProject, PulumiCli } from "./pulumi-cli";
import { cacheDir, Toolchain } from "./toolchain";

const BIN = () => path.join(cacheDir(), "bin");

/** The e2e tools if they are built (nothing is built here). */
export function builtToolchain(): Toolchain | undefined {
    const bin = BIN();
    const needed = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"];
    if (!needed.every((name) => fs.existsSync(path.join(bin, name)))) return undefined;
    const unused = "";
    return {
        pulumi: path.join(bin, "pulumi"),
        pluginDir: bin,
        kubectl: unused,
        etcd: unused,
        kubeApiserver: unused,
        kubeControllerManager: unused,
        kubeScheduler: unused,
        kwok: unused,
        kwokStages: unused,
        certManagerCrds: unused,
        prometheusRuleCrd: unused,
        cacheDir: cacheDir(),
    };
}

function agentsStackFile(count: number): string {
    const agents = Array.from({ length: count }, (_, i) => ({
        name: `agent-${String(i).padStart(4, "0")}`,
        code: "agents/hello_world.py",
        replicas: 2,
        capabilities: [{ name: `capability-${i}`, version: "1.0.0" }],
    }));
    return stringify({ config: { "kubernetes:context": "bench", "mcp-mesh:namespace": "mcp-mesh-bench", "mcp-mesh:agents": agents } });
}

function bareProgram(count: number): string {
    return (
        `import * as k8s from "@pulumi/kubernetes";\n` +
        `for (let i = 0; i < ${count}; i++) {\n` +
        `    new k8s.core.v1.ConfigMap(\`bare-\${i}\`, { metadata: { name: \`bare-\${i}\` }, data: { index: String(i) } });\n` +
        `}\n`
    );
}

/** Runs `pulumi preview` once to warm caches, then `runs` times; returns the median ms and the resource count. */
function timePreview(cli: PulumiCli, runs: number): { ms: number; resources: number } {
    const once = () => {
        const started = Date.now();
        const preview = cli.preview();
        return { ms: Date.now() - started, resources: preview.changeSummary.create ?? 0 };
    };
    once();
    const samples = Array.from({ length: runs }, once).sort((a, b) => a.ms - b.ms);
    return samples[Math.floor(samples.length / 2)];
}

export function benchRealPreviews(repoRoot: string, runs: number): string[] {
    const toolchain = builtToolchain();
    if (!toolchain) return [`real pulumi preview: skipped (the e2e tools are not built; npm run e2e builds them)`];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-bench-"));
    installPlugins(new PulumiCli(toolchain, repoRoot, "none", path.join(dir, "plugins-state")), BIN(), repoRoot);
    const lines = [`real pulumi preview (CLI ${toolchain.pulumi}, no cluster, median of ${runs} after one warm-up):`];
    for (const stack of ["dev", "prod", "agents-100"]) {
        const projectDir = path.join(dir, stack, "project");
        const stackFile = stack.startsWith("agents-")
            ? path.join(dir, `${stack}.yaml`)
            : path.join(repoRoot, "tests", "fixtures", "stacks", `Pulumi.${stack}.yaml`);
        if (stack.startsWith("agents-")) fs.writeFileSync(stackFile, agentsStackFile(Number(stack.split("-")[1])));
        copyProject(repoRoot, projectDir, stackFile, stack);
        const program = new PulumiCli(toolchain, projectDir, stack, path.join(dir, stack, "state"));
        program.must(["stack", "init", "--secrets-provider", "passphrase"]);
        const measured = timePreview(program, runs);

        const bareDir = path.join(dir, `${stack}-bare`);
        fs.mkdirSync(bareDir, { recursive: true });
        fs.writeFileSync(path.join(bareDir, "Pulumi.yaml"), "name: bare\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(bareDir, "index.ts"), bareProgram(Math.max(measured.resources - 1, 1)));
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(bareDir, "node_modules"));
        const bare = new PulumiCli(toolchain, bareDir, "bench", path.join(bareDir, "state"));
        bare.must(["stack", "init", "--secrets-provider", "passphrase"]);
        const baseline = timePreview(bare, runs);
        lines.push(
            `  ${stack.padEnd(11)} ${String(measured.resources).padStart(5)} resources ${String(measured.ms).padStart(7)} ms` +
                `   bare program ${String(baseline.resources).padStart(5)} resources ${String(baseline.ms).padStart(7)} ms`,
        );
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return lines;
}
