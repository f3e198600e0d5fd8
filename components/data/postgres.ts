// PostgreSQL for the registry: a connection to an external server, or an in-cluster
// StatefulSet with a generated password. Either way it yields the registry's DSN.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PostgresConfig } from "../config/database";
import { allowFrom, claimSpec, ObjectLabels, objectLabels, pullSecrets } from "../k8s/builders";
import { dataOptions, requestedStorageAnnotations } from "../k8s/data-protection";
import { POSTGRES_NAME } from "../k8s/names";
import { rolloutTimeouts } from "../k8s/rollout";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { Container } from "../k8s/types";

/** The official image's postgres user. */
const POSTGRES_UID = 999;

export interface PostgresArgs {
    /** Namespace to deploy into (mode `provision`), e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /**
     * The server: mode (`external`: connect to `host`; `provision`: run one here), port,
     * database, user, sslmode, and for `provision` image, resources and storage: the shape of the
     * stack config's `database.postgres`, with its defaults (components/config/database.ts).
     */
    postgres: PostgresConfig;
    /** Password of an external server (mode `external`), e.g. from encrypted stack config. Default: empty. */
    externalPassword?: pulumi.Input<string>;
    /** Pod labels allowed to connect (registry, backup job). Default: none (nobody may connect). */
    clientLabels?: Record<string, string>[];
    /** Names of image pull Secrets (`kubernetes.io/dockerconfigjson`, created by you in the namespace) for its pods. Default: none. */
    imagePullSecrets?: string[];
    /** Protect and retain the database, its password and its Secret (`protectData`). Default: false. */
    protectData?: boolean;
    /**
     * Mode `provision`: serve TLS with the certificate in this Secret (tls.crt, tls.key; tls.enabled).
     * A renewed certificate is loaded by a reload (the liveness probe runs `pg_ctl reload`), no restart.
     * Default: none (plain TCP).
     */
    serverTls?: { secretName: pulumi.Input<string> };
}

/** Probe timing: a first start runs initdb, so startup may take minutes. */
const STARTUP = { periodSeconds: 5, failureThreshold: 60 };
const READINESS = { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 };

/** Where the provisioned server reads its certificate and key (serverTls). */
export const POSTGRES_TLS_DIR = "/etc/postgresql/tls";
/** The certificate the server last loaded (the probes reload it when the mounted one changes). */
const LOADED_CERT = "/tmp/postgres-tls-loaded.crt";

/** Where the server container reads its password (POSTGRES_PASSWORD_FILE), from the Secret. */
const PASSWORD_DIR = "/run/secrets/postgres";

export class Postgres extends pulumi.ComponentResource {
    /** The registry role's password (secret): external from stack config, or generated. */
    public readonly password: pulumi.Output<string>;
    /** Host the registry connects to. */
    public readonly host: pulumi.Output<string>;
    /** An init container that waits until the database accepts connections. */
    public readonly waitContainer: Container;
    /**
     * The provisioned server (mode `provision`): clients that must not roll before it is ready
     * (the registry, after an edit of `user` or `database`) depend on it.
     */
    public readonly statefulSet?: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Postgres", name, {}, opts);
        const pg = args.postgres;
        const child = { parent: this };

