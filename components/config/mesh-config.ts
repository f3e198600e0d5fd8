// The stack-config schema (its sections in this folder, cross-section rules here): raw `mcp-mesh:*` config in, a typed and defaulted MeshConfig
// out, or every problem at once as one line each (key path, value, what is allowed).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { dnsLabel, imagePullSecrets, labelValue } from "./k8s-schemas";
import { alertsSchema } from "./alerts";
import { BackupConfig, backupSchema } from "./backup";
import { dashboardSchema } from "./dashboard";
import { formatIssues } from "./errors";
import { AgentConfig, agentsSchema, maxPods } from "./agents";
import { databaseSchema, PostgresConfig as MeshConfigPostgres } from "./database";
import { networkSchema } from "./network";
import { RegistryConfig, registrySchema } from "./registry";
import { TlsConfig, tlsSchema } from "./tls";
import { TracingConfig, tracingSchema } from "./tracing";
import { tracingUnusedSettings } from "./tracing-rules";
import { SHARED_VOLUMES, SharedStorageConfig, sharedStorageSchema, SINGLE_NODE_MODES } from "./storage";
import { AGENT_SECRETS_KEY, agentSecretProblems, AgentSecretValues } from "./agent-secrets";
import { noMetricsReason } from "../k8s/metrics";
import { productionProblems } from "./production";

export const PROJECT = "mcp-mesh";

/** Config keys read with getSecret; their values never reach the plain schema. */
export const SECRET_KEYS = ["databasePassword", AGENT_SECRETS_KEY] as const;

/** The values of the secret config keys, read with getSecret. */
export interface MeshSecrets {
    /** Password of the external PostgreSQL server (database.postgres.mode=external). */
    databasePassword?: pulumi.Output<string>;
    /** Values of the agents' secretEnv variables (encrypted config `agentSecrets`). */
    agentSecrets?: AgentSecretValues;
}

export const meshSchema = z
    .strictObject({
        namespace: dnsLabel.default("mcp-mesh"),
        /**
         * app.kubernetes.io/instance of every object, part of every selector (immutable on a
         * workload). Default: the stack name; set it so `pulumi stack rename` changes nothing.
         */
        instance: labelValue.optional(),
        createNamespace: z.boolean().default(true),
        /** Image pull Secrets (names of Secrets you create in the namespace) for every pod the stack runs. */
        imagePullSecrets: imagePullSecrets.default([]),
        /** The CRD is cluster-wide: a second stack in the same cluster sets this false. */
        installCrds: z.boolean().default(true),
        registry: registrySchema.prefault({}),
        database: databaseSchema.prefault({}),
        network: networkSchema.prefault({}),
        agents: agentsSchema.default([]),
        storage: sharedStorageSchema.prefault({}),
        backup: backupSchema.prefault({}),
        /** MCP Mesh's dashboard (meshui): agents, capabilities, dependencies; port-forward, or an Ingress for `host`. */
        dashboard: dashboardSchema.prefault({}),
        /** Mutual TLS for every mesh connection, and where the certificates come from. */
        tls: tlsSchema.prefault({}),
        /** A Prometheus Operator PrometheusRule on kube-state-metrics: stale backups and drills, failed backup Jobs, registry replicas down. */
        alerts: alertsSchema.prefault({}),
        /** Distributed tracing: a Redis stream the agents publish spans to, read by the registry and the dashboard. */
        tracing: tracingSchema.prefault({}),
        /** Keep the database and backups through `pulumi destroy` and replacements (protect + retainOnDelete). */
        protectData: z.boolean().default(false),
    })
    .superRefine((config, ctx) => {
        const { registry, database } = config;
        checkSharedStorage(config.agents, config.storage, ctx);
        checkTls(config, ctx);
        checkTracingTls(config, ctx);
        if (registry.replicas > 1 && database.type === "sqlite") {
            ctx.addIssue({
                code: "custom",
                path: ["registry", "replicas"],
                input: registry.replicas,
                message: "requires database.type=postgres (SQLite is single-writer; each replica would keep its own diverging database)",
            });
        }
        if (registry.drain.enabled && registry.drain.adminPort === registry.port) {
            ctx.addIssue({
                code: "custom",
                path: ["registry", "drain", "adminPort"],
                input: registry.drain.adminPort,
                message: `must differ from registry.port (${registry.port}): the admin listener is a second, plain-HTTP port`,
            });
        }
        if (registry.heartbeat.evictionThreshold <= registry.heartbeat.timeoutThreshold) {
            ctx.addIssue({
                code: "custom",
                path: ["registry", "heartbeat", "evictionThreshold"],
                input: registry.heartbeat.evictionThreshold,
                message: `must be greater than registry.heartbeat.timeoutThreshold (${registry.heartbeat.timeoutThreshold})`,
            });
        }
        const noMetrics = noMetricsReason(registry.image);
        for (const option of ["scrapeAnnotations", "serviceMonitor"] as const) {
            if (noMetrics && registry.monitoring[option]) {
                ctx.addIssue({
                    code: "custom",
                    path: ["registry", "monitoring", option],
                    input: true,
                    message: noMetrics,
                });
            }
        }
        checkPostgresTls(config.database.postgres, config.tls.enabled, ctx);
        checkObjectStorageUses(config, ctx);
        if (database.type === "postgres" && database.postgres.mode === "external" && !database.postgres.host) {
            ctx.addIssue({
                code: "custom",
                path: ["database", "postgres", "host"],
                input: undefined,
                message: "is required when database.type=postgres and database.postgres.mode=external",
            });
        }
    });

