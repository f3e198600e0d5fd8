// Stack config for agents (`agents`, a list). Bounds follow the MCPAgent CRD, so one entry
// works in either mode.
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import {
    affinity,
    cidr,
    dnsLabel,
    dnsSubdomain,
    imagePullPolicy,
    imagePullSecrets,
    nodeSelector,
    pinnedImage,
    port,
    quantity,
    toleration,
    scrapeSettings,
    withDefaultResources,
} from "./k8s-schemas";
import { noMetricsReason } from "../k8s/metrics";
import { RESERVED_NAMES } from "../k8s/names";
import { accessMode, SHARED_VOLUMES, SINGLE_NODE_MODES } from "./storage";

/** The released python runtime (ENTRYPOINT python, WORKDIR /app, uid 999). */
export const AGENT_IMAGE = "mcpmesh/python-runtime:3.7";
/** The MCPAgent CRD's bound on spec.replicas. */
export const MAX_AGENT_REPLICAS = 100;
/** A ConfigMap holds at most 1 MiB. */
const CONFIGMAP_LIMIT = 1024 * 1024;

/** Variables the program sets from the registry and the agent's Service; config may not override them. */
export const WIRED_ENV = ["MCP_MESH_REGISTRY_URL", "MCP_MESH_AGENT_NAME", "MCP_MESH_HTTP_HOST", "MCP_MESH_HTTP_PORT", "HOST", "POD_IP"];

/**
 * The shared agent settings (ConfigMap `mcp-agent-config`) and their values: the runtime's
 * defaults. `agents[i].env` may override them per agent; a secret (`secretEnv`) may not: the
 * container would get the variable twice, once from the ConfigMap.
 */
export const SHARED_AGENT_SETTINGS: Readonly<Record<string, string>> = {
    MCP_MESH_LOG_LEVEL: "INFO",
    MCP_MESH_DEBUG_MODE: "false",
    PYTHONUNBUFFERED: "1",
    // The root filesystem and the code volume are read-only.
    PYTHONDONTWRITEBYTECODE: "1",
};

/** The directory holding Pulumi.yaml; `code` paths are relative to it. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return process.cwd();
        }
    }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME_RULE = "must be an environment variable name (letters, digits and '_', not starting with a digit)";
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

const envName = z.string().regex(ENV_NAME, { error: ENV_NAME_RULE });

const agentName = dnsLabel
    .regex(/^[a-z]/, { error: "must start with a letter (it names the agent's Service)" })
    .refine((name) => !RESERVED_NAMES.includes(name), {
        error: `must not be one of ${RESERVED_NAMES.join(", ")} (used by the mesh itself)`,
    });

const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
    error: 'must be a semantic version such as "1.0.0"',
});

const constraintPart = String.raw`\s*(?:>=|<=|==|!=|~=|>|<|=|~|\^)?\s*\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?\s*`;
const versionConstraint = z.string().regex(new RegExp(`^${constraintPart}(?:,${constraintPart})*$`), {
    error: 'must be a version or constraint such as "2.0.0", ">=3.0.0" or ">=1.0,<2.0"',
});

const capabilityName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, {
    error: "must be a capability name (letters, digits, '_', '-', '.')",
});

const capability = z.strictObject({
    name: capabilityName,
    version: semver.optional(),
    description: z.string().min(1).optional(),
    /** Call timeout in seconds (the CRD allows 1–3600). */
    timeout: z.number().int().min(1).max(3600).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
});

const dependency = z.strictObject({
    name: capabilityName,
    version: versionConstraint.optional(),
    optional: z.boolean().default(false),
});

const replicaCount = z.number().int().min(0).max(MAX_AGENT_REPLICAS);
const scaledCount = z.number().int().min(1).max(MAX_AGENT_REPLICAS);

const envValue = z.union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" }).transform(String);

type CodeCheck = { ok: true; source: AgentSource } | { ok: false; message: string };

