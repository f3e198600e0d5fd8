// McpMesh: the whole deployment, composed from the validated config in dependency order.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent } from "./agents/agent";
import { createAgents } from "./agents/agents";
import { MeshConfig, MeshSecrets } from "./config/mesh-config";
import { Backup, BackupSource, backupPodLabels } from "./backup/backup";
import { startFromBackup } from "./backup/start-from";
import { longestScheduleGapSeconds } from "./backup/schedule";
import { MeshAlerts } from "./alerts/alerts";
import { DATA_DIR, SQLITE_PATH } from "./registry/settings";
import { mcpAgentCrd } from "./agents/crd";
import { labels, selectorLabels } from "./k8s/labels";
import { dataOptions } from "./k8s/data-protection";
import { meshNetworkPolicies, postgresPodLabels } from "./k8s/network-policies";
import { Postgres } from "./data/postgres";
import { POSTGRES_CA_FILE, PostgresCa, PostgresEndpoint } from "./data/database-url";
import { Registry } from "./registry/registry";
import { Dashboard } from "./dashboard/dashboard";
import { Tracing } from "./tracing/tracing";
import { TracingWiring } from "./k8s/tracing-env";
import { DASHBOARD_NAME, MESH, POSTGRES_NAME, REGISTRY_HEADLESS, REGISTRY_NAME, tlsSecretName } from "./k8s/names";
import { meshCertificates, serviceDnsNames } from "./k8s/cert-manager";
import { CertificateFingerprints, programCertificates } from "./k8s/mesh-ca-secrets";
import { hours } from "./config/tls";
import { FixedSetting, SettingsGuard } from "./k8s/settings-guard";

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
    /** The dashboard, when `dashboard.enabled`. */
    public readonly dashboard?: Dashboard;
    /** The PrometheusRule, when `alerts.enabled`. */
    public readonly alerts?: MeshAlerts;
    /** Tracing's Redis (or your Redis's URL) and the clients' egress, when `tracing.enabled`. */
    public readonly tracing?: Tracing;

    constructor(name: string, args: McpMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:McpMesh", name, {}, opts);
        const { config } = args;
        const instance = args.instance ?? config.instance ?? pulumi.getStack();
        const guard = new SettingsGuard(`${name}-fixed-settings`, fixedSettings(config, instance), { parent: this });
        // The namespace is read through the guard, so every namespaced object registers only once the
        // guard passed: when it refuses, nothing changes, even under `pulumi up --skip-preview`.
        const namespace = guard.urn.apply(() => config.namespace);

        this.namespace = this.createNamespace(name, config, instance, namespace);
        // Cluster-wide, holding every MCPAgent of every namespace: never deleted by this stack,
        // not on destroy and not when installCrds is switched off.
        this.crd = config.installCrds ? mcpAgentCrd(`${name}-mcpagents-crd`, instance, dataOptions(this, config.protectData)) : undefined;
        const fingerprints = this.createCertificates(name, config, instance);
        const postgres = this.createDatabase(name, config, instance, args.secrets.databasePassword);
        this.tracing = config.tracing.enabled ? this.createTracing(name, config, instance) : undefined;
        const tracing = this.tracing?.wiring;
        // Registry 3.7.1 only exports spans to Tempo (and answers `meshctl trace` from it); without
        // one it logs an error per span and dials localhost:4317 every minute: left out then.
        this.registry = this.createRegistry(name, config, instance, postgres, fingerprints, tracing?.tempo ? tracing : undefined);
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
                meshTls: config.tls.enabled,
                certificateFingerprints: fingerprints,
                tracing,
            },
            { parent: this },
        );
        this.dashboard = config.dashboard.enabled ? this.createDashboard(name, config, instance, fingerprints, tracing) : undefined;
        this.backup = config.backup.enabled ? this.createBackup(name, config, instance) : undefined;
        this.alerts = config.alerts.enabled ? this.createAlerts(name, config, instance) : undefined;
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
    private createNamespace(name: string, config: MeshConfig, instance: string, namespace: pulumi.Output<string>): pulumi.Output<string> {
        if (!config.createNamespace) {
            return namespace;
        }
        return new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: namespace,
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

    /**
     * tls.enabled: a certificate per mesh workload in its Secret `<workload>-tls`, which its pods
     * mount: cert-manager Certificates, or (source pulumi) the program's own CA, whose
     * certificate fingerprints roll the pods on renewal. Source secrets: the user's Secrets.
     */
    private createCertificates(name: string, config: MeshConfig, instance: string): CertificateFingerprints | undefined {
        const { tls, namespace } = config;
        if (!tls.enabled || tls.source === "secrets") {
            return undefined;
        }
        const workloads = [
            {
                name: REGISTRY_NAME,
                // The client Service, and each replica by its headless name.
                dnsNames: [
                    ...serviceDnsNames(REGISTRY_NAME, namespace),
                    ...serviceDnsNames(REGISTRY_HEADLESS, namespace),
                    `*.${REGISTRY_HEADLESS}.${namespace}.svc.cluster.local`,
                ],
            },
            ...config.agents.map((agent) => ({ name: agent.name, dnsNames: serviceDnsNames(agent.name, namespace) })),
            // A client of the registry only: its certificate names its Service like the others'.
            ...(config.dashboard.enabled ? [{ name: DASHBOARD_NAME, dnsNames: serviceDnsNames(DASHBOARD_NAME, namespace) }] : []),
            // The provisioned PostgreSQL: the name its clients dial (verify-full checks it).
            ...(config.database.type === "postgres" && config.database.postgres.mode === "provision"
                ? [{ name: POSTGRES_NAME, dnsNames: serviceDnsNames(POSTGRES_NAME, namespace) }]
                : []),
        ];
        if (tls.source === "pulumi") {
            return programCertificates(
                name,
                {
                    namespace: this.namespace,
                    instance,
                    workloads,
                    validityHours: hours(tls.duration),
                    renewBeforeHours: hours(tls.renewBefore),
                },
                { parent: this },
            );
        }
        meshCertificates(
            name,
            { namespace: this.namespace, instance, issuer: tls.issuer, duration: tls.duration, renewBefore: tls.renewBefore, workloads },
            { parent: this },
        );
        return undefined;
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
                ...(config.tls.enabled ? { serverTls: { secretName: tlsSecretName(POSTGRES_NAME) } } : {}),
                protectData: config.protectData,
            },
            { parent: this },
        );
    }

    /** Redis for the span stream (the program's, or your URL Secret) and the clients' egress to it and to Tempo. */
    private createTracing(name: string, config: MeshConfig, instance: string): Tracing {
        return new Tracing(
            `${name}-tracing`,
            {
                tracing: config.tracing,
                namespace: this.namespace,
                instance,
                clients: [
                    ...(config.dashboard.enabled
                        ? [{ component: "dashboard", pods: selectorLabels({ name: DASHBOARD_NAME, instance }) }]
                        : []),
                    ...(config.tracing.tempo ? [{ component: "registry", pods: selectorLabels({ name: REGISTRY_NAME, instance }) }] : []),
                ],
                imagePullSecrets: config.imagePullSecrets,
            },
            { parent: this },
        );
    }

    private createRegistry(
        name: string,
        config: MeshConfig,
        instance: string,
        postgres: Postgres | undefined,
        fingerprints: CertificateFingerprints | undefined,
        tracing: TracingWiring | undefined,
    ): Registry {
        const store = config.backup.objectStorage;
        const startFrom =
            store && config.backup.startFrom
                ? startFromBackup({
                      startFrom: config.backup.startFrom,
                      store,
                      instance,
                      database:
                          config.database.type === "sqlite"
                              ? { type: "sqlite", sqlitePath: SQLITE_PATH, dataDir: DATA_DIR, sqliteImage: sqliteToolsImage(config) }
                              : postgresSource(config),
                      imagePullPolicy: config.backup.imagePullPolicy,
                      resources: config.backup.resources,
                  })
                : undefined;
        return new Registry(
            `${name}-registry`,
            {
                registry: config.registry,
                namespace: this.namespace,
                instance,
                database: postgres ? { type: "postgres", endpoint: postgresEndpoint(config) } : { type: "sqlite" },
                ...(postgres && postgresCa(config) ? { postgresCa: postgresCa(config) } : {}),
                databasePassword: postgres?.password,
                initContainers: [...(postgres ? [postgres.waitContainer] : []), ...(startFrom?.initContainers ?? [])],
                initVolumes: startFrom?.volumes ?? [],
                // A PostgreSQL edit (user, database) applies first: an unready server stops the update before the registry rolls.
                dependsOn: postgres?.statefulSet ? [postgres.statefulSet] : [],
                imagePullSecrets: config.imagePullSecrets,
                ...(config.tls.enabled
                    ? { meshTls: { secretName: tlsSecretName(REGISTRY_NAME), certificateFingerprint: fingerprints?.get(REGISTRY_NAME) } }
                    : {}),
                clients: config.dashboard.enabled
                    ? [{ podSelector: { matchLabels: selectorLabels({ name: DASHBOARD_NAME, instance }) } }]
                    : [],
                tracing,
            },
            { parent: this },
        );
    }

    private createDashboard(
        name: string,
        config: MeshConfig,
        instance: string,
        fingerprints: CertificateFingerprints | undefined,
        tracing: TracingWiring | undefined,
    ): Dashboard {
        return new Dashboard(
            `${name}-dashboard`,
            {
                dashboard: config.dashboard,
                namespace: this.namespace,
                instance,
                registryUrl: this.registry.url,
                registry: { pods: this.registry.podSelector, port: config.registry.port },
                imagePullSecrets: config.imagePullSecrets,
                tracing,
                ...(config.tls.enabled
                    ? { meshTls: { secretName: tlsSecretName(DASHBOARD_NAME), certificateFingerprint: fingerprints?.get(DASHBOARD_NAME) } }
                    : {}),
            },
            { parent: this },
        );
    }

    /** The rule watches the objects this stack rendered, by their metadata.name. */
    private createAlerts(name: string, config: MeshConfig, instance: string): MeshAlerts {
        const { backup } = config;
        // A run may start startingDeadlineSeconds late and take deadlineSeconds: then the longest gap between runs is over.
        const staleAfter = (schedule: string) =>
            longestScheduleGapSeconds(schedule, backup.timeZone) + backup.startingDeadlineSeconds + backup.deadlineSeconds;
        return new MeshAlerts(
            `${name}-alerts`,
            {
                namespace: this.namespace,
                instance,
                alerts: config.alerts,
                statefulSet: this.registry.statefulSet.metadata.name,
                ...(this.backup ? { backup: { name: this.backup.cronJobName, staleAfterSeconds: staleAfter(backup.schedule) } } : {}),
                ...(this.backup?.drillCronJobName && backup.drill
                    ? { drill: { name: this.backup.drillCronJobName, staleAfterSeconds: staleAfter(backup.drill.schedule) } }
                    : {}),
            },
            { parent: this },
        );
    }

    private createBackup(name: string, config: MeshConfig, instance: string): Backup {
        return new Backup(
            `${name}-backup`,
            {
                backup: config.backup,
                database: config.database.type === "sqlite" ? { type: "sqlite", image: sqliteToolsImage(config) } : postgresSource(config),
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

/** The registry's PostgreSQL database as the backup (and startFrom) reach it. */
function postgresSource(config: MeshConfig): Extract<BackupSource, { type: "postgres" }> {
    const pg = config.database.postgres;
    const ca = postgresCa(config);
    return { type: "postgres", image: pg.image, host: pg.host ?? POSTGRES_NAME, database: pg.database, ...(ca ? { ca } : {}) };
}

/** Settings a deployed stack keeps (components/k8s/settings-guard.ts), each with its way out. */
export function fixedSettings(config: MeshConfig, instance: string): FixedSetting[] {
    const pg = config.database.postgres;
    const provisioned = config.database.type === "postgres" && pg.mode === "provision";
    const postgresInit =
        "the PostgreSQL image creates the role and database only in an empty data directory, so the registry would log in to " +
        "ones that do not exist. To rename them: ALTER ROLE/ALTER DATABASE ... RENAME TO in the server, then " +
        "`pulumi state delete` the guard (README: PostgreSQL user and database) and `pulumi up`";
    return [
        {
            key: "namespace",
            value: config.namespace,
            wayOut:
                "a new namespace gets new, empty objects and claims while the data stays in the old one. To move: back up, " +
                "`pulumi destroy` (namespace and claims are kept), set the namespace, `pulumi up`, restore (README: Changing namespace)",
        },
        {
            key: "instance",
            value: instance,
            wayOut:
                "app.kubernetes.io/instance is in every selector, which cannot change, so every workload would be replaced. " +
                "Unset, it is the stack name: a `pulumi stack rename` changes it, and setting it to the old value keeps everything",
        },
        {
            key: "database.type",
            value: config.database.type,
            wayOut:
                "the registry's StatefulSet keeps the claim templates it was created with and the data stays in the old database. " +
                "To switch: back up, `pulumi destroy` (claims are kept), set it, `pulumi up`, restore or start empty " +
                "(README: Switching the database type)",
        },
        ...(provisioned
            ? [
                  { key: "database.postgres.user", value: pg.user, wayOut: postgresInit },
                  { key: "database.postgres.database", value: pg.database, wayOut: postgresInit },
              ]
            : []),
    ];
}

/**
 * The CA the registry and the backup verify PostgreSQL's certificate against: the external
 * server's (database.postgres.sslRootCert), or for the provisioned server with tls.enabled the
 * mesh CA (`ca.crt` of the registry's own certificate Secret). None: no verification possible.
 */
export function postgresCa(config: MeshConfig): PostgresCa | undefined {
    const pg = config.database.postgres;
    if (pg.sslRootCert) {
        return { secretName: pg.sslRootCert.secretName, key: pg.sslRootCert.key };
    }
    return pg.mode === "provision" && config.tls.enabled ? { secretName: tlsSecretName(REGISTRY_NAME), key: "ca.crt" } : undefined;
}

/** The registry's PostgreSQL endpoint: host, port, database, user, sslmode and, with a CA, its mounted file. */
function postgresEndpoint(config: MeshConfig): PostgresEndpoint {
    const pg = config.database.postgres;
    return {
        host: postgresHost(config),
        port: pg.port,
        database: pg.database,
        user: pg.user,
        sslmode: pg.sslmode,
        ...(postgresCa(config) ? { sslRootCert: POSTGRES_CA_FILE } : {}),
    };
}

/** Host of the PostgreSQL server the registry uses (the provisioned Service, or the external host). */
export function postgresHost(config: MeshConfig): string {
    const pg = config.database.postgres;
    return pg.mode === "external" ? (pg.host ?? "") : `${POSTGRES_NAME}.${config.namespace}.svc.cluster.local`;
}

/**
 * The image the SQLite backup, drill and start-from run sqlite3 from: backup.sqliteImage, or the
 * registry's own image, which ships Debian 12's sqlite3 (the registry image the stack already trusts
 * with the database, and the sqlite3 release the script tests run).
 */
function sqliteToolsImage(config: MeshConfig): string {
    return config.backup.sqliteImage ?? config.registry.image;
}
