// MCP Mesh's dashboard (meshui): Deployment, Service, NetworkPolicy, PDB (more than one replica)
// and, when the stack names a host, an Ingress. meshui serves the web UI and proxies the
// registry's API (/api/agents, /api/jobs, ...); it reaches nothing but the registry.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DashboardConfig, dashboardSchema } from "../config/dashboard";
import * as kube from "../k8s/builders";
import { DASHBOARD_NAME } from "../k8s/names";
import {
    certificateAnnotation,
    clientExecProbe,
    MESH_TLS_CA,
    MESH_TLS_CERT,
    MESH_TLS_KEY,
    MeshTlsArgs,
    meshTlsVolumes,
    ProbeKind,
} from "../k8s/mesh-tls";
import { rolloutTimeouts } from "../k8s/rollout";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { tracingAnnotation, tracingEnv, TracingWiring } from "../k8s/tracing-env";
import { EnvVar, NetworkPolicyIngressRule, Probe, Volume, VolumeMount } from "../k8s/types";

/** The mcpmesh/ui image's user (uid/gid 1000; the registry and runtime images use 999). */
export const DASHBOARD_UID = 1000;
/** meshui's own health path, under the base path (it does not ask the registry). */
export const DASHBOARD_HEALTH_PATH = "/api/ui-health";
/** meshui opens a SQLite file at start (its events and schema pages read it); the root filesystem is read-only. */
export const DASHBOARD_DATA_DIR = "/data";
const MIN_READY_SECONDS = 5;

