// The whole program, callable by `pulumi up` (index.ts) and by the offline render.
import * as pulumi from "@pulumi/pulumi";
import { McpMesh } from "./mesh";
import { readStackConfig } from "./config/stack-config";

export interface StackOutputs {
    namespace: pulumi.Output<string>;
    registryUrl: pulumi.Output<string>;
    registryService: pulumi.Output<string>;
    kubectl: pulumi.Output<Record<string, string>>;
    /** Per agent: its in-cluster URL (mode deployment), or the MCPAgent a controller reconciles. */
    agents: pulumi.Output<Record<string, string>>;
    /** With `dashboard.enabled`: its in-cluster URL, the port-forward command that opens it, and its Ingress URL (`dashboard.host`). */
    dashboard?: pulumi.Output<Record<string, string>>;
}

/**
 * `opts` reach every resource (the offline render records options through them); `securePaths`,
 * the encrypted values' paths of a stack file the caller read (the offline render), name a
 * misplaced secret exactly.
 */
export function program(opts?: pulumi.ComponentResourceOptions, securePaths?: readonly string[]): StackOutputs {
    const { config, secrets } = readStackConfig(securePaths);
    const mesh = new McpMesh("mcp-mesh", { config, secrets }, opts);
    return {
        namespace: mesh.namespace,
        registryUrl: mesh.registry.url,
        registryService: mesh.registry.serviceName,
        kubectl: mesh.namespace.apply((ns): Record<string, string> => ({
            registry: `kubectl get statefulset,pods,svc -n ${ns} -l app.kubernetes.io/component=registry`,
            registryLogs: `kubectl logs -n ${ns} -l app.kubernetes.io/name=mcp-mesh-registry`,
            agents: `kubectl get mcpagents,pods,svc -n ${ns} -l app.kubernetes.io/component=agent`,
            // tls.enabled: the certificates (cert-manager's, or the Secrets the pods mount) and when each expires.
            ...(config.tls.enabled
                ? {
                      certificates:
                          config.tls.source === "cert-manager"
                              ? `kubectl get certificates,issuers -n ${ns}`
                              : `kubectl get secrets -n ${ns} -o name | grep -- '-tls$'`,
                      certificateExpiry: `kubectl get secret mcp-mesh-registry-tls -n ${ns} -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -enddate`,
                  }
                : {}),
            // tracing with the program's Redis: its pod, and how many spans the stream holds (redis-cli authenticates from the pod's env).
            ...(config.tracing.enabled && !config.tracing.redis.external
                ? {
                      tracing: `kubectl get deployment,pods,svc -n ${ns} -l app.kubernetes.io/component=tracing`,
                      traceStream: `kubectl exec -n ${ns} deployment/mcp-mesh-redis -- redis-cli -p ${config.tracing.redis.port} XLEN mesh:trace`,
                  }
                : {}),
        })),
        agents: pulumi
            .all(
                mesh.agents.map(
                    (agent) => agent.url ?? pulumi.interpolate`mcpagent/${agent.agentName} in ${mesh.namespace} (needs a controller)`,
                ),
            )
            .apply((endpoints) => Object.fromEntries(mesh.agents.map((agent, i) => [agent.agentName, endpoints[i]]))),
        ...(mesh.dashboard
            ? {
                  dashboard: pulumi
                      .all([mesh.dashboard.url, mesh.dashboard.portForward])
                      .apply(([url, portForward]): Record<string, string> => ({
                          url,
                          portForward,
                          ...(mesh.dashboard?.externalUrl ? { externalUrl: mesh.dashboard.externalUrl } : {}),
                      })),
              }
            : {}),
    };
}
