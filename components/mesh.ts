// McpMesh: the whole deployment, composed from the validated config in dependency order.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent } from "./agent";
import { createAgents } from "./agents";
import { AgentSecretValues } from "./agent-secrets";
import { MeshConfig } from "./config";
import { Backup, backupPodLabels } from "./backup";
import { mcpAgentCrd } from "./crd";
import { labels, selectorLabels } from "./labels";
import { dataOptions } from "./data-protection";
import { meshNetworkPolicies, postgresPodLabels } from "./network-policies";
import { Postgres } from "./postgres";
import { Registry } from "./registry";
import { MESH, REGISTRY_NAME } from "./names";

export interface McpMeshArgs {
    /** The validated stack config (see components/config.ts). */
    config: MeshConfig;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /** Secret config values, read with getSecret by the caller. */
    secrets: {
        /** Password of the external PostgreSQL server (database.postgres.mode=external). */
        databasePassword?: pulumi.Output<string>;
        /** Values of the agents' secretEnv variables (encrypted config `agentSecrets`). */
        agentSecrets?: AgentSecretValues;
    };
}

export class McpMesh extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly registry: Registry;
    /** The backup CronJob and its claim, when `backup.enabled`. */
    public readonly backup?: Backup;
    /** The MCPAgent CRD, when this stack installs it (`installCrds`). */
    public readonly crd?: k8s.apiextensions.v1.CustomResourceDefinition;
    /** One per `agents` entry, in config order. */
    public readonly agents: Agent[];

    constructor(name: string, args: McpMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:McpMesh", name, {}, opts);
        const { config } = args;
        const instance = args.instance ?? pulumi.getStack();
        const child = { parent: this };

        this.namespace = config.createNamespace
            ? new k8s.core.v1.Namespace(
                  "namespace",
                  {
                      metadata: {
                          name: config.namespace,
                          labels: {
                              ...labels({ name: MESH, component: "namespace", instance }),
                              "pod-security.kubernetes.io/enforce": "restricted",
                              "pod-security.kubernetes.io/enforce-version": "latest",
                              "pod-security.kubernetes.io/audit": "restricted",
                              "pod-security.kubernetes.io/warn": "restricted",
                          },
                      },
                  },
                  // The namespace holds every claim and Secret: deleting it deletes them all.
                  dataOptions(this, config.protectData),
              ).metadata.name
            : pulumi.output(config.namespace);

        // Cluster-wide, holding every MCPAgent of every namespace: never deleted by this stack,
        // not on destroy and not when installCrds is switched off.
        this.crd = config.installCrds ? mcpAgentCrd(instance, dataOptions(this, config.protectData)) : undefined;

        const postgres =
            config.database.type === "postgres"
                ? new Postgres(
                      "postgres",
                      {
                          config,
                          namespace: this.namespace,
                          instance,
                          externalPassword: args.secrets.databasePassword,
                          clientLabels: [selectorLabels({ name: REGISTRY_NAME, instance }), backupPodLabels(instance)],
                      },
                      child,
                  )
                : undefined;

        this.registry = new Registry(
            "registry",
            {
                config,
                namespace: this.namespace,
                instance,
                databasePassword: postgres?.password,
                initContainers: postgres ? [postgres.waitContainer] : [],
            },
            child,
        );

        this.agents = createAgents(
            {
                config,
                namespace: this.namespace,
                instance,
                registryUrl: this.registry.url,
                secrets: args.secrets.agentSecrets ?? {},
                crd: this.crd,
            },
            child,
        );

        if (config.backup.enabled) {
            this.backup = new Backup(
                "backup",
                { config, namespace: this.namespace, instance, dependsOn: [this.registry.statefulSet] },
                child,
            );
        }

        meshNetworkPolicies(
            {
                config,
                namespace: this.namespace,
                instance,
                registryPods: selectorLabels({ name: REGISTRY_NAME, instance }),
                backupPods: backupPodLabels(instance),
                postgresPods: postgresPodLabels(instance),
            },
            child,
        );

        this.registerOutputs({ namespace: this.namespace, registryUrl: this.registry.url });
    }
}
