// The MCP Mesh registry: StatefulSet (a per-replica SQLite volume; none on PostgreSQL),
// Services, settings ConfigMap, Secret for credentials, PDB, NetworkPolicy. Registry 3.x has
// no leader election: every replica is active and shares PostgreSQL, so no RBAC, no API token.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RegistryConfig, registrySchema } from "../config/registry";
import * as kube from "../k8s/builders";
import { checksum } from "../k8s/checksum";
import { requestedStorageAnnotations } from "../k8s/data-protection";
import { pgServiceFile, POSTGRES_CA_DIR, PostgresCa } from "../data/database-url";
import {
    DATA_DIR,
    drainCommand,
    REGISTRY_HEALTH_PATH,
    REGISTRY_READY_PATH,
    registryArgs,
    RegistryDatabase,
    registryTracingEnv,
    registrySettings,
    TLS_DIR,
} from "./settings";
import { REGISTRY_CONFIGMAP, REGISTRY_HEADLESS, REGISTRY_NAME, REGISTRY_SECRET } from "../k8s/names";
import { requireMutableConfig } from "../k8s/provider-settings";
import { rolloutTimeouts } from "../k8s/rollout";
import { secretChecksum } from "../k8s/secret-checksum";
import { certificateAnnotation, MeshTlsArgs, meshTlsVolumes, ProbeKind, registryExecProbe } from "../k8s/mesh-tls";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { tracingAnnotation, TracingWiring } from "../k8s/tracing-env";
import { Container, EnvVar, NetworkPolicyPeer, Probe, Volume, VolumeMount } from "../k8s/types";

/** Registry Secret keys on PostgreSQL: the role's password (PGPASSWORD), and a libpq service file for the backup job. */
export const DATABASE_PASSWORD_KEY = "database-password";
export const PG_SERVICE_KEY = "pg_service.conf";
const METRICS_LABEL = "mcp-mesh.io/metrics";

export interface RegistryArgs {
    /** Namespace to deploy into, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /**
     * Image, replicas, resources, storage, probes, heartbeat, scheduling, TLS, monitoring: the
     * shape of the stack config's `registry` section, with its defaults (components/config/registry.ts);
     * `registryConfig({ replicas: 3 })` fills the rest. Default: `registryConfig({})`.
     */
    registry?: RegistryConfig;
    /**
     * The database: SQLite (a `data` volume per replica; one replica only), or a PostgreSQL
     * endpoint (host, port, database, user, sslmode; the DSN carries no password).
     * Default: `{ type: "sqlite" }`.
     */
    database?: RegistryDatabase;
    /**
     * Password of the PostgreSQL role (secret), with a `postgres` database; stored in the registry
     * Secret, read as PGPASSWORD (the DSN in the ConfigMap has none) and, inside a libpq service
     * file (`pg_service.conf`), by the backup job. Default: none.
     */
    databasePassword?: pulumi.Input<string>;
    /** Names of image pull Secrets (`kubernetes.io/dockerconfigjson`, created by you in the namespace) for its pods. Default: none. */
    imagePullSecrets?: string[];
    /** Resources the registry's pods must not roll before (the provisioned PostgreSQL). Default: none. */
    dependsOn?: pulumi.Resource[];
    /** Containers that must complete before the registry starts (e.g. wait for PostgreSQL). Default: none. */
    initContainers?: Container[];
    /** Volumes only those init containers mount (the `data` claim and `tmp` they may mount as well). Default: none. */
    initVolumes?: Volume[];
    /**
     * Mesh-wide mutual TLS (`tls.enabled`): the Secret holding the registry's certificate
     * (`tls.crt`, `tls.key`, `ca.crt`). The registry then runs in strict mode, admits only
     * clients with a certificate from that CA (filestore trust dir), and probes over mTLS (exec).
     * Default: none (plain HTTP, or `registry.tls`).
     */
    meshTls?: MeshTlsArgs;
    /**
     * The CA that signed the PostgreSQL server's certificate (sslmode verify-ca/verify-full),
     * mounted as POSTGRES_CA_DIR/ca.crt; the endpoint's sslRootCert names that file. Default: none.
     */
    postgresCa?: PostgresCa;
    /** Pods besides agents and registry peers that call the registry (e.g. the dashboard's). Default: none. */
    clients?: NetworkPolicyPeer[];
    /**
     * Distributed tracing (Tracing.wiring): the registry reads the span stream from Redis and,
     * with Tempo, exports it there and answers `meshctl trace` from it. Default: none (off).
     */
    tracing?: TracingWiring;
}

