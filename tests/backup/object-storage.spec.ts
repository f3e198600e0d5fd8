// backup.objectStorage under Pulumi mocks: the upload container after the backup, rclone's
// settings as env with the key pair only by secretKeyRef, the egress to the store, the config's
// one-line mistakes, and nothing changed for stacks without it.
import { strict as assert } from "assert";
import { ContainerView, podTemplate } from "../support/pods";
import { find, renderConfig } from "../support/stacks";
import { backupScripts } from "../../components/backup/backup";
import { RCLONE_IMAGE } from "../../components/config/object-storage";
import { ConfigError } from "../../components/config/mesh-config";

const STORE = {
    endpoint: "https://minio.storage.example:9000",
    bucket: "mesh-backups",
    credentials: { secretName: "s3-backup" },
};

async function backupPod(objectStorage: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const rendered = await renderConfig({ backup: { retention: 4, objectStorage }, ...extra });
    const job = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
    const pod = podTemplate(job)?.spec;
    assert.ok(pod);
    return { rendered, job, pod };
}

type EnvVar = NonNullable<ContainerView["env"]>[number];

function envOf(container: ContainerView | undefined): Map<string, EnvVar> {
    return new Map((container?.env ?? []).map((e) => [e.name, e]));
}

describe("Backup component: object-storage destination", () => {
    it("backs up first (an init container), then uploads with rclone from the pinned image, reading the backup claim read-only", async () => {
        const { pod, rendered } = await backupPod(STORE);
        assert.deepEqual(
            pod.initContainers?.map((c) => c.name),
            ["backup"],
        );
        assert.deepEqual(
            pod.containers.map((c) => c.name),
            ["upload"],
        );
        const upload = pod.containers[0];
        assert.equal(upload.image, RCLONE_IMAGE);
        assert.deepEqual(upload?.command, ["sh", "/scripts/upload.sh"]);
        assert.deepEqual(upload.volumeMounts, [
            { name: "scripts", mountPath: "/scripts", readOnly: true },
            { name: "backup", mountPath: "/backup", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ]);
        const scripts = find(rendered.objects, "ConfigMap", "mcp-mesh-backup-scripts").data as Record<string, string>;
        assert.deepEqual(scripts, backupScripts(true));
        assert.ok(scripts["upload.sh"].includes("hashsum sha256 --download"));
    });

    it("configures rclone wholly from env, the key pair only through secretKeyRef to the Secret the stack names", async () => {
        const { pod } = await backupPod({
            ...STORE,
            prefix: "prod/registry",
            region: "eu-central-1",
            pathStyle: false,
            provider: "Minio",
            serverSideEncryption: "aws:kms",
            kmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/mesh",
            credentials: { secretName: "s3-backup", accessKeyIdKey: "id", secretAccessKeyKey: "key" },
        });
        const env = envOf(pod.containers[0]);
        const plain = (name: string) => env.get(name)?.value;
        assert.equal(plain("RCLONE_CONFIG_STORE_TYPE"), "s3");
        assert.equal(plain("RCLONE_CONFIG_STORE_PROVIDER"), "Minio");
        assert.equal(plain("RCLONE_CONFIG_STORE_ENDPOINT"), STORE.endpoint);
        assert.equal(plain("RCLONE_CONFIG_STORE_REGION"), "eu-central-1");
        assert.equal(plain("RCLONE_CONFIG_STORE_FORCE_PATH_STYLE"), "false");
        assert.equal(plain("RCLONE_CONFIG_STORE_ENV_AUTH"), "false");
        assert.equal(plain("RCLONE_CONFIG_STORE_SERVER_SIDE_ENCRYPTION"), "aws:kms");
        assert.equal(plain("RCLONE_CONFIG_STORE_SSE_KMS_KEY_ID"), "arn:aws:kms:eu-central-1:111122223333:key/mesh");
        assert.equal(plain("OBJECT_STORE_BUCKET"), "mesh-backups");
        assert.equal(plain("OBJECT_STORE_PREFIX"), "prod/registry");
        assert.equal(plain("RETENTION"), "4", "backup.retention unless objectStorage.retention");
        assert.deepEqual(env.get("RCLONE_CONFIG_STORE_ACCESS_KEY_ID"), {
            name: "RCLONE_CONFIG_STORE_ACCESS_KEY_ID",
            valueFrom: { secretKeyRef: { name: "s3-backup", key: "id" } },
        });
        assert.deepEqual(env.get("RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY"), {
            name: "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "s3-backup", key: "key" } },
        });
        // No argv and no other env carries a credential: only the two secretKeyRefs come from a Secret.
        assert.deepEqual(
            [...env.values()].filter((e) => e.valueFrom).map((e) => e.name),
            ["RCLONE_CONFIG_STORE_ACCESS_KEY_ID", "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY"],
        );
    });

    it("defaults: prefix mcp-mesh/<instance>, path-style, us-east-1, no encryption, the Secret's AWS_* keys", async () => {
        const { pod } = await backupPod({ ...STORE, retention: 9 }, { instance: "staging" });
        const env = envOf(pod.containers[0]);
        assert.equal(env.get("OBJECT_STORE_PREFIX")?.value, "mcp-mesh/staging");
        assert.equal(env.get("RCLONE_CONFIG_STORE_FORCE_PATH_STYLE")?.value, "true");
        assert.equal(env.get("RCLONE_CONFIG_STORE_REGION")?.value, "us-east-1");
        assert.equal(env.get("RCLONE_CONFIG_STORE_PROVIDER")?.value, "Other");
        assert.equal(env.get("RCLONE_CONFIG_STORE_SERVER_SIDE_ENCRYPTION"), undefined);
        assert.equal(env.get("RETENTION")?.value, "9");
        assert.equal(env.get("RCLONE_CONFIG_STORE_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef?.key, "AWS_ACCESS_KEY_ID");
        assert.equal(env.get("RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef?.key, "AWS_SECRET_ACCESS_KEY");
    });

    it("lets the backup pods reach the store: the endpoint's port, to the configured blocks or anywhere", async () => {
        const policyOf = async (store: Record<string, unknown>) =>
            find((await backupPod(store)).rendered.objects, "NetworkPolicy", "mcp-mesh-registry-backup-object-store").spec;
        assert.deepEqual(await policyOf(STORE), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "mcp-mesh-registry-backup", "app.kubernetes.io/instance": "test" } },
            policyTypes: ["Egress"],
            egress: [{ ports: [{ port: 9000, protocol: "TCP" }] }],
        });
        const narrowed = (await policyOf({ ...STORE, endpoint: "https://s3.example", egress: { cidrs: ["10.20.0.0/16"] } })) as {
            egress: unknown[];
        };
        assert.deepEqual(narrowed.egress, [{ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ port: 443, protocol: "TCP" }] }]);
        const aws = (await policyOf({ bucket: "b-1", provider: "AWS", credentials: { secretName: "s" }, egress: { port: 8443 } })) as {
            egress: unknown[];
        };
        assert.deepEqual(aws.egress, [{ ports: [{ port: 8443, protocol: "TCP" }] }]);
    });

    it("leaves a stack without it as it was: one container, three scripts, no egress policy", async () => {
        const rendered = await renderConfig({});
        const pod = podTemplate(find(rendered.objects, "CronJob", "mcp-mesh-registry-backup"))?.spec;
        assert.equal(pod?.initContainers, undefined);
        assert.deepEqual(
            pod?.containers.map((c) => c.name),
            ["backup"],
        );
        assert.deepEqual(Object.keys(find(rendered.objects, "ConfigMap", "mcp-mesh-backup-scripts").data ?? {}).sort(), [
            "backup.sh",
            "common.sh",
            "restore.sh",
        ]);
        assert.equal(
            rendered.objects.some((o) => o.metadata.name === "mcp-mesh-registry-backup-object-store"),
            false,
        );
    });

    it("rejects each mistake with one line naming the key", async () => {
        await assert.rejects(
            renderConfig({
                backup: {
                    objectStorage: {
                        endpoint: "https://AKIA:secret@s3.example/bucket",
                        bucket: "Mesh_Backups",
                        prefix: "/mesh//dev/",
                        serverSideEncryption: "aws:kms",
                        credentials: { secretName: "S3 Backup", accessKeyIdKey: "id key" },
                        egress: { port: 0, cidrs: ["10.0.0.1/8"] },
                        retention: 0,
                        image: "rclone/rclone:latest",
                    },
                },
            }),
            (error: Error & { problems?: string[] }) => {
                const problems = error.problems ?? [];
                const keys = problems.map((line) => line.split(":")[0]);
                assert.deepEqual(keys.sort(), [
                    "backup.objectStorage.bucket",
                    "backup.objectStorage.credentials.accessKeyIdKey",
                    "backup.objectStorage.credentials.secretName",
                    "backup.objectStorage.egress.cidrs[0]",
                    "backup.objectStorage.egress.port",
                    "backup.objectStorage.endpoint",
                    "backup.objectStorage.image",
                    "backup.objectStorage.kmsKeyId",
                    "backup.objectStorage.prefix",
                    "backup.objectStorage.retention",
                ]);
                const endpoint = problems.find((line) => line.startsWith("backup.objectStorage.endpoint"));
                assert.equal(
                    endpoint,
                    "backup.objectStorage.endpoint: got a value not shown here; must not hold credentials: put them in the Secret credentials.secretName names",
                );
                assert.ok(!problems.join("\n").includes("secret@"), "the credential in the endpoint is not printed");
                return true;
            },
        );
        await assert.rejects(
            renderConfig({ backup: { objectStorage: { bucket: "b-1", credentials: { secretName: "s" } } } }),
            (error: Error & { problems?: string[] }) => {
                assert.deepEqual(error.problems, [
                    "backup.objectStorage.endpoint: got nothing; is required unless provider is AWS (provider is Other)",
                ]);
                return true;
            },
        );
    });
});

