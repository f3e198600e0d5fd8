// The registry's plain settings (the ConfigMap's env keys), per the released image's contract:
// only variables the registry reads (README.md, "What the pinned release does").
import { RegistryConfig } from "../config/registry";
import { PostgresEndpoint, postgresDsn } from "../data/database-url";
import { meshTlsEnv, registryTrustEnv } from "../k8s/mesh-tls";
import { tracingEnv, TracingWiring } from "../k8s/tracing-env";
import { EnvVar } from "../k8s/types";

export const DATA_DIR = "/data";
export const SQLITE_PATH = `${DATA_DIR}/registry.db`;
export const TLS_DIR = "/etc/mcp-mesh/tls";
/** Readiness: `/health` stays 200 while the database is down; `/agents` then answers 500. */
export const REGISTRY_READY_PATH = "/agents";
export const REGISTRY_HEALTH_PATH = "/health";
/** On the admin port: GET answers {"draining":bool,"live_claims":n}, POST starts draining. */
export const REGISTRY_DRAIN_PATH = "/admin/drain";

/** The container's args: the image's CMD flags override HOST/PORT, so the port is passed here. */
export function registryArgs(port: number): string[] {
    return ["--host", "0.0.0.0", "--port", String(port)];
}

/** The database the registry uses: SQLite in a volume per replica, or a PostgreSQL server. */
export type RegistryDatabase = { type: "sqlite" } | { type: "postgres"; endpoint: PostgresEndpoint };

/** `meshTls`: strict mutual TLS with the mesh certificate, and only mesh certificates may register (filestore trust). */
export function registrySettings(registry: RegistryConfig, database: RegistryDatabase, meshTls = false): Record<string, string> {
    return {
        MCP_MESH_LOG_LEVEL: registry.logLevel,
        MCP_MESH_DEBUG_MODE: String(registry.debug),
        HEALTH_CHECK_INTERVAL: String(registry.heartbeat.healthCheckInterval),
        DEFAULT_TIMEOUT_THRESHOLD: String(registry.heartbeat.timeoutThreshold),
        DEFAULT_EVICTION_THRESHOLD: String(registry.heartbeat.evictionThreshold),
        ...(database.type === "sqlite"
            ? {
                  DATABASE_URL: SQLITE_PATH,
                  DB_JOURNAL_MODE: "WAL",
                  DB_SYNCHRONOUS: "NORMAL",
                  DB_BUSY_TIMEOUT: "5000",
              }
            : {
                  // No password here (the registry logs this DSN): it reads PGPASSWORD from the Secret.
                  DATABASE_URL: postgresDsn(database.endpoint),
                  ...(database.endpoint.sslRootCert ? { PGSSLROOTCERT: database.endpoint.sslRootCert } : {}),
                  DB_MAX_OPEN_CONNECTIONS: "25",
                  DB_MAX_IDLE_CONNECTIONS: "5",
                  DB_CONN_MAX_LIFETIME: "300",
              }),
        ...(registry.tls.secretName
            ? { MCP_MESH_TLS_MODE: "auto", MCP_MESH_TLS_CERT: `${TLS_DIR}/tls.crt`, MCP_MESH_TLS_KEY: `${TLS_DIR}/tls.key` }
            : {}),
        ...(meshTls ? { ...meshTlsEnv(), ...registryTrustEnv() } : {}),
        ...(registry.drain.enabled ? { MCP_MESH_ADMIN_PORT: String(registry.drain.adminPort) } : {}),
    };
}

/**
 * The preStop hook (image debian:12-slim: sh, GNU wget, grep): POST /admin/drain on the admin
 * port (a kubelet httpGet hook can only GET), then wait while jobs are claimed; the kubelet
 * stops waiting at terminationGracePeriodSeconds. A registry that does not answer is not waited on.
 */
export function drainCommand(adminPort: number): string[] {
    const url = `http://127.0.0.1:${adminPort}${REGISTRY_DRAIN_PATH}`;
    const wget = "wget -q -O - --tries=1 --timeout=5";
    return [
        "sh",
        "-c",
        [`${wget} --post-data= ${url} || exit 0`, `while ${wget} ${url} | grep -q '"live_claims":[1-9]'; do sleep 1; done`].join("\n"),
    ];
}

/**
 * Tracing on the registry: it reads the span stream in its own consumer group and exports each
 * span over OTLP to Tempo (TELEMETRY_ENDPOINT), whose query API (TEMPO_URL) answers `meshctl trace`.
 */
export function registryTracingEnv(wiring: TracingWiring): EnvVar[] {
    const tempo = wiring.tempo;
    return [
        ...tracingEnv(wiring),
        ...(tempo
            ? [
                  { name: "TELEMETRY_ENDPOINT", value: tempo.otlpEndpoint },
                  { name: "TELEMETRY_PROTOCOL", value: tempo.protocol },
                  { name: "TEMPO_URL", value: tempo.queryUrl },
              ]
            : []),
    ];
}