export class Registry extends pulumi.ComponentResource {
    /** Name of the client Service agents talk to. */
    public readonly serviceName: pulumi.Output<string>;
    /** In-cluster URL of the registry API, e.g. http://mcp-mesh-registry.mcp-mesh.svc.cluster.local:8000. */
    public readonly url: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** Selector labels of the registry's pods, for a client's NetworkPolicy egress (e.g. a Dashboard's). */
    public readonly podSelector: Record<string, string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Registry", name, {}, opts);
        requireMutableConfig(this, `Registry ${name}`);
        const registry = args.registry ?? registryConfig({});
        const parts: Parts = {
            name,
            args,
            registry,
            database: args.database ?? { type: "sqlite" },
            labels: kube.objectLabels({
                name: REGISTRY_NAME,
                component: "registry",
                instance: args.instance ?? pulumi.getStack(),
                image: registry.image,
                namespace: args.namespace,
            }),
            scheme: registry.tls.secretName || args.meshTls ? "HTTPS" : "HTTP",
        };
        const settings = this.createSettings(parts);
        const service = this.createServices(parts);
        this.statefulSet = this.createStatefulSet(parts, settings, service.headless);
        this.createPolicies(parts);

        this.podSelector = parts.labels.selector;
        this.serviceName = service.client.metadata.name;
        this.url = pulumi.interpolate`${parts.scheme.toLowerCase()}://${service.client.metadata.name}.${service.client.metadata.namespace}.svc.cluster.local:${registry.port}`;
        this.registerOutputs({ serviceName: this.serviceName, url: this.url });
    }

