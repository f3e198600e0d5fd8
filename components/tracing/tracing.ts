// Distributed tracing's shared parts: the program's Redis (Deployment, Service, Secret with a
// generated password, NetworkPolicy admitting only agents and the named readers: the dashboard,
// the registry with Tempo), or the URL Secret of your own Redis; and the egress policies that let
// them reach it (and the readers Tempo). What each client is wired with is `wiring` (REDIS_URL by
// secretKeyRef, a checksum).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ExternalRedisConfig, TracingConfig, tracingSchema } from "../config/tracing";
import * as kube from "../k8s/builders";
import { PART_OF } from "../k8s/labels";
import { REDIS_NAME, TEMPO_EGRESS_POLICY, TRACING_EGRESS_POLICY } from "../k8s/names";
import { rolloutTimeouts } from "../k8s/rollout";
import { secretChecksum } from "../k8s/secret-checksum";
import { sha256 } from "../k8s/checksum";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { TracingWiring } from "../k8s/tracing-env";
import { NetworkPolicyEgressRule, NetworkPolicyPeer, Probe } from "../k8s/types";
import {
    pingCommand,
    REDIS_CONF_DIR,
    REDIS_CONF_FILE,
    REDIS_CONF_KEY,
    REDIS_DATA_DIR,
    REDIS_PASSWORD_KEY,
    REDIS_URL_KEY,
    redisConf,
    redisUrl,
} from "./redis-settings";

