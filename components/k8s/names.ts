// Every fixed Kubernetes object name the mesh gives its objects, in one place: the components
// name their objects from here, and the config schema reserves these names (an agent may not
// take one). The seed README's kubectl commands rely on them: change none without a migration.

/** app.kubernetes.io/part-of of every object, and the name of mesh-wide objects' labels. */
export const MESH = "mcp-mesh";

/** The registry's StatefulSet, client Service, ServiceAccount, PDB, NetworkPolicy, ServiceMonitor. */
export const REGISTRY_NAME = "mcp-mesh-registry";
/** The StatefulSet's governing (headless) Service. */
export const REGISTRY_HEADLESS = `${REGISTRY_NAME}-headless`;
/** The registry's settings ConfigMap. */
export const REGISTRY_CONFIGMAP = "mcp-registry-config";
/** The registry's credentials Secret (PostgreSQL only). */
export const REGISTRY_SECRET = "mcp-registry-secret";

/** The provisioned PostgreSQL's StatefulSet, Service, Secret and NetworkPolicy. */
export const POSTGRES_NAME = "mcp-mesh-postgres";

/** The backup CronJob and its NetworkPolicy. */
export const BACKUP_NAME = `${REGISTRY_NAME}-backup`;
/** The restore drill's CronJob (`backup.drill`). */
export const RESTORE_DRILL_NAME = `${REGISTRY_NAME}-restore-drill`;
/** The backup pods' egress to the object store (`backup.objectStorage`). */
export const BACKUP_OBJECT_STORE_POLICY = `${BACKUP_NAME}-object-store`;
/** The claim that holds the backups. */
export const BACKUP_CLAIM = `${REGISTRY_NAME}-backups`;
/** The ConfigMap holding the backup and restore scripts. */
export const BACKUP_SCRIPTS = "mcp-mesh-backup-scripts";
/** The SQLite claim of registry pod 0 (claim template `data`; one replica runs on SQLite). */
export const SQLITE_CLAIM = `data-${REGISTRY_NAME}-0`;

/** The PrometheusRule with the mesh's alerts (`alerts.enabled`). */
export const ALERTS_RULE = "mcp-mesh-alerts";

/** The dashboard's Deployment, Service, NetworkPolicy, PDB and Ingress (`dashboard.enabled`). */
export const DASHBOARD_NAME = "mcp-mesh-dashboard";

/** The program's Redis for tracing (`tracing.enabled`): Deployment, Service, Secret, NetworkPolicy. */
export const REDIS_NAME = "mcp-mesh-redis";
/** Egress of the registry, dashboard and agents to Redis (and Tempo) with tracing on. */
export const TRACING_EGRESS_POLICY = "mcp-mesh-tracing-egress";
/** Egress of the registry and the dashboard to Tempo's ports (`tracing.tempo`). */
export const TEMPO_EGRESS_POLICY = "mcp-mesh-tempo-egress";

/** Namespace-wide NetworkPolicies (components/k8s/network-policies.ts). */
export const DEFAULT_DENY_POLICY = "mcp-mesh-default-deny";
export const DNS_POLICY = "mcp-mesh-allow-dns";
export const AGENT_EGRESS_POLICY = "mcp-mesh-agents-egress";
export const REGISTRY_EGRESS_POLICY = "mcp-mesh-registry-egress";
export const BACKUP_EGRESS_POLICY = "mcp-mesh-backup-egress";
export const NETWORK_POLICY_NAMES = [DEFAULT_DENY_POLICY, DNS_POLICY, AGENT_EGRESS_POLICY, REGISTRY_EGRESS_POLICY, BACKUP_EGRESS_POLICY];

/** tls.source=cert-manager without an issuer: the mesh's own CA chain (Issuers, CA Certificate and its Secret). */
export const SELF_SIGNED_ISSUER = "mcp-mesh-selfsigned";
export const MESH_CA = "mcp-mesh-ca";

/** The seed's shared agent settings ConfigMap. */
export const AGENT_SETTINGS_CONFIGMAP = "mcp-agent-config";
/** Claims of the shared agent volumes (`storage.*`). */
export const SHARED_CLAIMS = {
    workspace: "mcp-mesh-workspace",
    sharedCache: "mcp-mesh-shared-cache",
    logs: "mcp-mesh-logs",
} as const;

/** Per agent: its code ConfigMap, its Secret (secretEnv values) and its own workspace claim. */
export const codeConfigMapName = (agent: string): string => `${agent}-code`;
export const agentSecretName = (agent: string): string => `${agent}-secrets`;
export const workspaceClaimName = (agent: string): string => `${agent}-workspace`;
/** Per mesh workload (registry, agent, provisioned PostgreSQL) with tls.enabled: its certificate Secret. */
export const tlsSecretName = (workload: string): string => `${workload}-tls`;

/**
 * Names an agent may not take (an agent's Service, NetworkPolicy and PDB bear its name), and
 * `mcp-mesh`, whose workspace claim would be the shared `mcp-mesh-workspace`.
 */
export const RESERVED_NAMES = [
    MESH,
    REGISTRY_NAME,
    REGISTRY_HEADLESS,
    POSTGRES_NAME,
    DASHBOARD_NAME,
    REDIS_NAME,
    TRACING_EGRESS_POLICY,
    TEMPO_EGRESS_POLICY,
    BACKUP_NAME,
    ...NETWORK_POLICY_NAMES,
    SELF_SIGNED_ISSUER,
    MESH_CA,
];
