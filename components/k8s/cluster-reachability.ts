// Whether the cluster a stack deploys to can be reached, for a preview: with no cluster, the
// kubernetes provider previews from inputs alone and shows a plausible plan ("+ 26 to create")
// that says nothing about the change to the real cluster. Synchronous on purpose: the program
// is, and a warning must reach the CLI before the preview ends.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";

export interface ClusterSettings {
    /** `kubernetes:kubeconfig`: a path or the kubeconfig's own text. */
    kubeconfig?: string;
    /** `kubernetes:context`; default: the kubeconfig's current-context. */
    context?: string;
    env?: NodeJS.ProcessEnv;
    /** Milliseconds to wait for a TCP connection to the API server. */
    timeoutMs?: number;
}

/** The parts of a kubeconfig this reads (anything else in it is left alone). */
const kubeconfigSchema = z.looseObject({
    "current-context": z.string().optional(),
    contexts: z
        .array(z.looseObject({ name: z.string(), context: z.looseObject({ cluster: z.string().optional() }).optional() }))
        .optional(),
    clusters: z.array(z.looseObject({ name: z.string(), cluster: z.looseObject({ server: z.string().optional() }).optional() })).optional(),
});
type Kubeconfig = z.output<typeof kubeconfigSchema>;

function readKubeconfig(text: string): Kubeconfig {
    const parsed = kubeconfigSchema.safeParse(parse(text) ?? {});
    return parsed.success ? parsed.data : {};
}

function kubeconfigSources(settings: ClusterSettings): { name: string; text: string }[] {
    const env = settings.env ?? process.env;
    if (settings.kubeconfig) {
        const isPath = !settings.kubeconfig.includes("\n") && fs.existsSync(settings.kubeconfig);
        return [
            {
                name: isPath ? settings.kubeconfig : "kubernetes:kubeconfig",
                text: isPath ? fs.readFileSync(settings.kubeconfig, "utf8") : settings.kubeconfig,
            },
        ];
    }
    const files = env.KUBECONFIG
        ? env.KUBECONFIG.split(path.delimiter).filter(Boolean)
        : [path.join(env.HOME ?? os.homedir(), ".kube", "config")];
    return files.filter((file) => fs.existsSync(file)).map((file) => ({ name: file, text: fs.readFileSync(file, "utf8") }));
}

/** The API server URL of the context, or why there is none. */
export function apiServer(settings: ClusterSettings): { server: string; context: string } | { problem: string } {
    const sources = kubeconfigSources(settings);
    if (sources.length === 0) {
        return { problem: "no kubeconfig (KUBECONFIG unset or naming no file, and no ~/.kube/config)" };
    }
    const configs = sources.map((source) => readKubeconfig(source.text));
    const context = settings.context ?? configs.find((config) => config["current-context"])?.["current-context"];
    if (!context) {
        return { problem: `no kubernetes:context set and no current-context in ${sources.map((s) => s.name).join(", ")}` };
    }
    const entry = configs.flatMap((config) => config.contexts ?? []).find((c) => c.name === context);
    if (!entry) {
        return { problem: `context ${context} is not in ${sources.map((s) => s.name).join(", ")}` };
    }
    const cluster = configs.flatMap((config) => config.clusters ?? []).find((c) => c.name === entry.context?.cluster);
    const server = cluster?.cluster?.server;
    if (!server) {
        return { problem: `context ${context} names cluster ${entry.context?.cluster ?? "(none)"}, which has no server` };
    }
    return { server, context };
}

const CONNECT = `
const net = require("net");
const url = new URL(process.argv[1]);
const socket = net.connect({ host: url.hostname.replace(/^\\[|\\]$/g, ""), port: Number(url.port || (url.protocol === "http:" ? 80 : 443)) });
socket.setTimeout(Number(process.argv[2]), () => { console.error("no answer within " + process.argv[2] + " ms"); process.exit(1); });
socket.on("connect", () => { socket.end(); process.exit(0); });
socket.on("error", (error) => { console.error(error.message); process.exit(1); });
`;

/** Why the stack's cluster cannot be reached, or undefined when its API server accepts a connection. */
export function clusterProblem(settings: ClusterSettings): string | undefined {
    const found = apiServer(settings);
    if ("problem" in found) {
        return found.problem;
    }
    const timeoutMs = settings.timeoutMs ?? 10_000;
    const result = spawnSync(process.execPath, ["-e", CONNECT, found.server, String(timeoutMs)], {
        encoding: "utf8",
        timeout: timeoutMs + 10_000,
    });
    if (result.status === 0) {
        return undefined;
    }
    return `cannot reach ${found.server} (context ${found.context}): ${(result.stderr || result.error?.message || "no answer").trim()}`;
}