describe("Backup component: restore drills (backup.drill)", () => {
    it("schedules a drill pod: fetch (rclone, the bucket's env) then drill.sh in the database image into a scratch volume, labelled like the backup", async () => {
        const rendered = await renderConfig({ backup: { drill: { schedule: "15 5 * * 6" }, objectStorage: STORE } });
        const drill = find(rendered.objects, "CronJob", "mcp-mesh-registry-restore-drill");
        const spec = drill.spec as { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { backoffLimit: number } } };
        assert.equal(spec.schedule, "15 5 * * 6");
        assert.equal(spec.concurrencyPolicy, "Forbid");
        assert.equal(spec.jobTemplate.spec.backoffLimit, 0, "a failed drill is not retried into a pass");
        const template = podTemplate(drill);
        const pod = template?.spec;
        assert.deepEqual(
            pod?.initContainers?.map((c) => [c.name, c.image, c?.command]),
            [["fetch", RCLONE_IMAGE, ["sh", "/scripts/fetch.sh", "/restore"]]],
        );
        const fetchEnv = envOf(pod?.initContainers?.[0]);
        assert.equal(fetchEnv.get("RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef?.name, "s3-backup");
        assert.equal(fetchEnv.get("OBJECT_STORE_PREFIX")?.value, "mcp-mesh/test");
        const container = pod?.containers[0];
        assert.equal(container?.name, "drill");
        assert.deepEqual(container?.command, ["sh", "/scripts/drill.sh", "/restore"]);
        assert.equal(envOf(container).get("SQLITE_PATH")?.value, "/scratch/registry.db");
        assert.equal(
            pod?.volumes?.some((v) => v.persistentVolumeClaim),
            false,
            "the drill mounts no claim: never the live database",
        );
        // The backup's selector labels: the policies that let the backup reach the store (and PostgreSQL) admit the drill.
        assert.equal(template?.metadata.labels?.["app.kubernetes.io/name"], "mcp-mesh-registry-backup");
        assert.equal(template?.metadata.labels?.["app.kubernetes.io/component"], "restore-drill");
    });

    it("PostgreSQL: restores into the scratch database through the registry's service file; no credential in env", async () => {
        const rendered = await renderConfig({
            database: { type: "postgres", postgres: { mode: "provision" } },
            backup: { drill: { postgresDatabase: "mesh_drill" }, objectStorage: STORE },
        });
        const pod = podTemplate(find(rendered.objects, "CronJob", "mcp-mesh-registry-restore-drill"))?.spec;
        const env = envOf(pod?.containers[0]);
        assert.equal(env.get("DATABASE_URL")?.value, "service=registry dbname=mesh_drill");
        assert.equal(env.get("PGSERVICEFILE")?.value, "/etc/mcp-mesh/db/pg_service.conf");
        assert.equal(pod?.containers[0].image, "postgres:17.2");
    });

    it("none without backup.drill; and each mistake one line", async () => {
        const rendered = await renderConfig({ backup: { objectStorage: STORE } });
        assert.equal(
            rendered.objects.some((o) => o.metadata.name === "mcp-mesh-registry-restore-drill"),
            false,
        );
        await assert.rejects(renderConfig({ backup: { drill: {} } }), (error: Error & { problems?: string[] }) => {
            assert.deepEqual(error.problems, [
                "backup.drill: got {}; needs backup.objectStorage: the drill restores the newest verified backup from the bucket",
            ]);
            return true;
        });
        await assert.rejects(
            renderConfig({
                database: { type: "postgres", postgres: { mode: "provision" } },
                backup: { drill: { postgresDatabase: "mcp_mesh_registry" }, objectStorage: STORE },
            }),
            (error: Error & { problems?: string[] }) => {
                assert.deepEqual(error.problems, [
                    'backup.drill.postgresDatabase: got "mcp_mesh_registry"; must not be the registry\'s own database (database.postgres.database): the drill replaces its tables',
                ]);
                return true;
            },
        );
        await assert.rejects(
            renderConfig({ database: { type: "postgres", postgres: { mode: "provision" } }, backup: { drill: {}, objectStorage: STORE } }),
            /backup\.drill\.postgresDatabase: got nothing; is required with database\.type=postgres/,
        );
    });
});

describe("Registry: a new stack that starts from a backup (backup.startFrom)", () => {
    it("runs fetch (rclone, the bucket's env, the data claim read-only) then restore (the SQLite image) before the registry", async () => {
        const rendered = await renderConfig({
            backup: { startFrom: { backup: "20240101-020000", prefix: "prod/registry" }, objectStorage: STORE },
        });
        const pod = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        const [fetch, restore] = pod?.initContainers ?? [];
        assert.deepEqual(
            [fetch?.name, fetch?.image, fetch?.command],
            ["start-from-fetch", RCLONE_IMAGE, ["sh", "/backup-scripts/start-from.sh", "fetch", "/start-from", "20240101-020000"]],
        );
        assert.equal(envOf(fetch).get("OBJECT_STORE_PREFIX")?.value, "prod/registry");
        assert.deepEqual(
            fetch?.volumeMounts?.find((m) => m.name === "data"),
            { name: "data", mountPath: "/data", readOnly: true },
        );
        assert.equal(restore?.name, "start-from-restore");
        assert.deepEqual(restore?.command, ["sh", "/backup-scripts/start-from.sh", "restore", "/start-from"]);
        assert.equal(pod?.volumes?.find((v) => v.name === "backup-scripts")?.configMap?.name, "mcp-mesh-backup-scripts");
        const scripts = find(rendered.objects, "ConfigMap", "mcp-mesh-backup-scripts").data as Record<string, string>;
        assert.ok(scripts["start-from.sh"], "the scripts ConfigMap holds start-from.sh");
        // The registry pods may reach the store too (their init container fetches).
        assert.deepEqual(find(rendered.objects, "NetworkPolicy", "mcp-mesh-registry-backup-object-store").spec, {
            podSelector: {
                matchLabels: { "app.kubernetes.io/instance": "test" },
                matchExpressions: [
                    { key: "app.kubernetes.io/name", operator: "In", values: ["mcp-mesh-registry-backup", "mcp-mesh-registry"] },
                ],
            },
            policyTypes: ["Egress"],
            egress: [{ ports: [{ port: 9000, protocol: "TCP" }] }],
        });
        // Without it, the registry has no init container on SQLite.
        assert.equal(
            podTemplate(find((await renderConfig({ backup: { objectStorage: STORE } })).objects, "StatefulSet", "mcp-mesh-registry"))?.spec
                .initContainers,
            undefined,
        );
    });

    it("on PostgreSQL, checks the database first (its image, the registry Secret's service file, the CA), then fetches and restores", async () => {
        const rendered = await renderConfig({
            database: { type: "postgres", postgres: { mode: "provision", image: "postgres:17.2" } },
            tls: { enabled: true, source: "pulumi" },
            backup: { startFrom: {}, objectStorage: STORE },
        });
        const pod = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        const init = pod?.initContainers ?? [];
        assert.deepEqual(
            init.slice(1).map((c) => [c.name, c.image, c.command?.slice(2)]),
            [
                ["start-from-check", "postgres:17.2", ["check", "/start-from"]],
                ["start-from-fetch", RCLONE_IMAGE, ["fetch", "/start-from"]],
                ["start-from-restore", "postgres:17.2", ["restore", "/start-from"]],
            ],
        );
        for (const container of [init[1], init[3]]) {
            const env = envOf(container);
            assert.deepEqual(
                ["DB_TYPE", "PGSERVICEFILE", "PGSERVICE", "PGSSLROOTCERT"].map((name) => env.get(name)?.value),
                ["postgres", "/etc/mcp-mesh/start-from-db/pg_service.conf", "registry", "/etc/mcp-mesh/postgres-ca/ca.crt"],
            );
            // The password only in the service file, from the registry Secret: never in env or argv.
            assert.ok(!env.has("PGPASSWORD") && !env.has("DATABASE_URL"), container?.name);
            assert.deepEqual(
                container?.volumeMounts?.map((m) => m.name),
                ["backup-scripts", "start-from", "tmp", "start-from-database", "postgres-ca"],
            );
        }
        assert.deepEqual(pod?.volumes?.find((v) => v.name === "start-from-database")?.secret, {
            secretName: "mcp-registry-secret",
            items: [{ key: "pg_service.conf", path: "pg_service.conf" }],
            defaultMode: 0o440,
        });
        assert.ok(pod?.volumes?.some((v) => v.name === "postgres-ca"));
        // The fetch never connects to the database: no service file, no CA.
        assert.equal(envOf(init[2]).get("PGSERVICEFILE"), undefined);
        assert.deepEqual(
            init[2]?.volumeMounts?.map((m) => m.name),
            ["backup-scripts", "start-from", "tmp"],
        );
    });

    it("refuses it without objectStorage or without backups: one line each", async () => {
        const problems = async (config: Record<string, unknown>) => {
            try {
                await renderConfig(config);
            } catch (error) {
                return error instanceof ConfigError ? error.problems : [String(error)];
            }
            return [];
        };
        assert.deepEqual(await problems({ backup: { startFrom: {} } }), [
            "backup.startFrom: got {}; needs backup.objectStorage: the registry starts from a backup in the bucket",
        ]);
        assert.deepEqual(await problems({ backup: { enabled: false, startFrom: {}, objectStorage: STORE } }), [
            "backup.startFrom: got {}; needs backup.enabled: the restore runs the backup's scripts",
        ]);
        assert.deepEqual(await problems({ backup: { startFrom: { backup: "latest" }, objectStorage: STORE } }), [
            'backup.startFrom.backup: got "latest"; must be a backup\'s name, YYYYMMDD-HHMMSS',
        ]);
    });
});
