// The stack config's `tracing` section: distributed tracing through a Redis stream (`mesh:trace`).
// Every agent's runtime publishes a span per tool call to it; the dashboard (meshui) and, with a
// Tempo (`tempo`), the registry each read it in their own consumer group: meshui keeps recent
// traces for its Traffic and Live pages, the registry exports them over OTLP to Tempo.
// The Redis is the program's own (password generated) or yours (its URL in a Secret of yours).
import { z } from "zod";
import { dnsSubdomain, imagePullPolicy, pinnedImage, port, withDefaultResources } from "./k8s-schemas";

/** Official Docker Hub image (library/redis), the 7.4 line, pinned to a patch release. */
export const REDIS_IMAGE = "redis:7.4.2";
export const REDIS_PORT = 6379;

/** `host:port` as an OTLP exporter dials it (no scheme): the registry's TELEMETRY_ENDPOINT. */
const otlpEndpoint = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, {
    error: "must be host:port without a scheme, such as tempo.observability.svc.cluster.local:4317",
});

/** Tempo's HTTP query API: an http(s) URL without credentials or path. */
const queryUrl = z.string().regex(/^https?:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/, {
    error: "must be an http:// or https:// URL of Tempo's query API without path or credentials, such as http://tempo.observability:3200",
});

const externalRedisSchema = z.strictObject({
    /** A Secret you create in the namespace; its `key` holds the whole URL (redis://[:password@]host:port). */
    secretName: dnsSubdomain,
    key: z
        .string()
        .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key (letters, digits, '-', '_', '.')" })
        .default("url"),
    /** The port the clients' egress NetworkPolicy opens (to any address: a policy cannot name a host). */
    port: port.default(REDIS_PORT),
});

export const tracingSchema = z
    .strictObject({
        /** MCP_MESH_DISTRIBUTED_TRACING_ENABLED on the registry, the dashboard and every agent, and a Redis for them. */
        enabled: z.boolean().default(false),
        redis: z
            .strictObject({
                /** The program's Redis (default): a Deployment `mcp-mesh-redis`, password generated, nothing persisted. */
                image: pinnedImage.default(REDIS_IMAGE),
                imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
                port: port.default(REDIS_PORT),
                resources: withDefaultResources({
                    requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "32Mi" },
                    limits: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "128Mi" },
                }),
                /** Your Redis instead: its URL comes from your Secret (secretKeyRef only), the program runs none. */
                external: externalRedisSchema.optional(),
            })
            .prefault({}),
        /** Where traces are kept (none: only the live window in Redis, which meshui shows). */
        tempo: z
            .strictObject({
                /** OTLP endpoint the registry exports every span to (TELEMETRY_ENDPOINT). */
                otlpEndpoint,
                /** TELEMETRY_PROTOCOL: `grpc` (port 4317 on Tempo) or `http` (4318). */
                protocol: z.enum(["grpc", "http"]).default("grpc"),
                /** Tempo's query API (TEMPO_URL): meshui's trace history and `meshctl trace` (through the registry). */
                queryUrl,
            })
            .optional(),
    })
    .superRefine((tracing, ctx) => {
        if (!tracing.enabled && tracing.tempo) {
            ctx.addIssue({
                code: "custom",
                path: ["tempo"],
                input: tracing.tempo,
                message: "unused while tracing.enabled=false; enable tracing or remove it",
            });
        }
    });

export type TracingConfig = z.output<typeof tracingSchema>;
export type ExternalRedisConfig = z.output<typeof externalRedisSchema>;

/** Keys of `tracing.redis` that configure the program's own Redis (unused with `external`). */
export const PROVISIONED_REDIS_KEYS = ["image", "imagePullPolicy", "port", "resources"] as const;
