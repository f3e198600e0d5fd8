// Everything `agents` and `storage` deploy: the shared settings ConfigMap (`mcp-agent-config`),
// the shared volumes, and one Agent per entry, wired to the registry.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent } from "./agent";
import { SHARED_VOLUMES } from "./agent-config";
import { AgentSecretValues } from "./agent-secrets";
import { agentSettings } from "./agent-spec";
import { MeshConfig } from "./config";
import { labels } from "./labels";
import { AGENT_SETTINGS_CONFIGMAP } from "./names";
import { SharedStorage } from "./shared-storage";

export interface AgentsArgs {
    /** The validated stack config; reads `agents`, `storage`, `protectData` and the registry's monitoring namespace. */
    config: MeshConfig;
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance. */
    instance: string;
    /** The registry's in-cluster URL (Registry.url). */
    registryUrl: pulumi.Input<string>;
    /** Secret values of every agent's secretEnv, from encrypted config `agentSecrets`. */
    secrets: AgentSecretValues;
    /** The MCPAgent CRD when this stack installs it. Default: none. */
    crd?: pulumi.Resource;
}

/** Creates the agents' resources as children of `opts.parent`; returns the agents in config order. */
export function createAgents(args: AgentsArgs, opts: pulumi.ComponentResourceOptions): Agent[] {
    const { config, namespace, instance } = args;
    const storage = SHARED_VOLUMES.some((volume) => config.storage[volume])
        ? new SharedStorage("shared-storage", { storage: config.storage, namespace, instance, protectData: config.protectData }, opts)
        : undefined;
    if (config.agents.length === 0) {
        return [];
    }
    const data = agentSettings();
    const settings = new k8s.core.v1.ConfigMap(
        AGENT_SETTINGS_CONFIGMAP,
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
    return config.agents.map(
        (agent) =>
            new Agent(
                agent.name,
                {
                    agent,
                    namespace,
                    instance,
                    registryUrl: args.registryUrl,
                    settings: { configMap: settings.metadata.name, data },
                    secrets: args.secrets[agent.name],
                    sharedClaims: storage?.claims,
                    monitoringNamespace: config.registry.monitoring.namespace,
                    crd: args.crd,
                    protectData: config.protectData,
                },
                opts,
            ),
    );
}
