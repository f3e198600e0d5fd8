// Backups of the registry's database: a CronJob that copies (SQLite) or dumps (PostgreSQL),
// verifies, checksums and only then publishes each backup, then applies retention.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { BackupConfig } from "../config/backup";
import { claimSpec, ObjectLabels, objectLabels, pullSecrets } from "../k8s/builders";
import { selectorLabels } from "../k8s/labels";
import { claimOptions, requestedStorageAnnotations } from "../k8s/data-protection";
import { checksum } from "../k8s/checksum";
import { requireMutableConfig } from "../k8s/provider-settings";
import {
    BACKUP_CLAIM,
    BACKUP_NAME,
    BACKUP_OBJECT_STORE_POLICY,
    BACKUP_SCRIPTS,
    REGISTRY_NAME,
    REGISTRY_SECRET,
    RESTORE_DRILL_NAME,
    SQLITE_CLAIM,
} from "../k8s/names";
import { PG_SERVICE, POSTGRES_CA_DIR, POSTGRES_CA_FILE } from "../data/database-url";
import { PG_SERVICE_KEY, postgresCaVolume } from "../registry/registry";
import { SQLITE_PATH } from "../registry/settings";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { Affinity, Container, EnvVar, LabelSelector, Volume, VolumeMount } from "../k8s/types";
import { objectStoreEgress, uploadContainer } from "./object-storage";
import { restoreDrill } from "./drill";
import { BackupSource } from "./source";
import { cronJobTiming } from "./schedule";

export type { BackupSource } from "./source";

export const BACKUP_DIR = "/backup";
const SCRIPTS_DIR = "/scripts";
const NAME_LABEL = "app.kubernetes.io/name";
/** Where the job reads the libpq service file (from the registry Secret): no DSN in env or argv. */
export const PG_SERVICE_DIR = "/etc/mcp-mesh/db";
const SCRIPT_FILES = ["backup.sh", "restore.sh", "common.sh"];
/** Shipped only to stacks with an object-storage destination: other stacks' ConfigMap (and pods) stay as they were. */
const OBJECT_STORE_SCRIPTS = ["upload.sh", "fetch.sh", "remote.sh", "drill.sh", "start-from.sh"];

export function backupPodLabels(instance: string): Record<string, string> {
    return selectorLabels({ name: BACKUP_NAME, instance });
}

export function backupScripts(objectStorage = false): Record<string, string> {
    const files = objectStorage ? [...SCRIPT_FILES, ...OBJECT_STORE_SCRIPTS] : SCRIPT_FILES;
    return Object.fromEntries(files.map((file) => [file, fs.readFileSync(path.join(__dirname, "scripts", file), "utf8")]));
}

export interface BackupArgs {
    /** Namespace to deploy into (the registry's), e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /**
     * Schedule, retention, deadlines, history limits, storage, resources and the
     * optional object-storage destination (`objectStorage`: its credentials Secret, created by
     * you in the namespace, must exist before the first run) and restore drill (`drill`): the shape of the stack config's
     * `backup` section, with its defaults (components/config/backup.ts).
     */
    backup: BackupConfig;
    /** The registry's database. The PostgreSQL connection comes from the registry Secret's libpq service file. */
    database: BackupSource;
    /** Protect and retain the backup claim (`protectData`); it is retained on delete regardless. Default: false. */
    protectData?: boolean;
    /** Names of image pull Secrets (`kubernetes.io/dockerconfigjson`, created by you in the namespace) for its pods. Default: none. */
    imagePullSecrets?: string[];
    /** Resources the first backup needs to exist (the registry, the database). Default: none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Backup extends pulumi.ComponentResource {
    /** Name of the CronJob (`kubectl create job --from=cronjob/<name>`). */
    public readonly cronJobName: pulumi.Output<string>;
    /** Name of the claim that holds the backups. */
    public readonly claimName: pulumi.Output<string>;
    /** Name of the restore drill's CronJob, when `backup.drill` is set. */
    public readonly drillCronJobName?: pulumi.Output<string>;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Backup", name, {}, opts);
        requireMutableConfig(this, `Backup ${name}`);
        const { namespace, backup, database } = args;
        const instance = args.instance ?? pulumi.getStack();
        const child = { parent: this };
        const image = database.image;
        const labels = objectLabels({ name: BACKUP_NAME, component: "backup", instance, image, namespace });
        const { meta } = labels;