const PROBES: Record<ProbeKind, { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }> = {
    startup: { periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
    liveness: { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
};

export interface DashboardArgs {
    /** Replicas, image, port, base path, resources, host and Ingress: the stack config's `dashboard` section. Default: `dashboardConfig({ enabled: true })`. */
    dashboard?: DashboardConfig;
    /** Namespace to deploy into, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /** The registry's in-cluster URL (Registry.url), which meshui proxies. */
    registryUrl: pulumi.Input<string>;
    /** The registry's pods (selector labels) and port: the dashboard's only egress besides DNS. */
    registry: { pods: Record<string, string>; port: number };
    /**
     * Mesh-wide mutual TLS (`tls.enabled`): the Secret holding the dashboard's mesh certificate,
     * which meshui presents to the strict registry (MCP_MESH_REGISTRY_TLS_*). Default: none.
     */
    meshTls?: MeshTlsArgs;
    /** Names of image pull Secrets for its pods. Default: none. */
    imagePullSecrets?: string[];
    /**
     * Distributed tracing (Tracing.wiring): meshui reads the span stream (each pod in a consumer
     * group of its own) for the Traffic and Live pages, and Tempo for history. Default: none (off).
     */
    tracing?: TracingWiring;
}

export class Dashboard extends pulumi.ComponentResource {
    /** In-cluster URL of the dashboard, e.g. http://mcp-mesh-dashboard.mcp-mesh.svc.cluster.local:3080/. */
    public readonly url: pulumi.Output<string>;
    /** The command that opens it on http://localhost:<port>. */
    public readonly portForward: pulumi.Output<string>;
    /** Its URL through the Ingress, when `host` is set. */
    public readonly externalUrl?: string;
    public readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Dashboard", name, {}, opts);
        const dashboard = args.dashboard ?? dashboardConfig({ enabled: true });
        const labels = kube.objectLabels({
            name: DASHBOARD_NAME,
            component: "dashboard",
            instance: args.instance ?? pulumi.getStack(),
            image: dashboard.image,
            namespace: args.namespace,
        });
        const child = { parent: this };
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: labels.meta(DASHBOARD_NAME),
                spec: {
                    type: "ClusterIP",
                    selector: labels.selector,
                    ports: [{ name: "http", port: dashboard.port, targetPort: "http", protocol: "TCP" }],
                },
            },
            child,
        );
        this.deployment = this.createDeployment(name, args, dashboard, labels);
        this.createPolicies(name, args, dashboard, labels);
        const path = `${dashboard.basePath}/`;
        if (dashboard.host) {
            this.createIngress(name, dashboard, labels, dashboard.host);
            this.externalUrl = `${dashboard.ingress.tlsSecretName ? "https" : "http"}://${dashboard.host}${path}`;
        }
        this.url = pulumi.interpolate`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${dashboard.port}${path}`;
        this.portForward = pulumi.interpolate`kubectl port-forward -n ${service.metadata.namespace} svc/${service.metadata.name} ${dashboard.port}:${dashboard.port}  # then open http://localhost:${dashboard.port}${path}`;
        this.registerOutputs({ url: this.url, portForward: this.portForward, externalUrl: this.externalUrl });
    }

    private createDeployment(
        name: string,
        args: DashboardArgs,
        dashboard: DashboardConfig,
        labels: kube.ObjectLabels,
    ): k8s.apps.v1.Deployment {
        const { selector, meta } = labels;
        const healthPath = `${dashboard.basePath}${DASHBOARD_HEALTH_PATH}`;
        // With mesh TLS, startup and liveness run the certificate-renewal check (exec); readiness stays a plain GET.
        const probe = (kind: ProbeKind): Probe =>
            args.meshTls && kind !== "readiness"
                ? clientExecProbe(kind, healthPath, dashboard.port, PROBES[kind])
                : { httpGet: { path: healthPath, port: "http", scheme: "HTTP" }, ...PROBES[kind] };
        const volumes: Volume[] = [
            { name: "tmp", emptyDir: { sizeLimit: "32Mi" } },
            { name: "data", emptyDir: { sizeLimit: "64Mi" } },
        ];
        const mounts: VolumeMount[] = [
            { name: "tmp", mountPath: "/tmp" },
            { name: "data", mountPath: DASHBOARD_DATA_DIR },
        ];
        if (args.meshTls) {
            const tls = meshTlsVolumes(args.meshTls.secretName, false);
            volumes.push(...tls.volumes);
            mounts.push(...tls.mounts);
        }
        return new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { ...meta(DASHBOARD_NAME), labels: labels.workload },
                spec: {
                    replicas: dashboard.replicas,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    minReadySeconds: MIN_READY_SECONDS,
                    revisionHistoryLimit: 5,
                    template: {
                        // No empty map: the API server drops it, and the live object would differ from the state.
                        metadata: { labels: labels.workload, ...podAnnotations(args) },
                        spec: {
                            automountServiceAccountToken: false,
                            ...kube.pullSecrets(args.imagePullSecrets),
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(DASHBOARD_UID),
                            terminationGracePeriodSeconds: 30,
                            affinity: kube.spreadOverNodes(selector),
                            containers: [
                                {
                                    name: "dashboard",
                                    image: dashboard.image,
                                    imagePullPolicy: dashboard.imagePullPolicy,
                                    // The image's CMD (--port 3080) overrides MCP_MESH_UI_PORT: pass the port here.
                                    args: ["--port", String(dashboard.port)],
                                    ports: [{ name: "http", containerPort: dashboard.port, protocol: "TCP" }],
                                    env: dashboardEnv(dashboard, args.registryUrl, args.meshTls !== undefined, args.tracing),
                                    resources: dashboard.resources,
                                    securityContext: restrictedContainerSecurity(),
                                    startupProbe: probe("startup"),
                                    livenessProbe: probe("liveness"),
                                    readinessProbe: probe("readiness"),
                                    volumeMounts: mounts,
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            { parent: this, customTimeouts: rolloutTimeouts(dashboard.replicas, PROBES, MIN_READY_SECONDS) },
        );
    }

    /** Ingress only from the ingress controller (with a host; port-forward needs none), egress only to the registry; a PDB for several replicas. */
    private createPolicies(name: string, args: DashboardArgs, dashboard: DashboardConfig, labels: kube.ObjectLabels): void {
        const { selector, meta } = labels;
        const ingress: NetworkPolicyIngressRule[] = dashboard.host
            ? [kube.allowFrom([kube.namespacePeer(dashboard.ingress.controllerNamespace)], dashboard.port)]
            : [];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: meta(DASHBOARD_NAME),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ingress.length > 0 ? ["Ingress", "Egress"] : ["Egress"],
                    ...(ingress.length > 0 ? { ingress } : {}),
                    egress: [
                        {
                            to: [{ podSelector: { matchLabels: args.registry.pods } }],
                            ports: [{ port: args.registry.port, protocol: "TCP" }],
                        },
                    ],
                },
            },
            { parent: this },
        );
        if (dashboard.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata: meta(DASHBOARD_NAME), spec: kube.disruptionBudget(selector) },
                { parent: this },
            );
        }
    }

    private createIngress(name: string, dashboard: DashboardConfig, labels: kube.ObjectLabels, host: string): void {
        const { className, tlsSecretName, annotations } = dashboard.ingress;
        new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            {
                metadata: { ...labels.meta(DASHBOARD_NAME), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
                spec: {
                    ...(className ? { ingressClassName: className } : {}),
                    ...(tlsSecretName ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
                    rules: [
                        {
                            host,
                            http: {
                                paths: [
                                    {
                                        // meshui serves under its base path itself: the controller forwards the full path.
                                        path: dashboard.basePath || "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: DASHBOARD_NAME, port: { name: "http" } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            { parent: this },
        );
    }
}

/** The pod template's annotations, if any (no empty map: the API server drops it, and the live object would differ from the state). */
function podAnnotations(args: DashboardArgs): { annotations?: Record<string, pulumi.Input<string>> } {
    const annotations = {
        ...(args.meshTls?.certificateFingerprint ? certificateAnnotation(args.meshTls) : {}),
        ...tracingAnnotation(args.tracing),
    };
    return Object.keys(annotations).length > 0 ? { annotations } : {};
}

/**
 * Tracing on meshui: Redis (REDIS_URL from the Secret) and, when the stack names one, Tempo.
 * Redis hands each stream entry to one consumer per group: with the default group a second
 * replica would take half the traces from the first, so each pod reads in a group of its own.
 */
function dashboardTracingEnv(tracing: TracingWiring | undefined): EnvVar[] {
    if (!tracing) {
        // meshui 3.7 reads traces from Redis unless told not to.
        return [{ name: "MCP_MESH_DISTRIBUTED_TRACING_ENABLED", value: "false" }];
    }
    return [
        ...tracingEnv(tracing),
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "MCP_MESH_UI_TRACE_CONSUMER_GROUP", value: "mcp-mesh-ui-$(POD_NAME)" },
        ...(tracing.tempo ? [{ name: "TEMPO_URL", value: tracing.tempo.queryUrl }] : []),
    ];
}

/** meshui's environment: the registry it proxies (with the mesh certificate under TLS), its base path, its scratch database, tracing. */
export function dashboardEnv(
    dashboard: DashboardConfig,
    registryUrl: pulumi.Input<string>,
    meshTls: boolean,
    tracing?: TracingWiring,
): EnvVar[] {
    return [
        { name: "MCP_MESH_REGISTRY_URL", value: registryUrl },
        // Always set (the image's own default is /ops/dashboard); meshui reads "/" as the root (an empty value would not survive the API server).
        { name: "MCP_MESH_UI_BASE_PATH", value: dashboard.basePath || "/" },
        { name: "MCP_MESH_LOG_LEVEL", value: dashboard.logLevel },
        { name: "DATABASE_URL", value: `${DASHBOARD_DATA_DIR}/mcp_mesh_ui.db` },
        ...dashboardTracingEnv(tracing),
        ...(meshTls
            ? [
                  { name: "MCP_MESH_REGISTRY_TLS_CA", value: MESH_TLS_CA },
                  { name: "MCP_MESH_REGISTRY_TLS_CERT", value: MESH_TLS_CERT },
                  { name: "MCP_MESH_REGISTRY_TLS_KEY", value: MESH_TLS_KEY },
              ]
            : []),
    ];
}

/** The dashboard's settings with the stack config's defaults; `input` as the `dashboard` section. */
export function dashboardConfig(input: z.input<typeof dashboardSchema>): DashboardConfig {
    return dashboardSchema.parse(input);
}