export type MeshConfig = z.output<typeof meshSchema>;

/** The user's mistakes in stack config; Pulumi prints a RunError without a stack trace. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * One line per config key whose secrecy does not match where its value goes: a value set with
 * `--secret` under a plain key would reach a ConfigMap or a plain env var (and state) in clear
 * text, and a secret key set without `--secret` sits in the stack file in clear text.
 * `secretKeys` are the project's keys the runtime marks secret (without the `project:` prefix);
 * `securePaths`, where known (from the stack file), the full paths of the encrypted values, so a
 * line names `agents[0].env.X` rather than `agents`. Values are never printed.
 */
export function misplacedSecrets(setKeys: readonly string[], secretKeys: readonly string[], securePaths: readonly string[] = []): string[] {
    const supported = "secret values go only under agentSecrets.<agent>.<NAME> (declared in agents[i].secretEnv) or databasePassword";
    const secretOnly = (key: string) => SECRET_KEYS.some((secret) => secret === key);
    const under = (key: string) => {
        const paths = securePaths.filter((p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[`));
        return paths.length > 0 ? paths : [key];
    };
    return [
        ...secretKeys
            .filter((key) => !secretOnly(key))
            .flatMap(under)
            .map((key) => `${key}: holds a value set with --secret, which this key would put in plain text; ${supported}`),
        ...setKeys
            .filter((key) => secretOnly(key) && !secretKeys.includes(key))
            .map(
                (key) =>
                    `${key}: set in plain text; set it encrypted: pulumi config set --secret${key === AGENT_SECRETS_KEY ? " --path 'agentSecrets.<agent>.<NAME>'" : ` ${key}`} <value>`,
            ),
    ];
}

export interface SecretPresence {
    /**
     * Secret config keys that the stack sets (their values are not needed to validate),
     * and for `agentSecrets` the paths `agentSecrets.<agent>.<NAME>` it holds.
     */
    secretKeys: readonly string[];
    /** The stack's name, for the rules that depend on it (production stacks run TLS). Default: none. */
    stack?: string;
}

/** Validates raw (already JSON-decoded) stack config; throws ConfigError listing every problem at once. */
export function parseMeshConfig(raw: Record<string, unknown>, secrets: SecretPresence = { secretKeys: [] }): MeshConfig {
    const plain = Object.fromEntries(Object.entries(raw).filter(([key]) => !SECRET_KEYS.some((secret) => secret === key)));
    const result = meshSchema.safeParse(plain, { reportInput: true });
    // The rules below need whole sections: on a schema error, they judge the sections that are valid.
    const sections = result.success ? result.data : validSections(plain);
    const problems = [
        ...(result.success ? [] : formatIssues(result.error.issues, plain, meshSchema)),
        ...unusedSettings(sections, plain, secrets.secretKeys),
        ...tracingUnusedSettings(plain.tracing),
        ...missingSecrets(sections, secrets.secretKeys),
        ...productionProblems(sections.tls, secrets.stack),
    ];
    if (!result.success || problems.length > 0) {
        throw new ConfigError(problems);
    }
    return withPostgresTlsDefault(result.data, plain);
}

/** With tls.enabled the provisioned server serves TLS: its clients verify it (verify-full) unless the stack says otherwise. */
function withPostgresTlsDefault(config: MeshConfig, raw: Record<string, unknown>): MeshConfig {
    const pg = config.database.postgres;
    const database = raw.database && typeof raw.database === "object" ? Reflect.get(raw.database, "postgres") : undefined;
    const explicit = database && typeof database === "object" ? Reflect.get(database, "sslmode") !== undefined : false;
    if (!config.tls.enabled || pg.mode !== "provision" || explicit) {
        return config;
    }
    return { ...config, database: { ...config.database, postgres: { ...pg, sslmode: "verify-full" } } };
}

/** The sections of a config that is invalid elsewhere, each parsed alone. */
function validSections(plain: Record<string, unknown>): Partial<MeshConfig> {
    const database = meshSchema.shape.database.safeParse(plain.database);
    const agents = meshSchema.shape.agents.safeParse(plain.agents);
    return { ...(database.success ? { database: database.data } : {}), ...(agents.success ? { agents: agents.data } : {}) };
}

/** Settings that parse but would do nothing in this configuration. */
function unusedSettings(config: Partial<MeshConfig>, raw: Record<string, unknown>, secretKeys: readonly string[]): string[] {
    const problems: string[] = [];
    const registry = raw.registry;
    const storage = registry && typeof registry === "object" ? Reflect.get(registry, "storage") : undefined;
    if (config.database?.type === "postgres" && storage !== undefined) {
        problems.push(
            `registry.storage: got ${JSON.stringify(storage)}; unused with database.type=postgres (the registry then writes ` +
                "nothing locally and gets no volume); remove it",
        );
    }
    const external = config.database?.type === "postgres" && config.database.postgres.mode === "external";
    if (config.database && !external && secretKeys.includes("databasePassword")) {
        problems.push(
            `databasePassword: set, but unused with database.type=${config.database.type}` +
                (config.database.type === "postgres"
                    ? " and database.postgres.mode=provision (the program generates that server's password)"
                    : "") +
                "; it is only for an external server; remove it: pulumi config rm databasePassword",
        );
    }
    return problems;
}

function missingSecrets(config: Partial<MeshConfig>, present: readonly string[]): string[] {
    const problems: string[] = [];
    const { database, agents } = config;
    if (database?.type === "postgres" && database.postgres.mode === "external" && !present.includes("databasePassword")) {
        problems.push(
            "databasePassword: not set; required when database.type=postgres and database.postgres.mode=external " +
                "(set it encrypted: pulumi config set --secret databasePassword <password>)",
        );
    }
    if (agents) {
        problems.push(...agentSecretProblems(agents, present));
    }
    return problems;
}

/** startFrom and drills restore from the bucket; a drill into a scratch database, never the registry's own. */
function checkObjectStorageUses(
    config: { backup: BackupConfig; database: { type: string; postgres: MeshConfigPostgres } },
    ctx: IssueSink,
): void {
    const { drill, objectStorage, startFrom } = config.backup;
    if (startFrom) {
        const problem = (message: string) => ctx.addIssue({ code: "custom", path: ["backup", "startFrom"], input: startFrom, message });
        if (!objectStorage) problem("needs backup.objectStorage: the registry starts from a backup in the bucket");
        else if (!config.backup.enabled) problem("needs backup.enabled: the restore runs the backup's scripts");
    }
    if (!drill) return;
    const problem = (path: string[], input: unknown, message: string) =>
        ctx.addIssue({ code: "custom", path: ["backup", "drill", ...path], input, message });
    if (!objectStorage) problem([], drill, "needs backup.objectStorage: the drill restores the newest verified backup from the bucket");
    if (config.database.type === "postgres" && !drill.postgresDatabase) {
        problem(
            ["postgresDatabase"],
            undefined,
            "is required with database.type=postgres: a scratch database you create, owned by the registry's user",
        );
    }
    if (config.database.type === "postgres" && drill.postgresDatabase === config.database.postgres.database) {
        problem(
            ["postgresDatabase"],
            drill.postgresDatabase,
            "must not be the registry's own database (database.postgres.database): the drill replaces its tables",
        );
    }
    if (config.database.type === "sqlite" && drill.postgresDatabase) {
        problem(
            ["postgresDatabase"],
            drill.postgresDatabase,
            "applies only with database.type=postgres (SQLite drills restore into a scratch file)",
        );
    }
}

/** A server certificate can be verified only against a CA: refuse verify-ca/verify-full without one. */
function checkPostgresTls(pg: MeshConfigPostgres, tlsEnabled: boolean, ctx: IssueSink): void {
    const provisionedTls = pg.mode === "provision" && tlsEnabled;
    if ((pg.sslmode === "verify-full" || pg.sslmode === "verify-ca") && !pg.sslRootCert && !provisionedTls) {
        ctx.addIssue({
            code: "custom",
            path: ["database", "postgres", "sslmode"],
            input: pg.sslmode,
            message:
                pg.mode === "external"
                    ? "needs the CA that signed the server's certificate: set database.postgres.sslRootCert.secretName (a Secret holding it under ca.crt)"
                    : "needs tls.enabled=true (the provisioned server then serves a mesh certificate its clients verify)",
        });
    }
    if (pg.sslRootCert && pg.mode !== "external") {
        ctx.addIssue({
            code: "custom",
            path: ["database", "postgres", "sslRootCert"],
            input: pg.sslRootCert,
            message:
                "only used with database.postgres.mode=external (the provisioned server's CA is the mesh CA, tls.enabled=true); remove it",
        });
    }
}

/** Cross-section rules of `tls`: what mesh-wide mTLS cannot be combined with. */
function checkTls(config: { tls: TlsConfig; registry: RegistryConfig; agents: readonly AgentConfig[] }, ctx: IssueSink): void {
    if (!config.tls.enabled) {
        return;
    }
    if (config.registry.tls.secretName) {
        ctx.addIssue({
            code: "custom",
            path: ["registry", "tls", "secretName"],
            input: config.registry.tls.secretName,
            message: "cannot be combined with tls.enabled=true (the mesh certificate serves the registry then); remove it",
        });
    }
    config.agents.forEach((agent, index) => {
        if (agent.mode === "customResource") {
            ctx.addIssue({
                code: "custom",
                path: ["agents", index, "mode"],
                input: agent.mode,
                message: "must be deployment with tls.enabled=true (an MCPAgent has no field for the mesh certificate's volume)",
            });
        }
    });
}

/**
 * The agents' runtime (mcp-mesh-core 3.7.1) is built without Redis TLS: a rediss:// URL fails
 * with "can't connect with TLS, the feature is not enabled", so the program's Redis cannot serve
 * the mesh certificate, and a plain-text Redis would be the one unencrypted mesh connection.
 */
function checkTracingTls(config: { tls: TlsConfig; tracing: TracingConfig }, ctx: IssueSink): void {
    if (config.tls.enabled && config.tracing.enabled && !config.tracing.redis.external) {
        ctx.addIssue({
            code: "custom",
            path: ["tracing", "enabled"],
            input: true,
            message:
                "cannot run the program's Redis with tls.enabled=true: the agents' runtime (mcp-mesh-core 3.7.1) has no Redis TLS " +
                "(rediss:// fails), so spans would cross the network unencrypted; set tracing.redis.external (a Redis you secure) or turn tracing off",
        });
    }
}

interface IssueSink {
    addIssue(issue: { code: "custom"; path: PropertyKey[]; input: unknown; message: string }): void;
}

/** Cross-section rules: agents mount only shared volumes the stack defines, and single-node volumes serve one pod. */
export function checkSharedStorage(
    agents: readonly AgentConfig[] | undefined,
    storage: SharedStorageConfig | undefined,
    ctx: IssueSink,
): void {
    if (!Array.isArray(agents) || !storage) {
        return;
    }
    for (const volume of SHARED_VOLUMES) {
        const users = agents.filter((agent) => agent.sharedStorage?.includes(volume));
        agents.forEach((agent, index) => {
            const at = agent.sharedStorage?.indexOf(volume) ?? -1;
            if (at >= 0 && !storage[volume]) {
                ctx.addIssue({
                    code: "custom",
                    path: ["agents", index, "sharedStorage", at],
                    input: volume,
                    message: `storage.${volume} is not defined; define it first (e.g. pulumi config set --path storage.${volume}.size 5Gi)`,
                });
            }
        });
        const claim = storage[volume];
        const pods = users.reduce((total, agent) => total + maxPods(agent), 0);
        if (claim && SINGLE_NODE_MODES.includes(claim.accessMode) && pods > 1) {
            ctx.addIssue({
                code: "custom",
                path: ["storage", volume, "accessMode"],
                input: claim.accessMode,
                message: `cannot serve the ${pods} agent pods that mount it (${users.map((a) => a.name).join(", ")}); use ReadWriteMany`,
            });
        }
    }
}
