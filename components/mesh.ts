// McpMesh: the whole deployment, composed from the validated config in dependency order.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent } from "./agents/agent";
import { createAgents } from "./agents/agents";
import { MeshConfig, MeshSecrets } from "./config/mesh-config";
import { Backup, backupPodLabels } from "./backup/backup";
import { mcpAgentCrd } from "./agents/crd";
import { labels, selectorLabels } from "./k8s/labels";
import { dataOptions } from "./k8s/data-protection";
import { meshNetworkPolicies, postgresPodLabels } from "./k8s/network-policies";
import { Postgres } from "./data/postgres";
import { Registry } from "./registry/registry";
import { MESH, POSTGRES_NAME, REGISTRY_NAME } from "./k8s/names";

export interface McpMeshArgs {
    /** The validated stack config (see components/config/). */
    config: MeshConfig;
    /** Value of app.kubernetes.io/instance on every object. Default: the config's `instance`, else the stack name. */
    instance?: string;
    /** Secret config values, read with getSecret by the caller. */
    secrets: MeshSecrets;
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
        const instance = args.instance ?? config.instance ?? pulumi.getStack();

        this.namespace = this.createNamespace(name, config, instance);
        // Cluster-wide, holding every MCPAgent of every namespace: never deleted by this stack,
        // not on destroy and not when installCrds is switched off.
        this.crd = config.installCrds ? mcpAgentCrd(`${name}-mcpagents-crd`, instance, dataOptions(this, config.protectData)) : undefined;
        const postgres = this.createDatabase(name, config, instance, args.secrets.databasePassword);
        this.registry = this.createRegistry(name, config, instance, postgres);
        this.agents = createAgents(
            name,
            {
                agents: config.agents,
                storage: config.storage,
                namespace: this.namespace,
                instance,
                registryUrl: this.registry.url,
                secrets: args.secrets.agentSecrets ?? {},
                crd: this.crd,
                monitoringNamespace: config.registry.monitoring.namespace,
                protectData: config.protectData,
                imagePullSecrets: config.imagePullSecrets,
            },
            { parent: this },
        );
        this.backup = config.backup.enabled ? this.createBackup(name, config, instance) : undefined;
        meshNetworkPolicies(
            name,
            {
                namespace: this.namespace,
                instance,
                ownsNamespace: config.createNamespace,
                dns: config.network.dns,
                registryPort: config.registry.port,
                agentPorts: config.agents.map((agent) => agent.service.port),
                postgres:
                    config.database.type === "postgres"
                        ? {
                              port: config.database.postgres.port,
                              pods: config.database.postgres.mode === "provision" ? postgresPodLabels(instance) : undefined,
                          }
                        : undefined,
                backup: config.backup.enabled,
                registryPods: selectorLabels({ name: REGISTRY_NAME, instance }),
                backupPods: backupPodLabels(instance),
            },
            { parent: this },
        );

        this.registerOutputs({ namespace: this.namespace, registryUrl: this.registry.url });
    }

    /** The namespace, labelled for Pod Security Standards `restricted`; or the name of an existing one. */
    private createNamespace(name: string, config: MeshConfig, instance: string): pulumi.Output<string> {
        if (!config.createNamespace) {
            return pulumi.output(config.namespace);
        }
        return new k8s.core.v1.Namespace(
            `${name}-namespace`,
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
        ).metadata.name;
    }

    /** PostgreSQL (external or provisioned) when `database.type=postgres`. */
    private createDatabase(
        name: string,
        config: MeshConfig,
        instance: string,
        externalPassword?: pulumi.Output<string>,
    ): Postgres | undefined {
        if (config.database.type !== "postgres") {
            return undefined;
        }
        return new Postgres(
            `${name}-postgres`,
            {
                postgres: config.database.postgres,
                namespace: this.namespace,
                instance,
                externalPassword,
                clientLabels: [selectorLabels({ name: REGISTRY_NAME, instance }), backupPodLabels(instance)],
                imagePullSecrets: config.imagePullSecrets,
                protectData: config.protectData,
            },
            { parent: this },
        );
    }

    private createRegistry(name: string, config: MeshConfig, instance: string, postgres: Postgres | undefined): Registry {
        const pg = config.database.postgres;
        return new Registry(
            `${name}-registry`,
            {
                registry: config.registry,
                namespace: this.namespace,
                instance,
                database: postgres ? { type: "postgres", endpoint: { ...pg, host: postgresHost(config) } } : { type: "sqlite" },
                databasePassword: postgres?.password,
                initContainers: postgres ? [postgres.waitContainer] : [],
                // A PostgreSQL edit (user, database) applies first: an unready server stops the update before the registry rolls.
                dependsOn: postgres?.statefulSet ? [postgres.statefulSet] : [],
                imagePullSecrets: config.imagePullSecrets,
            },
            { parent: this },
        );
    }

    private createBackup(name: string, config: MeshConfig, instance: string): Backup {
        const pg = config.database.postgres;
        return new Backup(
            `${name}-backup`,
            {
                backup: config.backup,
                database:
                    config.database.type === "sqlite"
                        ? { type: "sqlite" }
                        : { type: "postgres", image: pg.image, host: pg.host ?? POSTGRES_NAME, database: pg.database },
                namespace: this.namespace,
                instance,
                protectData: config.protectData,
                imagePullSecrets: config.imagePullSecrets,
                dependsOn: [this.registry.statefulSet],
            },
            { parent: this },
        );
    }
}

/** Host of the PostgreSQL server the registry uses (the provisioned Service, or the external host). */
export function postgresHost(config: MeshConfig): string {
    const pg = config.database.postgres;
    return pg.mode === "external" ? (pg.host ?? "") : `${POSTGRES_NAME}.${config.namespace}.svc.cluster.local`;
}
