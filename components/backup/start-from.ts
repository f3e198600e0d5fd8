// A new stack that starts from a backup (`backup.startFrom`): init containers for the registry
// pod. SQLite: the first (rclone image) fetches the backup from the bucket unless the database
// exists; the second (the backup's SQLite image) restores it with restore.sh, which never
// overwrites, and marks the database so that later starts do nothing. PostgreSQL: a first
// container (the database's image) looks at the database first (its comment records an earlier
// start; tables of other origin are refused), so the fetch and restore that follow run only once.
import { StartFromConfig } from "../config/backup";
import { ResourcesConfig } from "../config/k8s-schemas";
import { ObjectStorageConfig } from "../config/object-storage";
import { PG_SERVICE, POSTGRES_CA_DIR, POSTGRES_CA_FILE } from "../data/database-url";
import { BACKUP_SCRIPTS, REGISTRY_SECRET } from "../k8s/names";
import { restrictedContainerSecurity } from "../k8s/security";
import { Container, Volume, VolumeMount } from "../k8s/types";
import { PG_SERVICE_KEY } from "../registry/registry";
import { rcloneContainer, storeEnv } from "./object-storage";
import { BackupSource } from "./source";

const SCRIPTS_DIR = "/backup-scripts";
const FETCHED = "/start-from";
const SERVICE_DIR = "/etc/mcp-mesh/start-from-db";
/** What start-from.sh fetch reads of the database's settings: it never connects to PostgreSQL. */
const FETCH_ENV = ["DB_TYPE", "SQLITE_PATH", "PGSERVICE"];

/** The registry's database: its SQLite file on the `data` claim, or the PostgreSQL database the backup dumps. */
export type StartFromDatabase =
    | {
          type: "sqlite";
          /** The registry's SQLite file, on its `data` claim. */
          sqlitePath: string;
          dataDir: string;
          /** The image with sqlite3 (backup.sqliteImage). */
          sqliteImage: string;
      }
    | Extract<BackupSource, { type: "postgres" }>;

export interface StartFromArgs {
    startFrom: StartFromConfig;
    store: ObjectStorageConfig;
    instance: string;
    database: StartFromDatabase;
    imagePullPolicy: string;
    resources: ResourcesConfig;
}

interface DatabaseAccess {
    image: string;
    /** Plain values only: nothing secret (the service file holds the password). */
    env: { name: string; value: string }[];
    /** Mounts of the containers that touch the database (the fetch container gets them read-only, SQLite only). */
    mounts: VolumeMount[];
    volumes: Volume[];
}

/**
 * SQLite: the `data` claim. PostgreSQL: the registry Secret's libpq service file (server, user,
 * password: nothing secret in env or argv) and the CA the registry pod already mounts.
 */
function databaseAccess(database: StartFromDatabase): DatabaseAccess {
    if (database.type === "sqlite") {
        return {
            image: database.sqliteImage,
            env: [
                { name: "DB_TYPE", value: "sqlite" },
                { name: "SQLITE_PATH", value: database.sqlitePath },
            ],
            mounts: [{ name: "data", mountPath: database.dataDir }],
            volumes: [],
        };
    }
    return {
        image: database.image,
        env: [
            { name: "DB_TYPE", value: "postgres" },
            { name: "PGSERVICEFILE", value: `${SERVICE_DIR}/${PG_SERVICE_KEY}` },
            { name: "PGSERVICE", value: PG_SERVICE },
            ...(database.ca ? [{ name: "PGSSLROOTCERT", value: POSTGRES_CA_FILE }] : []),
        ],
        mounts: [
            { name: "start-from-database", mountPath: SERVICE_DIR, readOnly: true },
            ...(database.ca ? [{ name: "postgres-ca", mountPath: POSTGRES_CA_DIR, readOnly: true }] : []),
        ],
        volumes: [
            {
                name: "start-from-database",
                secret: { secretName: REGISTRY_SECRET, items: [{ key: PG_SERVICE_KEY, path: PG_SERVICE_KEY }], defaultMode: 0o440 },
            },
        ],
    };
}

/** The init containers and the volumes only they mount (the scripts ConfigMap the Backup component creates, a scratch dir). */
export function startFromBackup(args: StartFromArgs): { initContainers: Container[]; volumes: Volume[] } {
    const store = { ...args.store, prefix: args.startFrom.prefix ?? args.store.prefix };
    const mounts = [
        { name: "backup-scripts", mountPath: SCRIPTS_DIR, readOnly: true },
        { name: "start-from", mountPath: FETCHED },
        { name: "tmp", mountPath: "/tmp" },
    ];
    const access = databaseAccess(args.database);
    const inDatabaseImage = (name: string, mode: string): Container => ({
        name,
        image: access.image,
        imagePullPolicy: args.imagePullPolicy,
        command: ["sh", `${SCRIPTS_DIR}/start-from.sh`, mode, FETCHED],
        env: access.env,
        resources: args.resources,
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [...mounts, ...access.mounts],
    });
    const sqlite = args.database.type === "sqlite";
    const fetch = rcloneContainer({
        name: "start-from-fetch",
        store,
        command: ["sh", `${SCRIPTS_DIR}/start-from.sh`, "fetch", FETCHED, ...(args.startFrom.backup ? [args.startFrom.backup] : [])],
        // SQLite: the fetch looks at the file itself. PostgreSQL: the check before it said whether to fetch.
        env: [...access.env.filter((env) => FETCH_ENV.includes(env.name)), ...storeEnv(store, args.instance)],
        imagePullPolicy: args.imagePullPolicy,
        resources: args.resources,
        mounts: [...mounts, ...(sqlite ? access.mounts.map((mount) => ({ ...mount, readOnly: true })) : [])],
    });
    return {
        initContainers: [
            ...(sqlite ? [] : [inDatabaseImage("start-from-check", "check")]),
            fetch,
            inDatabaseImage("start-from-restore", "restore"),
        ],
        volumes: [
            { name: "backup-scripts", configMap: { name: BACKUP_SCRIPTS, defaultMode: 0o555 } },
            { name: "start-from", emptyDir: {} },
            ...access.volumes,
        ],
    };
}