    /** The settings ConfigMap, and on PostgreSQL the Secret with the password and the libpq service file. */
    private createSettings({ name, args, registry, database, labels }: Parts): Settings {
        const child = { parent: this };
        const data = registrySettings(registry, database, args.meshTls !== undefined);
        const configMap = new k8s.core.v1.ConfigMap(`${name}-settings`, { metadata: labels.meta(REGISTRY_CONFIGMAP), data }, child);
        const secretData: Record<string, pulumi.Output<string>> = {};
        if (args.databasePassword !== undefined && database.type === "postgres") {
            const endpoint = database.endpoint;
            const password = pulumi.output(args.databasePassword);
            secretData[DATABASE_PASSWORD_KEY] = pulumi.secret(password);
            secretData[PG_SERVICE_KEY] = pulumi.secret(password.apply((value) => pgServiceFile(endpoint, value)));
        }
        const secret =
            Object.keys(secretData).length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-secret`,
                      { metadata: labels.meta(REGISTRY_SECRET), type: "Opaque", stringData: secretData },
                      child,
                  )
                : undefined;
        return { data, configMap, secret, secretData };
    }

    /** The headless Service (the StatefulSet's, every pod ready or not) and the client Service agents call. */
    private createServices({ name, registry, labels }: Parts): { headless: k8s.core.v1.Service; client: k8s.core.v1.Service } {
        const child = { parent: this };
        const ports = [{ name: "http", port: registry.port, targetPort: "http", protocol: "TCP" }];
        const headless = new k8s.core.v1.Service(
            `${name}-headless`,
            {
                metadata: labels.meta(REGISTRY_HEADLESS),
                spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: labels.selector, ports },
            },
            child,
        );
        const client = new k8s.core.v1.Service(
            `${name}-service`,
            {
                // The headless Service selects the same pods: scrape through this one only.
                metadata: {
                    ...labels.meta(REGISTRY_NAME),
                    labels: registry.monitoring.serviceMonitor ? { ...labels.common, [METRICS_LABEL]: "true" } : labels.common,
                },
                spec: { type: "ClusterIP", selector: labels.selector, ports },
            },
            child,
        );
        return { headless, client };
    }

    /** The ServiceAccount (no API token) and the StatefulSet: the pods, their volumes and, on SQLite, the claim template. */
    private createStatefulSet(parts: Parts, settings: Settings, headless: k8s.core.v1.Service): k8s.apps.v1.StatefulSet {
        const { name, args, registry, database, labels } = parts;
        const { selector, meta } = labels;
        const child = { parent: this };
        // No API access: registry 3.x does no leader election (all replicas are active).
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            { metadata: meta(REGISTRY_NAME), automountServiceAccountToken: false },
            child,
        );
        // A zero initialDelaySeconds is the API server's default and it drops it: render it only when set.
        // With mesh TLS a probe must present the mesh certificate: exec, not httpGet.
        const httpProbe = (
            kind: ProbeKind,
            path: string,
            { initialDelaySeconds, ...rest }: RegistryConfig["probes"]["liveness"],
        ): Probe => {
            const timing = { ...(initialDelaySeconds > 0 ? { initialDelaySeconds } : {}), ...rest };
            return args.meshTls
                ? registryExecProbe(kind, path, registry.port, timing)
                : { httpGet: { path, port: "http", scheme: parts.scheme }, ...timing };
        };
        // On PostgreSQL the registry writes nothing locally: only SQLite gets a per-replica volume.
        const sqlite = database.type === "sqlite";
        const volumes: Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...(args.initVolumes ?? [])];
        const mounts: VolumeMount[] = [...(sqlite ? [{ name: "data", mountPath: DATA_DIR }] : []), { name: "tmp", mountPath: "/tmp" }];
        if (registry.tls.secretName) {
            volumes.push({ name: "tls", secret: { secretName: registry.tls.secretName, defaultMode: 0o440 } });
            mounts.push({ name: "tls", mountPath: TLS_DIR, readOnly: true });
        }
        if (args.meshTls) {
            const tls = meshTlsVolumes(args.meshTls.secretName, true);
            volumes.push(...tls.volumes);
            mounts.push(...tls.mounts);
        }
        if (args.postgresCa) {
            volumes.push(postgresCaVolume(args.postgresCa));
            mounts.push({ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true });
        }
        const secretEnv: EnvVar[] = [
            ...(args.databasePassword !== undefined ? [secretKeyEnv("PGPASSWORD", DATABASE_PASSWORD_KEY)] : []),
            ...(args.tracing ? registryTracingEnv(args.tracing) : []),
        ];
        const podAnnotations: Record<string, pulumi.Input<string>> = {
            "checksum/config": checksum(settings.data),
            // A new DSN or token must reach the pods: their environment is read at start.
            ...(settings.secret ? { "checksum/secret": secretChecksum(`${name}-secret-checksum-key`, settings.secretData, child) } : {}),
            ...(registry.monitoring.scrapeAnnotations ? kube.scrapeAnnotations(registry.port) : {}),
            ...certificateAnnotation(args.meshTls),
            ...tracingAnnotation(args.tracing),
        };

        return new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: {
                    ...meta(REGISTRY_NAME),
                    labels: labels.workload,
                    // volumeClaimTemplates are immutable and ignored below: this shows a storage edit in preview.
                    ...(sqlite ? { annotations: requestedStorageAnnotations(registry.storage) } : {}),
                },
                spec: {
                    serviceName: headless.metadata.name,
                    replicas: registry.replicas,
                    // One replica at a time: replicas started at once on a fresh PostgreSQL race to
                    // create the schema and all but one exit. Immutable: decided before any stack exists.
                    podManagementPolicy: "OrderedReady",
                    updateStrategy: { type: "RollingUpdate" },
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: labels.workload, annotations: podAnnotations },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            ...kube.pullSecrets(parts.args.imagePullSecrets),
                            securityContext: restrictedPodSecurity(),
                            enableServiceLinks: false,
                            // Long enough for the preStop drain to let in-flight jobs finish.
                            terminationGracePeriodSeconds: registry.drain.enabled ? registry.drain.gracePeriodSeconds : 30,
                            ...(registry.priorityClassName ? { priorityClassName: registry.priorityClassName } : {}),
                            affinity: registry.affinity ?? kube.spreadOverNodes(selector, registry.spread),
                            topologySpreadConstraints: kube.topologySpread(selector, ["topology.kubernetes.io/zone"]),
                            ...(Object.keys(registry.nodeSelector).length > 0 ? { nodeSelector: registry.nodeSelector } : {}),
                            ...(registry.tolerations.length > 0 ? { tolerations: registry.tolerations } : {}),
                            ...(args.initContainers?.length ? { initContainers: args.initContainers } : {}),
                            containers: [
                                {
                                    name: "registry",
                                    image: registry.image,
                                    imagePullPolicy: registry.imagePullPolicy,
                                    // The image's CMD (--host 0.0.0.0 --port 8000) overrides PORT: pass the port here.
                                    args: registryArgs(registry.port),
                                    ports: [{ name: "http", containerPort: registry.port, protocol: "TCP" }],
                                    envFrom: [{ configMapRef: { name: settings.configMap.metadata.name } }],
                                    ...(secretEnv.length > 0 ? { env: secretEnv } : {}),
                                    resources: registry.resources,
                                    securityContext: restrictedContainerSecurity(),
                                    startupProbe: httpProbe("startup", REGISTRY_HEALTH_PATH, registry.probes.startup),
                                    livenessProbe: httpProbe("liveness", REGISTRY_HEALTH_PATH, registry.probes.liveness),
                                    // Not ready while the database cannot serve (/health would still say 200).
                                    readinessProbe: httpProbe("readiness", REGISTRY_READY_PATH, registry.probes.readiness),
                                    ...(registry.drain.enabled
                                        ? { lifecycle: { preStop: { exec: { command: drainCommand(registry.drain.adminPort) } } } }
                                        : {}),
                                    volumeMounts: mounts,
                                },
                            ],
                            volumes,
                        },
                    },
                    // Immutable, like podManagementPolicy: a later switch of database type replaces
                    // the StatefulSet (README: "Switching the database type").
                    ...(sqlite
                        ? {
                              volumeClaimTemplates: [
                                  { metadata: { name: "data", labels: selector }, spec: kube.claimSpec(registry.storage) },
                              ],
                          }
                        : {}),
                },
            },
            {
                ...child,
                dependsOn: [...(settings.secret ? [settings.secret] : []), ...(parts.args.dependsOn ?? [])],
                ignoreChanges: ["spec.volumeClaimTemplates"],
                // A rolling update also waits for each old replica to drain.
                customTimeouts: rolloutTimeouts(
                    registry.replicas,
                    registry.probes,
                    0,
                    registry.drain.enabled ? registry.drain.gracePeriodSeconds : 0,
                ),
            },
        );
    }

    /** The disruption budget (more than one replica), the NetworkPolicy, and the ServiceMonitor when asked for. */
    private createPolicies({ name, args, registry, labels, scheme }: Parts): void {
        const { selector, meta } = labels;
        const child = { parent: this };
        if (registry.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                // A replica that is not Ready (e.g. database unreachable) may be evicted: it serves nothing anyway.
                { metadata: meta(REGISTRY_NAME), spec: kube.disruptionBudget(selector) },
                child,
            );
        }

        // Only for a version that serves /metrics: the config refuses both options otherwise.
        const scraped = registry.monitoring.scrapeAnnotations || registry.monitoring.serviceMonitor;
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: meta(REGISTRY_NAME),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        // Agents and registry peers in this namespace, and the other clients the mesh runs.
                        kube.allowFrom([kube.MESH_PEERS, ...(args.clients ?? [])], registry.port),
                        // Prometheus scrapes /metrics on the HTTP port.
                        ...(scraped ? [kube.allowFrom([kube.namespacePeer(registry.monitoring.namespace)], registry.port)] : []),
                    ],
                },
            },
            child,
        );

        if (registry.monitoring.serviceMonitor) {
            kube.serviceMonitor(
                `${name}-service-monitor`,
                {
                    metadata: meta(REGISTRY_NAME),
                    selector: { ...selector, [METRICS_LABEL]: "true" },
                    interval: registry.monitoring.interval,
                    scheme: scheme.toLowerCase(),
                },
                child,
            );
        }
    }
}

/** What every step of the Registry's constructor needs: its name, its resolved Args, its labels. */
interface Parts {
    name: string;
    args: RegistryArgs;
    registry: RegistryConfig;
    database: RegistryDatabase;
    labels: kube.ObjectLabels;
    scheme: "HTTP" | "HTTPS";
}

/** The settings step's results: what the pods read, and what rolls them. */
interface Settings {
    data: Record<string, string>;
    configMap: k8s.core.v1.ConfigMap;
    secret?: k8s.core.v1.Secret;
    secretData: Record<string, pulumi.Output<string>>;
}

/** The registry's settings with the stack config's defaults; `input` as the `registry` section. */
export function registryConfig(input: z.input<typeof registrySchema>): RegistryConfig {
    return registrySchema.parse(input);
}

/** The PostgreSQL CA as `ca.crt` (also mounted by the backup job). */
export function postgresCaVolume(ca: PostgresCa): Volume {
    return { name: "postgres-ca", secret: { secretName: ca.secretName, items: [{ key: ca.key, path: "ca.crt" }], defaultMode: 0o444 } };
}

function secretKeyEnv(name: string, key: string): EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: REGISTRY_SECRET, key } } };
}