/** The redis image's user (uid/gid 999, `redis`). */
const REDIS_UID = 999;
const MIN_READY_SECONDS = 5;
const PROBES = {
    startup: { periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
    liveness: { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
};

export interface TracingArgs {
    /** The stack config's `tracing` section (enabled, redis, tempo). Default: `tracingSchema.parse({ enabled: true })`. */
    tracing?: TracingConfig;
    /** Namespace to deploy into, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /**
     * The pods that read traces besides agents (which are selected by `component: agent`): the
     * dashboard's, and the registry's when it exports to Tempo; their component label and their
     * selector labels. Only they and agents reach Redis; only they reach Tempo.
     */
    clients: TracingClient[];
    /** Names of image pull Secrets for the Redis pod. Default: none. */
    imagePullSecrets?: string[];
}

export interface TracingClient {
    /** app.kubernetes.io/component of its pods, e.g. `registry`, `dashboard`. */
    component: string;
    /** Its pods' selector labels. */
    pods: Record<string, string>;
}

export class Tracing extends pulumi.ComponentResource {
    /** What every tracing client gets: REDIS_URL's Secret and key, a checksum of the URL, Tempo. */
    public readonly wiring: TracingWiring;
    /** The program's Redis, when it runs one. */
    public readonly deployment?: k8s.apps.v1.Deployment;

    constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Tracing", name, {}, opts);
        const tracing = args.tracing ?? tracingSchema.parse({ enabled: true });
        const instance = args.instance ?? pulumi.getStack();
        const labels = kube.objectLabels({
            name: REDIS_NAME,
            component: "tracing",
            instance,
            image: tracing.redis.image,
            namespace: args.namespace,
        });
        const external = tracing.redis.external;
        const tempo = tracing.tempo ? { tempo: tracing.tempo } : {};
        if (external) {
            this.wiring = { ...externalWiring(external), ...tempo };
            this.createEgress(name, args, tracing, labels, undefined);
        } else {
            const provisioned = this.createRedis(name, args, tracing, labels);
            this.deployment = provisioned.deployment;
            this.wiring = { ...provisioned.wiring, ...tempo };
            this.createEgress(name, args, tracing, labels, labels.selector);
        }
        this.registerOutputs({});
    }

    private createRedis(
        name: string,
        args: TracingArgs,
        tracing: TracingConfig,
        labels: kube.ObjectLabels,
    ): { deployment: k8s.apps.v1.Deployment; wiring: TracingWiring } {
        const { meta, selector } = labels;
        const { redis } = tracing;
        const child = { parent: this };
        const password = new random.RandomPassword(`${name}-redis-password`, { length: 32, special: false }, child).result;
        const service = new k8s.core.v1.Service(
            `${name}-redis-service`,
            {
                metadata: meta(REDIS_NAME),
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [{ name: "redis", port: redis.port, targetPort: "redis", protocol: "TCP" }],
                },
            },
            child,
        );
        const host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        const url = redisUrl(password, host, redis.port);
        const conf = redisConf(password, redis.port, redis.resources.limits.memory);
        const secret = new k8s.core.v1.Secret(
            `${name}-redis-secret`,
            {
                metadata: meta(REDIS_NAME),
                type: "Opaque",
                stringData: { [REDIS_CONF_KEY]: conf, [REDIS_URL_KEY]: url, [REDIS_PASSWORD_KEY]: pulumi.secret(password) },
            },
            child,
        );
        // The server and its clients roll together when the password changes.
        const checksum = secretChecksum(`${name}-redis-checksum-key`, { url, conf }, child);
        const probe: Probe = { exec: { command: pingCommand(redis.port) } };
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-redis`,
            {
                metadata: { ...meta(REDIS_NAME), labels: labels.workload },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    // Two instances would split the clients between two streams: one at a time.
                    strategy: { type: "Recreate" },
                    minReadySeconds: MIN_READY_SECONDS,
                    revisionHistoryLimit: 5,
                    template: {
                        metadata: { labels: labels.workload, annotations: { "checksum/secret": checksum } },
                        spec: {
                            automountServiceAccountToken: false,
                            ...kube.pullSecrets(args.imagePullSecrets),
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(REDIS_UID),
                            terminationGracePeriodSeconds: 30,
                            containers: [
                                {
                                    name: "redis",
                                    image: redis.image,
                                    imagePullPolicy: redis.imagePullPolicy,
                                    // The image's entrypoint runs redis-server with a .conf argument; the password is in the file.
                                    args: [`${REDIS_CONF_DIR}/${REDIS_CONF_FILE}`],
                                    ports: [{ name: "redis", containerPort: redis.port, protocol: "TCP" }],
                                    env: [
                                        {
                                            name: "REDISCLI_AUTH",
                                            valueFrom: { secretKeyRef: { name: secret.metadata.name, key: REDIS_PASSWORD_KEY } },
                                        },
                                    ],
                                    resources: redis.resources,
                                    securityContext: restrictedContainerSecurity(),
                                    startupProbe: { ...probe, ...PROBES.startup },
                                    livenessProbe: { ...probe, ...PROBES.liveness },
                                    readinessProbe: { ...probe, ...PROBES.readiness },
                                    volumeMounts: [
                                        { name: "config", mountPath: REDIS_CONF_DIR, readOnly: true },
                                        { name: "data", mountPath: REDIS_DATA_DIR },
                                    ],
                                },
                            ],
                            volumes: [
                                {
                                    name: "config",
                                    secret: { secretName: secret.metadata.name, items: [{ key: REDIS_CONF_KEY, path: REDIS_CONF_FILE }] },
                                },
                                { name: "data", emptyDir: { sizeLimit: "64Mi" } },
                            ],
                        },
                    },
                },
            },
            { parent: this, customTimeouts: rolloutTimeouts(1, PROBES, MIN_READY_SECONDS) },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-redis-network-policy`,
            {
                metadata: meta(REDIS_NAME),
                spec: {
                    podSelector: { matchLabels: selector },
                    // Redis dials nothing: no egress rule at all (DNS comes from the namespace-wide allow).
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [kube.allowFrom(clientPeers(args.clients), redis.port)],
                },
            },
            child,
        );
        return { deployment, wiring: { redisUrl: { secretName: secret.metadata.name, key: REDIS_URL_KEY }, checksum } };
    }

    /** The clients' egress to Redis (its pods, or any address on the external port); the readers' to Tempo's ports. */
    private createEgress(
        name: string,
        args: TracingArgs,
        tracing: TracingConfig,
        labels: kube.ObjectLabels,
        redisPods: Record<string, string> | undefined,
    ): void {
        const redisPort = tracing.redis.external?.port ?? tracing.redis.port;
        const toRedis: NetworkPolicyEgressRule = redisPods
            ? { to: [{ podSelector: { matchLabels: redisPods } }], ports: [{ port: redisPort, protocol: "TCP" }] }
            : { ports: [{ port: redisPort, protocol: "TCP" }] };
        const readers = args.clients.map((client) => client.component);
        this.egressPolicy(`${name}-egress`, TRACING_EGRESS_POLICY, labels, ["agent", ...readers], toRedis);
        if (tracing.tempo && readers.length > 0) {
            // Tempo is named by host: a policy can only open its ports.
            const ports = [...new Set([endpointPort(tracing.tempo.otlpEndpoint), urlPort(tracing.tempo.queryUrl)])].sort((a, b) => a - b);
            this.egressPolicy(`${name}-tempo-egress`, TEMPO_EGRESS_POLICY, labels, readers, {
                ports: ports.map((port) => ({ port, protocol: "TCP" })),
            });
        }
    }

    private egressPolicy(
        resourceName: string,
        policyName: string,
        labels: kube.ObjectLabels,
        components: string[],
        rule: NetworkPolicyEgressRule,
    ): void {
        new k8s.networking.v1.NetworkPolicy(
            resourceName,
            {
                metadata: labels.meta(policyName),
                spec: {
                    podSelector: {
                        matchLabels: { "app.kubernetes.io/part-of": PART_OF },
                        matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: [...components].sort() }],
                    },
                    policyTypes: ["Egress"],
                    egress: [rule],
                },
            },
            { parent: this },
        );
    }
}

/** Agents (by component) and the named readers' pods (dashboard, registry). */
function clientPeers(clients: TracingClient[]): NetworkPolicyPeer[] {
    return [
        { podSelector: { matchLabels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "agent" } } },
        ...clients.map((client): NetworkPolicyPeer => ({ podSelector: { matchLabels: client.pods } })),
    ];
}

/** Your Redis: its URL Secret as given; the checksum covers the reference only (a rotation inside your Secret needs a rollout restart). */
function externalWiring(external: ExternalRedisConfig): TracingWiring {
    return {
        redisUrl: { secretName: external.secretName, key: external.key },
        checksum: sha256(`${external.secretName}/${external.key}`),
    };
}

function endpointPort(hostPort: string): number {
    return Number(hostPort.split(":").pop());
}

function urlPort(url: string): number {
    const parsed = new URL(url);
    return parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
}
