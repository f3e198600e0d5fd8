// The registry's plain settings (the ConfigMap's env keys), per the released image's contract.
import { MeshConfig } from "./config";

export const REGISTRY_NAME = "mcp-mesh-registry";
export const DATA_DIR = "/data";
export const SQLITE_PATH = `${DATA_DIR}/registry.db`;
export const TLS_DIR = "/etc/mcp-mesh/tls";
export const LEADER_LEASE = `${REGISTRY_NAME}-leader`;

/** Leader election is on whenever more than one replica runs. */
export function leaderElection(config: MeshConfig): boolean {
    return config.registry.replicas > 1;
}

export function registrySettings(config: MeshConfig): Record<string, string> {
    const { registry, database } = config;
    return {
        HOST: "0.0.0.0",
        PORT: String(registry.port),
        REGISTRY_NAME,
        MCP_MESH_LOG_LEVEL: registry.logLevel,
        MCP_MESH_DEBUG_MODE: String(registry.debug),
        ACCESS_LOG: String(registry.accessLog),
        HEALTH_CHECK_INTERVAL: String(registry.heartbeat.healthCheckInterval),
        DEFAULT_TIMEOUT_THRESHOLD: String(registry.heartbeat.timeoutThreshold),
        DEFAULT_EVICTION_THRESHOLD: String(registry.heartbeat.evictionThreshold),
        ENABLE_CORS: String(registry.cors.enabled),
        ALLOWED_ORIGINS: registry.cors.allowedOrigins,
        ...(database.type === "sqlite"
            ? {
                  DATABASE_URL: SQLITE_PATH,
                  DB_JOURNAL_MODE: "WAL",
                  DB_SYNCHRONOUS: "NORMAL",
                  DB_BUSY_TIMEOUT: "5000",
              }
            : {
                  DB_MAX_OPEN_CONNECTIONS: "25",
                  DB_MAX_IDLE_CONNECTIONS: "5",
                  DB_CONN_MAX_LIFETIME: "300",
              }),
        ...(leaderElection(config)
            ? { MCP_MESH_LEADER_ELECTION: "true", MCP_MESH_LEADER_ELECTION_LEASE: LEADER_LEASE }
            : { MCP_MESH_LEADER_ELECTION: "false" }),
        ...(registry.tls.secretName ? { MCP_MESH_TLS_CERT: `${TLS_DIR}/tls.crt`, MCP_MESH_TLS_KEY: `${TLS_DIR}/tls.key` } : {}),
    };
}
