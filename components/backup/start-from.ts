// A new stack that starts from a backup (`backup.startFrom`): two init containers for the
// registry pod. The first (rclone image) fetches the backup from the bucket unless the
// database exists; the second (the backup's SQLite image) restores it with restore.sh, which
// never overwrites, and marks the database so that later starts do nothing.
import { StartFromConfig } from "../config/backup";
import { ResourcesConfig } from "../config/k8s-schemas";
import { ObjectStorageConfig } from "../config/object-storage";
import { BACKUP_SCRIPTS } from "../k8s/names";
import { restrictedContainerSecurity } from "../k8s/security";
import { Container, Volume } from "../k8s/types";
import { rcloneContainer, storeEnv } from "./object-storage";

const SCRIPTS_DIR = "/backup-scripts";
const FETCHED = "/start-from";

export interface StartFromArgs {
    startFrom: StartFromConfig;
    store: ObjectStorageConfig;
    instance: string;
    /** The registry's SQLite file, on its `data` claim. */
    sqlitePath: string;
    dataDir: string;
    /** The image with sqlite3 (backup.sqliteImage). */
    sqliteImage: string;
    imagePullPolicy: string;
    resources: ResourcesConfig;
}

/** The init containers and the volumes only they mount (the scripts ConfigMap the Backup component creates, a scratch dir). */
export function startFromBackup(args: StartFromArgs): { initContainers: Container[]; volumes: Volume[] } {
    const store = { ...args.store, prefix: args.startFrom.prefix ?? args.store.prefix };
    const mounts = [
        { name: "backup-scripts", mountPath: SCRIPTS_DIR, readOnly: true },
        { name: "start-from", mountPath: FETCHED },
        { name: "tmp", mountPath: "/tmp" },
    ];
    const sqlitePath = { name: "SQLITE_PATH", value: args.sqlitePath };
    return {
        initContainers: [
            rcloneContainer({
                name: "start-from-fetch",
                store,
                command: [
                    "sh",
                    `${SCRIPTS_DIR}/start-from.sh`,
                    "fetch",
                    FETCHED,
                    ...(args.startFrom.backup ? [args.startFrom.backup] : []),
                ],
                env: [sqlitePath, ...storeEnv(store, args.instance)],
                imagePullPolicy: args.imagePullPolicy,
                resources: args.resources,
                mounts: [...mounts, { name: "data", mountPath: args.dataDir, readOnly: true }],
            }),
            {
                name: "start-from-restore",
                image: args.sqliteImage,
                imagePullPolicy: args.imagePullPolicy,
                command: ["sh", `${SCRIPTS_DIR}/start-from.sh`, "restore", FETCHED],
                env: [{ name: "DB_TYPE", value: "sqlite" }, sqlitePath],
                resources: args.resources,
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [...mounts, { name: "data", mountPath: args.dataDir }],
            },
        ],
        volumes: [
            { name: "backup-scripts", configMap: { name: BACKUP_SCRIPTS, defaultMode: 0o555 } },
            { name: "start-from", emptyDir: {} },
        ],
    };
}