function readCode(value: string): CodeCheck {
    const relative = path.posix.normalize(value.replace(/\\/g, "/"));
    if (path.isAbsolute(value) || relative.startsWith("/")) {
        return {
            ok: false,
            message: "must be a path relative to the project root (the directory holding Pulumi.yaml), e.g. agents/hello_world.py",
        };
    }
    if (relative === ".." || relative.startsWith("../")) {
        return { ok: false, message: "must be a file inside this repository" };
    }
    if (!relative.endsWith(".py")) {
        return { ok: false, message: "must be a Python file (.py)" };
    }
    const fileName = path.posix.basename(relative);
    if (!CONFIGMAP_KEY.test(fileName)) {
        return { ok: false, message: "must have a file name usable as a ConfigMap key (letters, digits, '-', '_', '.')" };
    }
    const absolute = path.join(PROJECT_ROOT, relative);
    if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
        return {
            ok: false,
            message: "must be an existing file in this repository (paths are relative to the directory holding Pulumi.yaml)",
        };
    }
    const content = fs.readFileSync(absolute, "utf8");
    if (Buffer.byteLength(content) > CONFIGMAP_LIMIT) {
        return {
            ok: false,
            message: "is larger than 1 MiB, the most a ConfigMap holds; use scriptConfigMap or bake the code into the image",
        };
    }
    return { ok: true, source: { kind: "code", path: relative, fileName, content } };
}

const agentFields = z.strictObject({
    /** DNS-1123 label starting with a letter; names the Deployment, Service and MCPAgent. */
    name: agentName,
    /** `deployment`: this program runs the pods; `customResource`: an MCPAgent for a controller. */
    mode: z.enum(["deployment", "customResource"]).default("deployment"),
    image: pinnedImage.default(AGENT_IMAGE),
    imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
    /** Image pull Secrets (names of Secrets you create) for this agent's pods, after the stack's `imagePullSecrets`. */
    imagePullSecrets: imagePullSecrets.default([]),
    /** Pods (0–100, as the CRD allows). Default 1. Not with `autoscaling` (the HPA decides). */
    replicas: replicaCount.optional(),
    /** A Python file in this repository, relative to the project root; packed into `<name>-code`. */
    code: z
        .string()
        .min(1)
        .superRefine((value, ctx) => {
            const checked = readCode(value);
            if (!checked.ok) {
                ctx.addIssue({ code: "custom", input: value, message: checked.message });
            }
        })
        .optional(),
    /** An existing ConfigMap holding the code (instead of `code`); `script` names the file in it. */
    scriptConfigMap: dnsSubdomain.optional(),
    script: z.string().regex(CONFIGMAP_KEY, { error: "must be a file name inside the ConfigMap (a ConfigMap key)" }).optional(),
    capabilities: z.array(capability).default([]),
    dependencies: z.array(dependency).default([]),
    resources: withDefaultResources({
        requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "128Mi" },
        limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "512Mi" },
    }),
    /** Plain environment variables. */
    env: z.record(z.string(), envValue).default({}),
    /** Names of variables whose values come from encrypted config `agentSecrets.<agent>.<NAME>`. */
    secretEnv: z.array(envName).default([]),
    autoscaling: z
        .strictObject({
            minReplicas: scaledCount.default(1),
            maxReplicas: scaledCount,
            targetCPUUtilizationPercentage: z.number().int().min(1).max(100).default(80),
        })
        .optional(),
    nodeSelector: nodeSelector.default({}),
    tolerations: z.array(toleration).default([]),
    /** Replaces the generated spread (anti-affinity on nodes) when set. */
    affinity: affinity.optional(),
    service: z
        .strictObject({
            type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
            /** The agent's HTTP port: container, Service and MCP_MESH_HTTP_PORT alike. */
            port: port.default(8080),
            annotations: z.record(z.string(), z.string()).default({}),
        })
        .prefault({}),
    /**
     * Where the agent may connect outside the mesh (an LLM API, a database): CIDR blocks and
     * ports, added to the agent's own NetworkPolicy (the namespace denies all other egress).
     */
    egress: z
        .array(
            z.strictObject({
                cidrs: z.array(cidr).min(1),
                // At least one: no all-ports rule.
                ports: z.array(port).min(1),
                protocol: z.enum(["TCP", "UDP"]).default("TCP"),
            }),
        )
        .default([]),
    /** A workspace volume of the agent's own, mounted at /app/workspace. */
    persistence: z
        .strictObject({
            enabled: z.boolean().default(true),
            size: quantity.default("1Gi"),
            storageClass: dnsSubdomain.optional(),
            accessMode: accessMode.default("ReadWriteOnce"),
        })
        .optional(),
    /** Shared volumes from `storage` to mount (at /shared/<key>). */
    sharedStorage: z.array(z.enum(SHARED_VOLUMES)).default([]),
    monitoring: z.strictObject(scrapeSettings).prefault({}),
});