        const store = backup.objectStorage;
        const scripts = backupScripts(store !== undefined);
        const scriptsMap = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta(BACKUP_SCRIPTS), data: scripts }, child);
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-claim`,
            {
                metadata: { ...meta(BACKUP_CLAIM), annotations: requestedStorageAnnotations(backup.storage) },
                spec: claimSpec(backup.storage),
            },
            claimOptions(this, args.protectData ?? false),
        );

        const { env, volumes, mounts } = jobInputs(args, { scripts: scriptsMap.metadata.name, claim: claim.metadata.name });
        const upload = store
            ? uploadContainer({
                  store,
                  instance,
                  retention: backup.retention,
                  backupDir: BACKUP_DIR,
                  scriptsDir: SCRIPTS_DIR,
                  imagePullPolicy: backup.imagePullPolicy,
                  resources: backup.resources,
              })
            : undefined;
        const cronJob = this.createCronJob(name, args, { image, labels, scriptsChecksum: checksum(scripts), env, volumes, mounts, upload });
        const drill =
            store && backup.drill
                ? restoreDrill(
                      `${name}-restore-drill`,
                      {
                          namespace,
                          instance,
                          backup,
                          drill: backup.drill,
                          store,
                          database,
                          image,
                          scripts: {
                              name: scriptsMap.metadata.name,
                              checksum: checksum(scripts),
                              dir: SCRIPTS_DIR,
                              pgServiceDir: PG_SERVICE_DIR,
                          },
                          labels: {
                              cronJob: objectLabels({ name: RESTORE_DRILL_NAME, component: "backup", instance, image, namespace }).workload,
                              pod: { ...labels.workload, "app.kubernetes.io/component": "restore-drill" },
                          },
                          imagePullSecrets: args.imagePullSecrets,
                      },
                      { parent: this, dependsOn: args.dependsOn ?? [] },
                  )
                : undefined;

        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                // Backup pods serve nothing: no ingress at all. (Policy type Ingress without rules;
                // an empty `ingress: []` means the same but the API server drops it, a perpetual diff.)
                metadata: labels.meta(BACKUP_NAME),
                spec: { podSelector: { matchLabels: labels.selector }, policyTypes: ["Ingress"] },
            },
            child,
        );
        if (store) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-object-store-egress`,
                {
                    metadata: labels.meta(BACKUP_OBJECT_STORE_POLICY),
                    spec: {
                        podSelector: objectStoreClients(labels.selector, backup),
                        policyTypes: ["Egress"],
                        egress: [objectStoreEgress(store)],
                    },
                },
                child,
            );
        }

        this.cronJobName = cronJob.metadata.name;
        this.claimName = claim.metadata.name;
        this.drillCronJobName = drill?.metadata.name;
        this.registerOutputs({ cronJobName: this.cronJobName, claimName: this.claimName, drillCronJobName: this.drillCronJobName });
    }

    /** The CronJob: one run at a time, its Job never retried more than once, its pod restricted. */
    private createCronJob(name: string, args: BackupArgs, pod: JobPod): k8s.batch.v1.CronJob {
        const { backup } = args;
        const { labels } = pod;
        const backupContainer: Container = {
            name: "backup",
            image: pod.image,
            imagePullPolicy: backup.imagePullPolicy,
            command: ["sh", `${SCRIPTS_DIR}/backup.sh`],
            env: pod.env,
            resources: backup.resources,
            securityContext: restrictedContainerSecurity(),
            volumeMounts: pod.mounts,
        };
        return new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { ...labels.meta(BACKUP_NAME), labels: labels.workload },
                spec: {
                    ...cronJobTiming(backup, backup.schedule),
                    jobTemplate: {
                        metadata: { labels: labels.workload },
                        spec: {
                            backoffLimit: 1,
                            activeDeadlineSeconds: backup.deadlineSeconds,
                            template: {
                                metadata: { labels: labels.workload, annotations: { "checksum/scripts": pod.scriptsChecksum } },
                                spec: {
                                    restartPolicy: "Never",
                                    automountServiceAccountToken: false,
                                    ...pullSecrets(args.imagePullSecrets),
                                    enableServiceLinks: false,
                                    securityContext: restrictedPodSecurity(),
                                    ...(args.database.type === "sqlite" ? { affinity: besideRegistryPodZero() } : {}),
                                    // With an upload, the backup runs first (an init container): the upload
                                    // starts only once a verified local backup exists.
                                    ...(pod.upload
                                        ? { initContainers: [backupContainer], containers: [pod.upload] }
                                        : { containers: [backupContainer] }),
                                    volumes: pod.volumes,
                                },
                            },
                        },
                    },
                },
            },
            { parent: this, dependsOn: args.dependsOn ?? [] },
        );
    }
}

