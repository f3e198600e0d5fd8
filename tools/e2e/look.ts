// `npm run look -- [--stack dev|prod]`: a deployed stack to look at, without a cluster. Deploys
// the example stack (Pulumi.<stack>.yaml) with the real Pulumi CLI onto the loopback control
// plane the e2e builds, leaves it running, and prints how to reach it and how to tear it down.
// The control plane is real (etcd, kube-apiserver, controller-manager, scheduler); its nodes are
// kwok's: pods are scheduled and reported Ready, but no container runs on them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startCluster } from "./cluster";
import { Kubectl, podCreationRefusal } from "./kube";
import { installPlugins } from "./plugins";
import { cliWords, copyProject, PulumiCli } from "./pulumi-cli";
import { buildToolchain } from "./toolchain";

const repoRoot = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod"];

function stackArgument(argv: string[]): string {
    const at = argv.indexOf("--stack");
    const stack = at >= 0 ? argv[at + 1] : "dev";
    if (stack === undefined || !STACKS.includes(stack)) {
        throw new Error(`--stack ${stack ?? "(missing)"}: one of ${STACKS.join(", ")} (the example stack files Pulumi.<stack>.yaml)`);
    }
    return stack;
}

/** The stack's namespace (mcp-mesh:namespace; the schema's default when unset). */
function namespaceOf(cli: PulumiCli): string {
    return cli.exec(["config", "get", "namespace"]).stdout.trim() || "mcp-mesh";
}

/** The variables the printed commands need, in a file only its owner reads (it holds the stack's passphrase). */
function writeEnvFile(file: string, cli: PulumiCli, kubeconfig: string, tools: string[]): void {
    const names = [
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_HOME",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
        "PULUMI_IGNORE_AMBIENT_PLUGINS",
        "PULUMI_SKIP_UPDATE_CHECK",
    ];
    const lines = names.flatMap((name) => (cli.env[name] !== undefined ? [`export ${name}='${cli.env[name]}'`] : []));
    const bins = [...new Set(tools.filter((tool) => path.isAbsolute(tool)).map((tool) => path.dirname(tool)))];
    lines.push(`export KUBECONFIG='${kubeconfig}'`, `export PATH='${bins.join(":")}':"$PATH"`);
    fs.writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
}

async function main(): Promise<void> {
    const stack = stackArgument(process.argv.slice(2));
    const toolchain = buildToolchain(repoRoot);
    const dir = path.join(os.tmpdir(), `mcp-mesh-look-${stack}`);
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`[look] starting a control plane on loopback (${dir})\n`);
    const cluster = await startCluster(toolchain, path.join(dir, "cluster"));
    const stop = async (code: number): Promise<void> => {
        process.stdout.write("\n[look] stopping the control plane; the stack's state goes with it\n");
        await cluster.stop();
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(code);
    };
    try {
        const projectDir = path.join(dir, "project");
        if (toolchain.pluginDir)
            installPlugins(new PulumiCli(toolchain, repoRoot, "none", path.join(dir, "plugins-state")), toolchain.pluginDir, repoRoot);
        const cli = new PulumiCli(toolchain, projectDir, stack, path.join(dir, "state"));
        const kubectl = new Kubectl(toolchain.kubectl, cluster.kubeconfig, cluster.context);
        copyProject(repoRoot, projectDir, path.join(repoRoot, `Pulumi.${stack}.yaml`), stack);
        cli.must(["stack", "init", "--secrets-provider", "passphrase"]);
        cli.configSet("kubernetes:kubeconfig", cluster.kubeconfig);
        cli.configSet("kubernetes:context", cluster.context);
        const namespace = namespaceOf(cli);
        process.stdout.write(`[look] pulumi up --stack ${stack} (a few minutes)\n`);
        const up = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
        if (up.status !== 0) throw new Error(`pulumi up exited ${up.status}:\n${cliWords(up)}`);
        const envFile = path.join(dir, "env.sh");
        writeEnvFile(envFile, cli, cluster.kubeconfig, [toolchain.pulumi, toolchain.kubectl]);
        process.stdout.write(
            [
                "",
                `[look] stack ${stack} is deployed and stays up until you press Ctrl-C here.`,
                "",
                "The control plane is real (etcd, kube-apiserver, kube-controller-manager, kube-scheduler on loopback),",
                "but its nodes are kwok's fake nodes: pods are scheduled and reported Running and Ready, and NO",
                "container runs. There is no registry, agent or dashboard process to call or open; what you can",
                "look at is every object the stack made, as the server accepted it, and the Pulumi stack itself.",
                "",
                "In another terminal:",
                `  source ${envFile}          # KUBECONFIG, PATH (kubectl, pulumi) and this stack's backend and passphrase`,
                `  cd ${projectDir}`,
                `  kubectl get all,pvc,networkpolicies,configmaps,secrets -n ${namespace}`,
                `  kubectl describe statefulset mcp-mesh-registry -n ${namespace}`,
                `  pulumi stack --stack ${stack}             # resources and outputs`,
                `  pulumi stack output --stack ${stack}`,
                `  pulumi config set --path registry.logLevel INFO --stack ${stack} && pulumi preview --diff --stack ${stack}`,
                "",
                "Tear down: pulumi destroy --stack <stack> (optional), then Ctrl-C here: it stops the control plane and",
                `removes ${dir} (cluster, state and copy).`,
                "",
            ].join("\n"),
        );
        process.once("SIGINT", () => void stop(0));
        process.once("SIGTERM", () => void stop(0));
        // Keep the process (and with it the control plane's daemons) alive until a signal.
        setInterval(() => undefined, 1 << 30);
    } catch (error) {
        process.stderr.write(`[look] ${error instanceof Error ? error.message : String(error)}\n`);
        await stop(1);
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`[look] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
