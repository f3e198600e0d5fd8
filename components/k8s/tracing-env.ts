// What a tracing client (registry, dashboard, agent) gets with `tracing.enabled`: the switch and
// REDIS_URL, read from a Secret (the URL may carry the password: never a plain value, never argv),
// and a pod annotation that changes with the URL, so a new URL or password rolls the pods.
import * as pulumi from "@pulumi/pulumi";
import { EnvVar } from "./types";

export interface TracingWiring {
    /** The Secret and key holding the Redis URL (redis://[:password@]host:port). */
    redisUrl: { secretName: pulumi.Input<string>; key: string };
    /** Changes when the URL does; reveals nothing about it. */
    checksum: pulumi.Input<string>;
    /** Where traces are kept: the registry exports there, the dashboard and `meshctl trace` read from there. Default: none. */
    tempo?: { otlpEndpoint: string; protocol: "grpc" | "http"; queryUrl: string };
}

/** MCP_MESH_DISTRIBUTED_TRACING_ENABLED and REDIS_URL, which every tracing process reads. */
export function tracingEnv(wiring: TracingWiring): EnvVar[] {
    return [
        { name: "MCP_MESH_DISTRIBUTED_TRACING_ENABLED", value: "true" },
        { name: "REDIS_URL", valueFrom: { secretKeyRef: { name: wiring.redisUrl.secretName, key: wiring.redisUrl.key } } },
    ];
}

/** The pod annotation that rolls a client when the Redis URL changes. */
export function tracingAnnotation(wiring: TracingWiring | undefined): Record<string, pulumi.Input<string>> {
    return wiring ? { "checksum/tracing": wiring.checksum } : {};
}
