// The stack config's `registry` section.
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
    scrapeSettings,
    withDefaultResources,
} from "./k8s-schemas";

export const REGISTRY_IMAGE = "mcpmesh/registry:3.7";

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
    /**
     * Restarts that drain first: MCP_MESH_ADMIN_PORT opens the registry's plain-HTTP admin listener
     * (/admin/drain), which a preStop hook asks to drain (new job dispatch pauses, in-flight jobs
     * finish) and waits on, within `gracePeriodSeconds` (the pod's terminationGracePeriodSeconds).
     */
    drain: z
        .strictObject({
            enabled: z.boolean().default(true),
            /** Used only from inside the pod (the NetworkPolicy admits registry.port alone). */
            adminPort: port.default(8001),
            gracePeriodSeconds: z.number().int().min(1).max(3600).default(120),
        })
        .prefault({}),
    /** A kubernetes.io/tls Secret: mounted, MCP_MESH_TLS_MODE=auto, probes and URL speak HTTPS. */
    tls: z.strictObject({ secretName: dnsLabel.optional() }).prefault({}),
    monitoring: z
        .strictObject({
            /** Namespace whose pods may scrape /metrics (admitted only while scraping is on). */
            namespace: dnsLabel.default("monitoring"),
            ...scrapeSettings,
        })
        .prefault({}),
});

export type RegistryConfig = z.output<typeof registrySchema>;
