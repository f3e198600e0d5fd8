// The stack-config schema: raw `mcp-mesh:*` config in, a typed and defaulted MeshConfig
// out, or every problem at once as one line each (key path, value, what is allowed).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    affinity,
    dnsLabel,
    dnsSubdomain,
    imagePullPolicy,
    nodeSelector,
    pinnedImage,
    port,
    quantity,
    toleration,
    withDefaultResources,
} from "./k8s-schemas";
import { backupSchema } from "./backup-config";
import { formatIssues } from "./config-errors";
import { agentsSchema, checkSharedStorage, sharedStorageSchema } from "./agent-config";
import { AGENT_SECRETS_KEY, agentSecretProblems } from "./agent-secrets";
import { noMetricsReason } from "./metrics";

export const PROJECT = "mcp-mesh";
export const REGISTRY_IMAGE = "mcpmesh/registry:3.7";

/** Config keys read with getSecret; their values never reach the plain schema. */
export const SECRET_KEYS = ["databasePassword", AGENT_SECRETS_KEY] as const;

const probe = (periodSeconds: number, failureThreshold: number) =>
    z
        .strictObject({
            initialDelaySeconds: z.number().int().min(0).default(0),
            periodSeconds: z.number().int().min(1).default(periodSeconds),
            timeoutSeconds: z.number().int().min(1).default(3),
            failureThreshold: z.number().int().min(1).default(failureThreshold),
        })
        .prefault({});

const seconds = (fallback: number) => z.number().int().min(1).default(fallback);

export const registrySchema = z.strictObject({
    /** Registry pods; more than one needs PostgreSQL (SQLite is single-writer). */
    replicas: z.number().int().min(1).max(15).default(1),
    image: pinnedImage.default(REGISTRY_IMAGE),
    imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
    resources: withDefaultResources({
        requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
        limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" },
    }),
    /** The SQLite volume of each replica (none on PostgreSQL, where the registry writes nothing locally). */
    storage: z
        .strictObject({
            size: quantity.default("1Gi"),
            storageClass: dnsSubdomain.optional(),
        })
        .prefault({}),
    /** MCP_MESH_LOG_LEVEL; TRACE (registry 3.7) also logs every SQL query. */
    logLevel: z.enum(["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("INFO"),
    debug: z.boolean().default(false),
    port: port.default(8000),
    probes: z.strictObject({ startup: probe(5, 30), liveness: probe(10, 3), readiness: probe(5, 3) }).prefault({}),
    heartbeat: z
        .strictObject({
            healthCheckInterval: seconds(10),
            timeoutThreshold: seconds(20),
            evictionThreshold: seconds(60),
        })
        .prefault({}),
    /** `required` puts every replica on its own node; `preferred` only tries to. */
    spread: z.enum(["preferred", "required"]).default("preferred"),
    /** Replaces the generated anti-affinity entirely when set. */
    affinity: affinity.optional(),
    tolerations: z.array(toleration).default([]),
    nodeSelector: nodeSelector.default({}),
    priorityClassName: z.string().min(1).optional(),
    /** A kubernetes.io/tls Secret: mounted, MCP_MESH_TLS_MODE=auto, probes and URL speak HTTPS. */
    tls: z.strictObject({ secretName: dnsLabel.optional() }).prefault({}),
    monitoring: z
        .strictObject({
            /** Namespace whose pods may scrape /metrics (admitted only while scraping is on). */
            namespace: dnsLabel.default("monitoring"),
            /** prometheus.io/* pod annotations; only for an image that serves /metrics (see metrics.ts). */
            scrapeAnnotations: z.boolean().default(false),
            /** A Prometheus Operator ServiceMonitor (needs its CRD in the cluster); same condition. */
            serviceMonitor: z.boolean().default(false),
            interval: z
                .string()
                .regex(/^\d+[smh]$/, { error: "must be a duration such as 30s or 1m" })
                .default("30s"),
        })
        .prefault({}),
});

export const POSTGRES_IMAGE = "postgres:17.2";

const postgresSchema = z
    .strictObject({
        /** `external`: connect to an existing server; `provision`: run one in the cluster. */
        mode: z.enum(["external", "provision"]).default("external"),
        host: z.string().min(1).optional(),
        port: port.default(5432),
        database: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, { error: "must be a lower-case SQL identifier" })
            .default("mcp_mesh_registry"),
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, { error: "must be a lower-case SQL identifier" })
            .default("mcp_mesh"),
        /** Default: `require` for external servers, `disable` for the in-cluster one (no TLS inside). */
        sslmode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]).optional(),
        image: pinnedImage.default(POSTGRES_IMAGE),
        resources: withDefaultResources({
            requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "256Mi" },
            limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "1Gi" },
        }),
        storage: z.strictObject({ size: quantity.default("10Gi"), storageClass: dnsSubdomain.optional() }).prefault({}),
    })
    .transform((pg) => ({ ...pg, sslmode: pg.sslmode ?? (pg.mode === "external" ? "require" : "disable") }));