        if (pg.mode === "external") {
            this.host = pulumi.output(pg.host ?? "");
            this.password = pulumi.secret(args.externalPassword ?? pulumi.output(""));
        } else {
            const provisioned = this.provision(name, args, child);
            this.host = provisioned.host;
            this.password = pulumi.secret(provisioned.password);
            this.statefulSet = provisioned.statefulSet;
        }
        this.waitContainer = waitForPostgres(pg.image, this.host, pg.port);
        this.registerOutputs({ host: this.host });
    }

    private provision(name: string, args: PostgresArgs, child: pulumi.CustomResourceOptions) {
        const { namespace } = args;
        const instance = args.instance ?? pulumi.getStack();
        const pg = args.postgres;
        const labels = objectLabels({ name: POSTGRES_NAME, component: "database", instance, image: pg.image, namespace });
        const { selector } = labels;
        const meta = labels.meta(POSTGRES_NAME);
        const clients = (args.clientLabels ?? []).map((matchLabels) => ({ podSelector: { matchLabels } }));

        // The data outlives mistakes where the stack says so; so must the password that opens it.
        const keep = args.protectData ? dataOptions(this, true) : child;
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, keep).result;
        const secret = new k8s.core.v1.Secret(`${name}-secret`, { metadata: meta, type: "Opaque", stringData: { password } }, keep);
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta,
                spec: {
                    // Headless: the StatefulSet's governing Service, one stable name per pod.
                    clusterIP: "None",
                    selector,
                    ports: [{ name: "postgres", port: pg.port, targetPort: "postgres", protocol: "TCP" }],
                },
            },
            child,
        );
        const statefulSet = this.createStatefulSet(name, pg, labels, secret.metadata.name, keep, args.imagePullSecrets, args.serverTls);
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: meta,
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    // An empty `from` would admit everyone: with no clients, admit no one (no rules at
                    // all; the API server drops an empty list, which would be a perpetual diff).
                    ...(clients.length > 0 ? { ingress: [allowFrom(clients, pg.port)] } : {}),
                },
            },
            child,
        );
        return {
            host: pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
            password,
            statefulSet,
        };
    }

    /** The server: one replica, its data on a claim template (retained), its password read from a mounted file. */
    private createStatefulSet(
        name: string,
        pg: PostgresConfig,
        labels: ObjectLabels,
        secretName: pulumi.Input<string>,
        keep: pulumi.CustomResourceOptions,
        imagePullSecrets: string[] | undefined,
        serverTls?: { secretName: pulumi.Input<string> },
    ): k8s.apps.v1.StatefulSet {
        const { workload: workloadLabels, selector } = labels;
        const meta = labels.meta(POSTGRES_NAME);
        // Startup and liveness: the server accepts connections (a wrong password must not restart it).
        const isReady = ["pg_isready", "-h", "127.0.0.1", "-p", String(pg.port), "-U", pg.user, "-d", pg.database];
        const cert = `${POSTGRES_TLS_DIR}/tls.crt`;
        // With TLS: the startup probe notes the certificate loaded; liveness reloads the server once the mounted one changes.
        const pgIsReady = (kind: "startup" | "liveness"): string[] =>
            !serverTls
                ? isReady
                : [
                      "sh",
                      "-c",
                      [
                          kind === "startup"
                              ? `[ -f ${LOADED_CERT} ] || cp ${cert} ${LOADED_CERT}`
                              : `cmp -s ${LOADED_CERT} ${cert} || { pg_ctl reload -D "$PGDATA" && cp ${cert} ${LOADED_CERT}; }`,
                          isReady.join(" "),
                      ].join("\n"),
                  ];
        const tlsArgs = serverTls ? ["-c", "ssl=on", "-c", `ssl_cert_file=${cert}`, "-c", `ssl_key_file=${POSTGRES_TLS_DIR}/tls.key`] : [];
        return new k8s.apps.v1.StatefulSet(
            `${name}-statefulset`,
            {
                metadata: { ...meta, labels: workloadLabels, annotations: requestedStorageAnnotations(pg.storage) },
                spec: {
                    serviceName: POSTGRES_NAME,
                    replicas: 1,
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: workloadLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            ...pullSecrets(imagePullSecrets),
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(POSTGRES_UID),
                            containers: [
                                {
                                    name: "postgres",
                                    image: pg.image,
                                    ports: [{ name: "postgres", containerPort: pg.port, protocol: "TCP" }],
                                    args: ["-c", `port=${pg.port}`, ...tlsArgs],
                                    env: [
                                        { name: "POSTGRES_USER", value: pg.user },
                                        { name: "POSTGRES_DB", value: pg.database },
                                        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                                        // The readiness query connects to the pod's own address (see authenticatedQuery).
                                        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                                        // From a mounted file: no password in the container's environment.
                                        { name: "POSTGRES_PASSWORD_FILE", value: `${PASSWORD_DIR}/password` },
                                    ],
                                    resources: pg.resources,
                                    securityContext: restrictedContainerSecurity(),
                                    startupProbe: { exec: { command: pgIsReady("startup") }, ...STARTUP },
                                    livenessProbe: {
                                        exec: { command: pgIsReady("liveness") },
                                        periodSeconds: 10,
                                        timeoutSeconds: 5,
                                        failureThreshold: 6,
                                    },
                                    readinessProbe: { exec: { command: authenticatedQuery(pg.port) }, ...READINESS },
                                    volumeMounts: [
                                        { name: "data", mountPath: "/var/lib/postgresql/data" },
                                        { name: "run", mountPath: "/var/run/postgresql" },
                                        { name: "tmp", mountPath: "/tmp" },
                                        { name: "password", mountPath: PASSWORD_DIR, readOnly: true },
                                        ...(serverTls ? [{ name: "tls", mountPath: POSTGRES_TLS_DIR, readOnly: true }] : []),
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "password", secret: { secretName: secretName, defaultMode: 0o440 } },
                                { name: "run", emptyDir: { sizeLimit: "16Mi" } },
                                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                                // 0440, owned by root and the fsGroup: PostgreSQL accepts a root-owned key readable by its group.
                                ...(serverTls ? [{ name: "tls", secret: { secretName: serverTls.secretName, defaultMode: 0o440 } }] : []),
                            ],
                        },
                    },
                    volumeClaimTemplates: [{ metadata: { name: "data", labels: selector }, spec: claimSpec(pg.storage) }],
                },
            },
            {
                ...keep,
                ignoreChanges: ["spec.volumeClaimTemplates"],
                customTimeouts: rolloutTimeouts(1, { startup: STARTUP, readiness: READINESS }),
            },
        );
    }
}

/**
 * Readiness that authenticates: `SELECT 1` as the registry's role, in its database, with the
 * password from the mounted Secret file, over TCP to the pod's own address (the image trusts
 * 127.0.0.1 and the socket without a password; every other address needs it). So the pod is
 * Ready only when the registry could log in: a role or database that does not exist (say,
 * after an edit of `user` or `database`, which the image applies only to an empty data
 * directory) or a password that no longer matches makes it unready. The password reaches
 * psql's environment alone, never the container's or an argv.
 */
export function authenticatedQuery(port: number): string[] {
    return [
        "sh",
        "-c",
        `PGPASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")" PGCONNECT_TIMEOUT=3 exec psql -X -q -A -t -v ON_ERROR_STOP=1 ` +
            `-h "$POD_IP" -p ${port} -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT 1" >/dev/null`,
    ];
}

function waitForPostgres(image: string, host: pulumi.Input<string>, port: number): Container {
    return {
        name: "wait-for-postgres",
        image,
        command: ["sh", "-c", 'until pg_isready -h "$PGHOST" -p "$PGPORT" -t 2; do echo "waiting for $PGHOST:$PGPORT"; sleep 2; done'],
        env: [
            { name: "PGHOST", value: host },
            { name: "PGPORT", value: String(port) },
        ],
        resources: {
            requests: { cpu: "10m", memory: "16Mi", "ephemeral-storage": "16Mi" },
            limits: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "64Mi" },
        },
        securityContext: { ...restrictedContainerSecurity(), runAsUser: POSTGRES_UID, runAsGroup: POSTGRES_UID },
    };
}
