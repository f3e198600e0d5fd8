// Everything `agents` and `storage` deploy: the shared settings ConfigMap (`mcp-agent-config`),
// the shared volumes, and one Agent per entry, wired to the registry.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent } from "./agent";
import { AgentConfig } from "../config/agents";
import { SHARED_VOLUMES, SharedStorageConfig } from "../config/storage";
import { AgentSecretValues } from "../config/agent-secrets";
import { agentSettings } from "./spec";
import { labels } from "../k8s/labels";
import { AGENT_SETTINGS_CONFIGMAP, tlsSecretName } from "../k8s/names";
import { SharedStorage } from "./shared-storage";
import { TracingWiring } from "../k8s/tracing-env";

export interface AgentsArgs {
    /** The agents, in config order (the stack config's `agents`, parsed). */
    agents: AgentConfig[];
    /** The shared volumes agents may mount (the stack config's `storage`). Default: none. */
    storage?: SharedStorageConfig;
    /** Namespace to deploy into, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /** The registry's in-cluster URL (Registry.url). */
    registryUrl: pulumi.Input<string>;
    /** Secret values of every agent's secretEnv, from encrypted config `agentSecrets`. */
    secrets: AgentSecretValues;
    /** The MCPAgent CRD when this stack installs it. Default: none. */
    crd?: pulumi.Resource;
    /** Namespace whose pods may scrape agents' /metrics. Default: `monitoring`. */
    monitoringNamespace?: string;
    /** Names of image pull Secrets for every agent's pods (each agent may add its own). Default: none. */
    imagePullSecrets?: string[];
    /** Protect and retain every claim (`protectData`). Default: false. */
    protectData?: boolean;
    /** Mesh-wide mutual TLS (`tls.enabled`): each agent mounts its Secret `<agent>-tls`. Default: false. */
    meshTls?: boolean;
    /** With meshTls: each agent's certificate fingerprint by agent name, where the program issues them (tls.source=pulumi). Default: none. */
    certificateFingerprints?: ReadonlyMap<string, pulumi.Input<string>>;
    /** Distributed tracing (Tracing.wiring): every agent publishes spans to its Redis. Default: none (off). */
    tracing?: TracingWiring;
}

/**
 * Creates the agents' resources as children of `opts.parent`, each Pulumi name starting with
 * `name`; returns the agents in config order.
 */
export function createAgents(name: string, args: AgentsArgs, opts: pulumi.ComponentResourceOptions): Agent[] {
    const { namespace } = args;
    const instance = args.instance ?? pulumi.getStack();
    const sharedStorage = args.storage ?? {};
    const storage = SHARED_VOLUMES.some((volume) => sharedStorage[volume])
        ? new SharedStorage(`${name}-shared-storage`, { storage: sharedStorage, namespace, instance, protectData: args.protectData }, opts)
        : undefined;
    if (args.agents.length === 0) {
        return [];
    }
    const data = agentSettings();
    const settings = new k8s.core.v1.ConfigMap(
        `${name}-agent-settings`,
        {
            metadata: {
                name: AGENT_SETTINGS_CONFIGMAP,
                namespace,
                labels: labels({ name: AGENT_SETTINGS_CONFIGMAP, component: "agent", instance }),
            },
            data,
        },
        opts,
    );
    return args.agents.map(
        (agent) =>
            new Agent(
                `${name}-agent-${agent.name}`,
                {
                    agent,
                    namespace,
                    instance,
                    registryUrl: args.registryUrl,
                    settings: { configMap: settings.metadata.name, data },
                    secrets: args.secrets[agent.name],
                    sharedClaims: storage?.claims,
                    monitoringNamespace: args.monitoringNamespace,
                    crd: args.crd,
                    protectData: args.protectData,
                    imagePullSecrets: args.imagePullSecrets,
                    tracing: args.tracing,
                    ...(args.meshTls
                        ? {
                              meshTls: {
                                  secretName: tlsSecretName(agent.name),
                                  certificateFingerprint: args.certificateFingerprints?.get(agent.name),
                              },
                          }
                        : {}),
                },
                opts,
            ),
    );
}
