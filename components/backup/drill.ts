// The restore drill: a CronJob whose pod fetches the newest verified backup from the bucket
// (fetch.sh, rclone image), then restores it into a scratch database and checks it (drill.sh,
// the database's image). A failed drill fails its Job; the CronJob's lastSuccessfulTime says
// when one last passed.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackupConfig, DrillConfig } from "../config/backup";
import { ObjectStorageConfig } from "../config/object-storage";
import { PG_SERVICE, POSTGRES_CA_DIR, POSTGRES_CA_FILE } from "../data/database-url";
import { pullSecrets } from "../k8s/builders";
import { REGISTRY_SECRET, RESTORE_DRILL_NAME } from "../k8s/names";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { EnvVar, Volume, VolumeMount } from "../k8s/types";
import { PG_SERVICE_KEY, postgresCaVolume } from "../registry/registry";
import { rcloneContainer, storeEnv } from "./object-storage";
import { BackupSource } from "./source";
import { cronJobTiming } from "./schedule";

const FETCHED = "/restore";
const SCRATCH = "/scratch";

export interface DrillArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    backup: BackupConfig;
    drill: DrillConfig;
    store: ObjectStorageConfig;
    database: BackupSource;
    /** The image with the database's tools (the backup's). */
    image: string;
    scripts: { name: pulumi.Input<string>; checksum: string; dir: string; pgServiceDir: string };
    /** The CronJob's labels; `pod` carries the backup pods' selector, so the policies that admit the backup admit the drill. */
    labels: { cronJob: Record<string, string>; pod: Record<string, string> };
    imagePullSecrets?: string[];
}

export function restoreDrill(name: string, args: DrillArgs, opts: pulumi.CustomResourceOptions): k8s.batch.v1.CronJob {
    const { backup, database, scripts } = args;
    const { env, volumes, mounts } = databaseInputs(args);
    return new k8s.batch.v1.CronJob(
        name,
        {
            metadata: { name: RESTORE_DRILL_NAME, namespace: args.namespace, labels: args.labels.cronJob },
            spec: {
                ...cronJobTiming(backup, args.drill.schedule),
                jobTemplate: {
                    metadata: { labels: args.labels.pod },
                    spec: {
                        // A drill that fails says so: no retry hides a flaky restore.
                        backoffLimit: 0,
                        activeDeadlineSeconds: backup.deadlineSeconds,
                        template: {
                            metadata: { labels: args.labels.pod, annotations: { "checksum/scripts": scripts.checksum } },
                            spec: {
                                restartPolicy: "Never",
                                automountServiceAccountToken: false,
                                ...pullSecrets(args.imagePullSecrets),
                                enableServiceLinks: false,
                                securityContext: restrictedPodSecurity(),
                                initContainers: [
                                    rcloneContainer({
                                        name: "fetch",
                                        store: args.store,
                                        command: ["sh", `${scripts.dir}/fetch.sh`, FETCHED],
                                        env: storeEnv(args.store, args.instance),
                                        imagePullPolicy: backup.imagePullPolicy,
                                        resources: backup.resources,
                                        mounts: [
                                            { name: "scripts", mountPath: scripts.dir, readOnly: true },
                                            { name: "fetched", mountPath: FETCHED },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    }),
                                ],
                                containers: [
                                    {
                                        name: "drill",
                                        image: args.image,
                                        imagePullPolicy: backup.imagePullPolicy,
                                        command: ["sh", `${scripts.dir}/drill.sh`, FETCHED],
                                        env: [{ name: "DB_TYPE", value: database.type }, ...env],
                                        resources: backup.resources,
                                        securityContext: restrictedContainerSecurity(),
                                        volumeMounts: [
                                            { name: "scripts", mountPath: scripts.dir, readOnly: true },
                                            { name: "fetched", mountPath: FETCHED, readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                            ...mounts,
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "scripts", configMap: { name: scripts.name, defaultMode: 0o555 } },
                                    // Holds the fetched copy (and, for SQLite, the scratch one): within the pod's ephemeral-storage limit.
                                    { name: "fetched", emptyDir: {} },
                                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                    ...volumes,
                                ],
                            },
                        },
                    },
                },
            },
        },
        opts,
    );
}

/** SQLite: a fresh scratch file. PostgreSQL: the scratch database through the registry's service file (no credential in env). */
function databaseInputs(args: DrillArgs): { env: EnvVar[]; volumes: Volume[]; mounts: VolumeMount[] } {
    const { database } = args;
    if (database.type === "sqlite") {
        return {
            env: [{ name: "SQLITE_PATH", value: `${SCRATCH}/registry.db` }],
            volumes: [{ name: "scratch", emptyDir: {} }],
            mounts: [{ name: "scratch", mountPath: SCRATCH }],
        };
    }
    const serviceFile = { name: "database", mountPath: args.scripts.pgServiceDir, readOnly: true };
    return {
        env: [
            { name: "PGSERVICEFILE", value: `${args.scripts.pgServiceDir}/${PG_SERVICE_KEY}` },
            { name: "DATABASE_URL", value: `service=${PG_SERVICE} dbname=${args.drill.postgresDatabase ?? ""}` },
            ...(database.ca ? [{ name: "PGSSLROOTCERT", value: POSTGRES_CA_FILE }] : []),
        ],
        volumes: [
            {
                name: "database",
                secret: { secretName: REGISTRY_SECRET, items: [{ key: PG_SERVICE_KEY, path: PG_SERVICE_KEY }], defaultMode: 0o440 },
            },
            ...(database.ca ? [postgresCaVolume(database.ca)] : []),
        ],
        mounts: [serviceFile, ...(database.ca ? [{ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true }] : [])],
    };
}