const networkSchema = z.strictObject({
    /** The cluster DNS every pod may reach (the namespace default-denies all other egress). */
    dns: z
        .strictObject({
            namespace: dnsLabel.default("kube-system"),
            podLabels: z.record(z.string(), z.string()).default({ "k8s-app": "kube-dns" }),
            port: port.default(53),
        })
        .prefault({}),
});

const databaseSchema = z.strictObject({
    type: z.enum(["sqlite", "postgres"]).default("sqlite"),
    postgres: postgresSchema.prefault({}),
});

export const meshSchema = z
    .strictObject({
        namespace: dnsLabel.default("mcp-mesh"),
        createNamespace: z.boolean().default(true),
        /** The CRD is cluster-wide: a second stack in the same cluster sets this false. */
        installCrds: z.boolean().default(true),
        registry: registrySchema.prefault({}),
        database: databaseSchema.prefault({}),
        network: networkSchema.prefault({}),
        agents: agentsSchema.default([]),
        storage: sharedStorageSchema.prefault({}),
        backup: backupSchema.prefault({}),
        /** Keep the database and backups through `pulumi destroy` and replacements (protect + retainOnDelete). */
        protectData: z.boolean().default(false),
    })
    .superRefine((config, ctx) => {
        const { registry, database } = config;
        checkSharedStorage(config.agents, config.storage, ctx);
        if (registry.replicas > 1 && database.type === "sqlite") {
            ctx.addIssue({
                code: "custom",
                path: ["registry", "replicas"],
                input: registry.replicas,
                message: "requires database.type=postgres (SQLite is single-writer; each replica would keep its own diverging database)",
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
export type RegistryConfig = MeshConfig["registry"];
export type PostgresConfig = MeshConfig["database"]["postgres"];

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
 * `secretKeys` are the project's keys the runtime marks secret (without the `project:` prefix).
 * Values are never printed.
 */
export function misplacedSecrets(setKeys: readonly string[], secretKeys: readonly string[]): string[] {
    const supported = "secret values go only under agentSecrets.<agent>.<NAME> (declared in agents[i].secretEnv) or databasePassword";
    const secretOnly = (key: string) => SECRET_KEYS.some((secret) => secret === key);
    return [
        ...secretKeys
            .filter((key) => !secretOnly(key))
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
}

/** Validates raw (already JSON-decoded) stack config; throws ConfigError listing every problem. */
export function parseMeshConfig(raw: Record<string, unknown>, secrets: SecretPresence = { secretKeys: [] }): MeshConfig {
    const plain = Object.fromEntries(Object.entries(raw).filter(([key]) => !SECRET_KEYS.some((secret) => secret === key)));
    const result = meshSchema.safeParse(plain, { reportInput: true });
    if (!result.success) {
        throw new ConfigError(formatIssues(result.error.issues, plain, meshSchema));
    }
    const problems = [...unusedSettings(result.data, plain), ...missingSecrets(result.data, secrets.secretKeys)];
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return result.data;
}

/** Settings that parse but would do nothing in this configuration. */
function unusedSettings(config: MeshConfig, raw: Record<string, unknown>): string[] {
    const registry = raw.registry;
    const storage = registry && typeof registry === "object" ? Reflect.get(registry, "storage") : undefined;
    if (config.database.type === "postgres" && storage !== undefined) {
        return [
            `registry.storage: got ${JSON.stringify(storage)}; unused with database.type=postgres (the registry then writes ` +
                "nothing locally and gets no volume); remove it",
        ];
    }
    return [];
}

function missingSecrets(config: MeshConfig, present: readonly string[]): string[] {
    const problems: string[] = [];
    if (config.database.type === "postgres" && config.database.postgres.mode === "external" && !present.includes("databasePassword")) {
        problems.push(
            "databasePassword: not set; required when database.type=postgres and database.postgres.mode=external " +
                "(set it encrypted: pulumi config set --secret databasePassword <password>)",
        );
    }
    problems.push(...agentSecretProblems(config.agents, present));
    return problems;
}