type AgentFields = z.output<typeof agentFields>;

/** Where the agent's code comes from, resolved. */
export type AgentSource =
    | { kind: "code"; /** Path relative to the project root. */ path: string; fileName: string; content: string }
    | { kind: "configMap"; configMap: string; fileName: string };

type Ctx = z.core.$RefinementCtx<AgentFields>;

function issue(ctx: Ctx, path: PropertyKey[], input: unknown, message: string): void {
    ctx.addIssue({ code: "custom", path, input, message });
}

/** Rules between fields of one agent. */
function checkAgent(agent: AgentFields, ctx: Ctx): void {
    const viaConfigMap = agent.scriptConfigMap !== undefined || agent.script !== undefined;
    if (agent.code !== undefined && viaConfigMap) {
        issue(ctx, ["code"], agent.code, "set exactly one of code (a file in this repository) or scriptConfigMap with script, not both");
    } else if (agent.code === undefined && !viaConfigMap) {
        issue(
            ctx,
            ["code"],
            undefined,
            "is required: a Python file in this repository (e.g. agents/hello_world.py), or set scriptConfigMap and script instead",
        );
    } else if (agent.scriptConfigMap !== undefined && agent.script === undefined) {
        issue(ctx, ["script"], undefined, "is required with scriptConfigMap: the file name inside that ConfigMap");
    } else if (agent.script !== undefined && agent.scriptConfigMap === undefined) {
        issue(ctx, ["scriptConfigMap"], undefined, "is required with script: the ConfigMap that holds the file");
    }

    const scaling = agent.autoscaling;
    if (scaling) {
        if (agent.replicas !== undefined) {
            issue(
                ctx,
                ["replicas"],
                agent.replicas,
                "must not be set together with autoscaling (the HorizontalPodAutoscaler decides between minReplicas and maxReplicas); remove one",
            );
        }
        if (scaling.minReplicas > scaling.maxReplicas) {
            issue(ctx, ["autoscaling", "minReplicas"], scaling.minReplicas, `must be <= autoscaling.maxReplicas (${scaling.maxReplicas})`);
        }
        if (agent.mode === "customResource") {
            issue(ctx, ["autoscaling"], scaling, "is only available with mode deployment (the MCPAgent CRD has no autoscaling field)");
        }
    }
    if (agent.mode === "customResource" && agent.egress.length > 0) {
        issue(
            ctx,
            ["egress"],
            agent.egress,
            "is only available with mode deployment (the controller that runs an MCPAgent's pods owns their policies)",
        );
    }
    if (agent.mode === "customResource" && agent.imagePullSecrets.length > 0) {
        issue(
            ctx,
            ["imagePullSecrets"],
            agent.imagePullSecrets,
            "is only available with mode deployment (the MCPAgent CRD has no imagePullSecrets; its controller decides how it pulls)",
        );
    }
    if (agent.mode === "customResource" && agent.sharedStorage.length > 0) {
        issue(
            ctx,
            ["sharedStorage"],
            agent.sharedStorage,
            "is only available with mode deployment (the MCPAgent CRD mounts only its own persistence volume)",
        );
    }

    for (const [key, value] of Object.entries(agent.env)) {
        if (!ENV_NAME.test(key)) {
            issue(ctx, ["env", key], value, `${JSON.stringify(key)} ${ENV_NAME_RULE}`);
        } else if (WIRED_ENV.includes(key)) {
            issue(ctx, ["env", key], value, `${key} is set by the program (from the registry and the agent's Service); remove it`);
        }
    }
    agent.secretEnv.forEach((name, index) => {
        if (WIRED_ENV.includes(name)) {
            issue(ctx, ["secretEnv", index], name, `${name} is set by the program (from the registry and the agent's Service); remove it`);
        } else if (name in SHARED_AGENT_SETTINGS) {
            issue(
                ctx,
                ["secretEnv", index],
                name,
                `${name} is a shared agent setting (mcp-agent-config), not a secret; override it in plain env ` +
                    `(agents[i].env.${name}); secretEnv takes any other variable name (not ${Object.keys(SHARED_AGENT_SETTINGS).join(", ")})`,
            );
        } else if (name in agent.env) {
            issue(ctx, ["secretEnv", index], name, `is also set in env; a variable is either plain (env) or secret (secretEnv)`);
        } else if (agent.secretEnv.indexOf(name) !== index) {
            issue(ctx, ["secretEnv", index], name, "is listed twice");
        }
    });
    agent.sharedStorage.forEach((volume, index) => {
        if (agent.sharedStorage.indexOf(volume) !== index) {
            issue(ctx, ["sharedStorage", index], volume, "is listed twice");
        }
    });

    const noMetrics = noMetricsReason(agent.image);
    for (const option of ["scrapeAnnotations", "serviceMonitor"] as const) {
        if (noMetrics && agent.monitoring[option]) {
            issue(ctx, ["monitoring", option], true, noMetrics);
        }
    }

    const persistence = agent.persistence;
    if (persistence?.enabled && SINGLE_NODE_MODES.includes(persistence.accessMode) && maxPods(agent) > 1) {
        issue(
            ctx,
            ["persistence", "accessMode"],
            persistence.accessMode,
            `cannot serve ${maxPods(agent)} pods spread over nodes; use ReadWriteMany, or run one replica`,
        );
    }
}