/** What the backup pod is made of, besides the CronJob's own settings. */
interface JobPod {
    image: string;
    labels: ObjectLabels;
    scriptsChecksum: string;
    env: EnvVar[];
    volumes: Volume[];
    mounts: VolumeMount[];
    /** The container that copies the verified backup to object storage. Default: none. */
    upload?: Container;
}

/**
 * The job's environment and volumes: the scripts, the backup claim, and the database: registry
 * pod 0's SQLite claim read-only, or the libpq service file from the registry Secret.
 */
function jobInputs(
    args: BackupArgs,
    names: { scripts: pulumi.Input<string>; claim: pulumi.Input<string> },
): Pick<JobPod, "env" | "volumes" | "mounts"> {
    const { backup, database, namespace } = args;
    const env: EnvVar[] = [
        { name: "BACKUP_DIR", value: BACKUP_DIR },
        { name: "DB_TYPE", value: database.type },
        { name: "RETENTION", value: String(backup.retention) },
        ...(database.type === "sqlite"
            ? [
                  { name: "SQLITE_PATH", value: SQLITE_PATH },
                  { name: "BACKUP_SOURCE", value: pulumi.interpolate`${namespace}/${SQLITE_CLAIM}` },
              ]
            : [
                  { name: "PGSERVICEFILE", value: `${PG_SERVICE_DIR}/${PG_SERVICE_KEY}` },
                  { name: "PGSERVICE", value: PG_SERVICE },
                  { name: "BACKUP_SOURCE", value: `postgres ${database.host}/${database.database}` },
                  // libpq verifies the server against it (verify-ca/verify-full).
                  ...(database.ca ? [{ name: "PGSSLROOTCERT", value: POSTGRES_CA_FILE }] : []),
              ]),
    ];
    const volumes: Volume[] = [
        { name: "scripts", configMap: { name: names.scripts, defaultMode: 0o555 } },
        { name: "backup", persistentVolumeClaim: { claimName: names.claim } },
        { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ];
    const mounts: VolumeMount[] = [
        { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true },
        { name: "backup", mountPath: BACKUP_DIR },
        { name: "tmp", mountPath: "/tmp" },
    ];
    if (database.type === "sqlite") {
        // Read-only use of registry-0's ReadWriteOnce claim: only possible on that pod's node.
        volumes.push({ name: "data", persistentVolumeClaim: { claimName: SQLITE_CLAIM, readOnly: true } });
        mounts.push({ name: "data", mountPath: "/data", readOnly: true });
    } else {
        volumes.push({
            name: "database",
            secret: { secretName: REGISTRY_SECRET, items: [{ key: PG_SERVICE_KEY, path: PG_SERVICE_KEY }], defaultMode: 0o440 },
        });
        mounts.push({ name: "database", mountPath: PG_SERVICE_DIR, readOnly: true });
        if (database.ca) {
            volumes.push(postgresCaVolume(database.ca));
            mounts.push({ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true });
        }
    }
    return { env, volumes, mounts };
}

/**
 * The pods that reach the object store: the backup's (and the drill's, which carry its labels);
 * with startFrom also the registry's, whose init container fetches the backup it starts from.
 */
function objectStoreClients(backupSelector: Record<string, string>, backup: BackupConfig): LabelSelector {
    if (!backup.startFrom) return { matchLabels: backupSelector };
    const { [NAME_LABEL]: backupName, ...rest } = backupSelector;
    return { matchLabels: rest, matchExpressions: [{ key: NAME_LABEL, operator: "In", values: [backupName, REGISTRY_NAME] }] };
}

/** Schedules the backup pod onto the node that runs registry pod 0 (which holds the RWO claim). */
function besideRegistryPodZero(): Affinity {
    return {
        podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
                {
                    labelSelector: { matchLabels: { "statefulset.kubernetes.io/pod-name": `${REGISTRY_NAME}-0` } },
                    topologyKey: "kubernetes.io/hostname",
                },
            ],
        },
    };
}
