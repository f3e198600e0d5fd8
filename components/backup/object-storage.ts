// The object-storage leg of the backup: the container that uploads the verified backup with
// rclone (configured wholly from env, the key pair by secretKeyRef), and the egress it needs.
import { ObjectStorageConfig, endpointPort } from "../config/object-storage";
import { restrictedContainerSecurity } from "../k8s/security";
import { Container, NetworkPolicyEgressRule, VolumeMount } from "../k8s/types";
import { ResourcesConfig } from "../config/k8s-schemas";

/** The remote rclone's env config defines (RCLONE_CONFIG_STORE_*); upload.sh addresses it by this name. */
const REMOTE_ENV = "RCLONE_CONFIG_STORE";

/** The default folder of a stack's backups in the bucket: stacks sharing a bucket never prune each other's. */
export function defaultPrefix(instance: string): string {
    return `mcp-mesh/${instance}`;
}

/** An env var with a plain value or one key of a Secret. */
export interface RcloneEnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** rclone's s3 settings as env: everything but the key pair is plain; the key pair is read from the Secret by the kubelet. */
export function rcloneEnv(store: ObjectStorageConfig): RcloneEnvVar[] {
    const { credentials } = store;
    const plain: [string, string | undefined][] = [
        ["TYPE", "s3"],
        ["PROVIDER", store.provider],
        ["ENDPOINT", store.endpoint],
        ["REGION", store.region],
        ["FORCE_PATH_STYLE", String(store.pathStyle)],
        // Only the Secret's key pair: never the pod's or node's ambient credentials.
        ["ENV_AUTH", "false"],
        ["SERVER_SIDE_ENCRYPTION", store.serverSideEncryption === "none" ? undefined : store.serverSideEncryption],
        ["SSE_KMS_KEY_ID", store.kmsKeyId],
    ];
    return [
        ...plain.flatMap(([key, value]) => (value === undefined ? [] : [{ name: `${REMOTE_ENV}_${key}`, value }])),
        {
            name: `${REMOTE_ENV}_ACCESS_KEY_ID`,
            valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.accessKeyIdKey } },
        },
        {
            name: `${REMOTE_ENV}_SECRET_ACCESS_KEY`,
            valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.secretAccessKeyKey } },
        },
    ];
}

/** What upload.sh and fetch.sh read: the bucket, the folder, where the key pair comes from (names only), and rclone's settings. */
export function storeEnv(store: ObjectStorageConfig, instance: string): RcloneEnvVar[] {
    const { credentials } = store;
    return [
        { name: "OBJECT_STORE_BUCKET", value: store.bucket },
        { name: "OBJECT_STORE_PREFIX", value: store.prefix ?? defaultPrefix(instance) },
        // For messages only: where the key pair comes from (names, never values).
        {
            name: "OBJECT_STORE_KEY_SOURCE",
            value: `Secret ${credentials.secretName}, keys ${credentials.accessKeyIdKey} and ${credentials.secretAccessKeyKey}`,
        },
        ...rcloneEnv(store),
    ];
}

/** A container of the rclone image running one of the object-storage scripts, restricted like every other. */
export function rcloneContainer(args: {
    name: string;
    store: ObjectStorageConfig;
    command: string[];
    env: RcloneEnvVar[];
    imagePullPolicy: string;
    resources: ResourcesConfig;
    mounts: VolumeMount[];
}): Container {
    return {
        name: args.name,
        image: args.store.image,
        imagePullPolicy: args.imagePullPolicy,
        command: args.command,
        env: args.env,
        resources: args.resources,
        securityContext: restrictedContainerSecurity(),
        volumeMounts: args.mounts,
    };
}

/** The upload container: runs after the backup (an init container) has written and verified the local copy. */
export function uploadContainer(args: {
    store: ObjectStorageConfig;
    instance: string;
    retention: number;
    backupDir: string;
    scriptsDir: string;
    imagePullPolicy: string;
    resources: ResourcesConfig;
}): Container {
    const { store } = args;
    return rcloneContainer({
        name: "upload",
        store,
        command: ["sh", `${args.scriptsDir}/upload.sh`],
        env: [
            { name: "BACKUP_DIR", value: args.backupDir },
            { name: "RETENTION", value: String(store.retention ?? args.retention) },
            ...storeEnv(store, args.instance),
        ],
        imagePullPolicy: args.imagePullPolicy,
        resources: args.resources,
        mounts: [
            { name: "scripts", mountPath: args.scriptsDir, readOnly: true },
            { name: "backup", mountPath: args.backupDir, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ],
    });
}

/** Egress to the object store: its port (the endpoint URL's, else 443/80), to the configured blocks or, without any, anywhere. */
export function objectStoreEgress(store: ObjectStorageConfig): NetworkPolicyEgressRule {
    const port = store.egress.port ?? endpointPort(store.endpoint);
    return {
        ...(store.egress.cidrs.length > 0 ? { to: store.egress.cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {}),
        ports: [{ port, protocol: "TCP" }],
    };
}