/** The most pods the agent runs at once (outside a rollout). */
export function maxPods(agent: Pick<AgentFields, "replicas" | "autoscaling">): number {
    return agent.autoscaling?.maxReplicas ?? agent.replicas ?? 1;
}

function resolve(agent: AgentFields) {
    const { code, scriptConfigMap, script, replicas, ...rest } = agent;
    let source: AgentSource;
    if (code !== undefined) {
        const checked = readCode(code);
        // checkAgent rejected unreadable files; a file that vanished in between fails loudly.
        if (!checked.ok) {
            throw new Error(`agents: ${code} ${checked.message}`);
        }
        source = checked.source;
    } else {
        source = { kind: "configMap", configMap: scriptConfigMap ?? "", fileName: script ?? "" };
    }
    return { ...rest, source, replicas: replicas ?? agent.autoscaling?.minReplicas ?? 1 };
}

export const agentSchema = agentFields.superRefine(checkAgent).transform(resolve);

export const agentsSchema = z.array(agentSchema).superRefine((agents, ctx) => {
    const seen = new Map<string, number>();
    agents.forEach((agent, index) => {
        const name: unknown = agent?.name;
        if (typeof name !== "string") {
            return;
        }
        const first = seen.get(name);
        if (first === undefined) {
            seen.set(name, index);
        } else {
            ctx.addIssue({
                code: "custom",
                path: [index, "name"],
                input: name,
                message: `duplicates agents[${first}].name (agent names must be unique in the stack)`,
            });
        }
    });
});

export type AgentConfig = z.output<typeof agentSchema>;
