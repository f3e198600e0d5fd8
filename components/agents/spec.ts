// Pure builders for an agent: the runtime contract's environment, probes, names, checksums,
// and the MCPAgent spec. The Agent component turns them into resources.
import * as pulumi from "@pulumi/pulumi";
import { AgentConfig, SHARED_AGENT_SETTINGS } from "../config/agents";
import { SharedVolume } from "../config/storage";
import { checksum, sha256 } from "../k8s/checksum";
import { codeConfigMapName, SHARED_CLAIMS } from "../k8s/names";
import { agentExecProbe, ProbeKind } from "../k8s/mesh-tls";
import { Affinity, EnvVar, Probe, ResourceRequirements, Toleration } from "../k8s/types";

/** Where the code ConfigMap is mounted (upstream's layout); the runtime runs `python <file>` from /app. */
export const CODE_DIR = "/app/agent";
/** Mount path of the agent's own workspace volume (`persistence`). */
export const WORKSPACE_DIR = "/app/workspace";
export const HTTP_PORT_NAME = "http";

/** Claim name and mount path of each shared volume (`storage.*`). */
export const SHARED_VOLUME_CLAIMS: Record<SharedVolume, { claim: string; mountPath: string }> = {
    workspace: { claim: SHARED_CLAIMS.workspace, mountPath: "/shared/workspace" },
    sharedCache: { claim: SHARED_CLAIMS.sharedCache, mountPath: "/shared/cache" },
    logs: { claim: SHARED_CLAIMS.logs, mountPath: "/shared/logs" },
};

/**
 * The shared settings every agent reads (`mcp-agent-config`): the runtime's defaults, kept
 * apart from the registry's so that tuning one never rolls the other. `agents[i].env`
 * overrides them per agent (e.g. MCP_MESH_LOG_LEVEL: DEBUG).
 */
export function agentSettings(): Record<string, string> {
    return { ...SHARED_AGENT_SETTINGS };
}

/** The container's argument: the script, inside the mounted code volume. */
export function scriptPath(agent: AgentConfig): string {
    return `${CODE_DIR}/${agent.source.fileName}`;
}

/** The ConfigMap holding the code and the file within it (ours for `code`, the stack's for `scriptConfigMap`). */
export function codeLocation(agent: AgentConfig): { configMap: string; fileName: string } {
    return agent.source.kind === "code"
        ? { configMap: codeConfigMapName(agent.name), fileName: agent.source.fileName }
        : { configMap: agent.source.configMap, fileName: agent.source.fileName };
}

export interface WiredEnvContext {
    /** The registry's in-cluster URL (Registry.url). */
    registryUrl: pulumi.Input<string>;
    /** The DNS name the agent advertises: its Service's. */
    serviceHost: pulumi.Input<string>;
}

/** The runtime contract's wiring: registry, identity, advertised address, bind address, pod IP. */
export function wiredEnv(agent: AgentConfig, context: WiredEnvContext): EnvVar[] {
    return [
        { name: "MCP_MESH_REGISTRY_URL", value: context.registryUrl },
        { name: "MCP_MESH_AGENT_NAME", value: agent.name },
        { name: "MCP_MESH_HTTP_HOST", value: context.serviceHost },
        { name: "MCP_MESH_HTTP_PORT", value: String(agent.service.port) },
        { name: "HOST", value: "0.0.0.0" },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    ];
}

export interface ConfiguredEnvContext {
    /** Name of the shared settings ConfigMap, and the keys it holds. */
    settingsConfigMap: pulumi.Input<string>;
    settingKeys: readonly string[];
    /** Name of the agent's Secret (holds one key per secretEnv name). */
    secretName: pulumi.Input<string>;
}

/** Shared settings (unless overridden), plain env, then secretEnv by reference. Both modes use it. */
export function configuredEnv(agent: AgentConfig, context: ConfiguredEnvContext): EnvVar[] {
    return [
        ...context.settingKeys
            .filter((key) => !(key in agent.env))
            .map((key): EnvVar => ({ name: key, valueFrom: { configMapKeyRef: { name: context.settingsConfigMap, key } } })),
        // Sorted: the CLI hands structured config over with its keys sorted, the offline render
        // in file order; either way the pods must get (and the render show) the same list.
        ...Object.entries(agent.env)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]): EnvVar => ({ name, value })),
        ...agent.secretEnv.map((name): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: context.secretName, key: name } } })),
    ];
}

/** Startup `/startupz`, liveness `/livez`, readiness `/ready`: each its own meaning in the runtime. */
export const AGENT_PROBES = {
    startup: { path: "/startupz", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 },
    liveness: { path: "/livez", periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readiness: { path: "/ready", periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
};

/** An httpGet probe; with mesh TLS (`port` given) an exec probe presenting the mesh certificate instead. */
export function httpProbe(kind: ProbeKind, meshTlsPort?: number): Probe {
    const { path, ...timing } = AGENT_PROBES[kind];
    return meshTlsPort !== undefined
        ? agentExecProbe(kind, path, meshTlsPort, timing)
        : { httpGet: { path, port: HTTP_PORT_NAME }, ...timing };
}

/**
 * Pod-template checksums that roll this agent, and only it, when what its pods read at
 * start changes: its code, the shared settings, its own env and the names of its secrets.
 */
export function agentChecksums(agent: AgentConfig, settings: Record<string, string>): Record<string, string> {
    return {
        ...(agent.source.kind === "code" ? { "checksum/code": sha256(agent.source.content) } : {}),
        "checksum/config": checksum({
            ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [`settings.${key}`, value])),
            ...Object.fromEntries(Object.entries(agent.env).map(([key, value]) => [`env.${key}`, value])),
            secretEnv: agent.secretEnv.join(","),
        }),
    };
}

/** The MCPAgent spec (mesh.mcp.io/v1alpha1), restricted to the fields its CRD defines. */
export interface McpAgentSpec {
    script: string;
    scriptConfigMap: string;
    replicas: number;
    image: string;
    imagePullPolicy: string;
    registryURL: pulumi.Input<string>;
    capabilities: AgentConfig["capabilities"];
    dependencies: AgentConfig["dependencies"];
    http: { enabled: boolean; port: number };
    healthCheck: { enabled: boolean; interval: number; timeout: number };
    resources: ResourceRequirements;
    env: EnvVar[];
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: Affinity;
    service: { enabled: boolean; type: string; port: number; annotations?: Record<string, string> };
    persistence?: { enabled: boolean; size: string; storageClass?: string; accessMode: string };
    monitoring: { enabled: boolean; serviceMonitor: boolean };
}

export function mcpAgentSpec(agent: AgentConfig, context: { registryUrl: pulumi.Input<string>; env: EnvVar[] }): McpAgentSpec {
    const code = codeLocation(agent);
    const { service, persistence } = agent;
    return {
        script: code.fileName,
        scriptConfigMap: code.configMap,
        replicas: agent.replicas,
        image: agent.image,
        imagePullPolicy: agent.imagePullPolicy,
        registryURL: context.registryUrl,
        capabilities: agent.capabilities,
        dependencies: agent.dependencies,
        http: { enabled: true, port: service.port },
        healthCheck: {
            enabled: true,
            interval: AGENT_PROBES.liveness.periodSeconds,
            timeout: AGENT_PROBES.liveness.timeoutSeconds,
        },
        resources: agent.resources,
        env: context.env,
        ...(Object.keys(agent.nodeSelector).length > 0 ? { nodeSelector: agent.nodeSelector } : {}),
        ...(agent.tolerations.length > 0 ? { tolerations: agent.tolerations } : {}),
        ...(agent.affinity ? { affinity: agent.affinity } : {}),
        service: {
            enabled: true,
            type: service.type,
            port: service.port,
            ...(Object.keys(service.annotations).length > 0 ? { annotations: service.annotations } : {}),
        },
        ...(persistence
            ? {
                  persistence: {
                      enabled: persistence.enabled,
                      size: persistence.size,
                      ...(persistence.storageClass ? { storageClass: persistence.storageClass } : {}),
                      accessMode: persistence.accessMode,
                  },
              }
            : {}),
        monitoring: { enabled: agent.monitoring.scrapeAnnotations, serviceMonitor: agent.monitoring.serviceMonitor },
    };
}
