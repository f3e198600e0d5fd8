// The Backup component and data protection, under Pulumi mocks.
import { strict as assert } from "assert";
import { Rendered } from "../support/render";
import { podTemplate } from "../support/pods";
import { find, ofKind, renderConfig, renderFixture } from "../support/stacks";
import { backupScripts } from "../../components/backup/backup";

const POSTGRES = { database: { type: "postgres", postgres: { mode: "provision" } } };

interface CronJobSpec {
    schedule: string;
    timeZone?: string;
    concurrencyPolicy: string;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    startingDeadlineSeconds: number;
    jobTemplate: { spec: { activeDeadlineSeconds: number; backoffLimit: number } };
}

function cronJob(rendered: Rendered) {
    const job = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
    return { job, spec: job.spec as CronJobSpec, pod: podTemplate(job)?.spec };
}

describe("Backup component", () => {
    it("schedules one sequential backup container, never two at once, with a deadline and history", async () => {
        const { spec, pod } = cronJob(await renderConfig({ backup: { schedule: "30 3 * * *", retention: 5 } }));
        assert.equal(spec.schedule, "30 3 * * *");
        assert.equal(spec.concurrencyPolicy, "Forbid");
        assert.equal(spec.successfulJobsHistoryLimit, 3);
        assert.equal(spec.failedJobsHistoryLimit, 3);
        assert.equal(spec.jobTemplate.spec.activeDeadlineSeconds, 3600);
        assert.equal(pod?.containers.length, 1);
        const env = new Map((pod?.containers[0].env ?? []).map((e) => [e.name, e.value]));
        assert.equal(env.get("RETENTION"), "5");
        assert.equal(env.get("DB_TYPE"), "sqlite");
        assert.equal(env.get("SQLITE_PATH"), "/data/registry.db");
        assert.equal(env.get("BACKUP_DIR"), "/backup");
    });

    it("reads the schedule in backup.timeZone when set (spec.timeZone), and in the controller's zone otherwise", async () => {
        const { spec } = cronJob(await renderConfig({ backup: { schedule: "0 2 * * *", timeZone: "Europe/Berlin" } }));
        assert.equal(spec.timeZone, "Europe/Berlin");
        assert.equal(cronJob(await renderConfig({})).spec.timeZone, undefined);
    });

    it("defaults to a daily 02:00 schedule", async () => {
        assert.equal(cronJob(await renderConfig({})).spec.schedule, "0 2 * * *");
    });

    it("SQLite: runs on registry pod 0's node and mounts its claim read-only", async () => {
        const { pod } = cronJob(await renderConfig({}));
        assert.deepEqual(pod?.affinity, {
            podAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                    {
                        labelSelector: { matchLabels: { "statefulset.kubernetes.io/pod-name": "mcp-mesh-registry-0" } },
                        topologyKey: "kubernetes.io/hostname",
                    },
                ],
            },
        });
        const data = pod?.volumes?.find((v) => v.name === "data");
        assert.deepEqual(data?.persistentVolumeClaim, { claimName: "data-mcp-mesh-registry-0", readOnly: true });
        assert.equal(pod?.containers[0].volumeMounts?.find((m) => m.name === "data")?.readOnly, true);
    });

    it("PostgreSQL: dumps through a service file from the registry's Secret, from a pod the database admits", async () => {
        const rendered = await renderConfig(POSTGRES);
        const { pod } = cronJob(rendered);
        assert.equal(pod?.affinity, undefined);
        assert.equal(
            pod?.volumes?.some((v) => v.name === "data"),
            false,
        );
        // The DSN and its password come from a mounted libpq service file: nothing in env or argv.
        const container = pod?.containers[0];
        const vars = new Map((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(vars.get("DATABASE_URL"), undefined);
        assert.equal(vars.get("PGPASSWORD"), undefined);
        assert.equal(vars.get("PGSERVICEFILE"), "/etc/mcp-mesh/db/pg_service.conf");
        assert.equal(vars.get("PGSERVICE"), "registry");
        assert.deepEqual(pod?.volumes?.find((v) => v.name === "database")?.secret, {
            secretName: "mcp-registry-secret",
            items: [{ key: "pg_service.conf", path: "pg_service.conf" }],
            defaultMode: 0o440,
        });
        assert.ok(container?.volumeMounts?.some((m) => m.name === "database" && m.mountPath === "/etc/mcp-mesh/db" && m.readOnly));
        assert.deepEqual(container?.command, ["sh", "/scripts/backup.sh"]);
        assert.equal(pod?.containers[0].image, "postgres:17.2");
        const policy = find(rendered.objects, "NetworkPolicy", "mcp-mesh-postgres").spec as {
            ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[];
        };
        const admitted = policy.ingress[0].from.map((f) => f.podSelector.matchLabels["app.kubernetes.io/name"]);
        assert.deepEqual(admitted, ["mcp-mesh-registry", "mcp-mesh-registry-backup"]);
        assert.deepEqual(
            podTemplate(find(rendered.objects, "CronJob", "mcp-mesh-registry-backup"))?.metadata.labels?.["app.kubernetes.io/name"],
            "mcp-mesh-registry-backup",
        );
    });

    it("ships the repository's scripts in a ConfigMap, and re-rolls the job when they change", async () => {
        const rendered = await renderConfig({});
        const scripts = find(rendered.objects, "ConfigMap", "mcp-mesh-backup-scripts").data as Record<string, string>;
        assert.deepEqual(scripts, backupScripts());
        assert.match(scripts["backup.sh"], /sha256sum/);
        const { pod, job } = cronJob(rendered);
        assert.deepEqual(pod?.containers[0].env?.length, 5);
        assert.match(podTemplate(job)?.metadata.annotations?.["checksum/scripts"] ?? "", /^[0-9a-f]{64}$/);
    });

    it("provisions the backup claim as configured", async () => {
        const claim = find(
            (await renderConfig({ backup: { storage: { size: "8Gi", storageClass: "standard", accessMode: "ReadWriteMany" } } })).objects,
            "PersistentVolumeClaim",
            "mcp-mesh-registry-backups",
        );
        assert.deepEqual(claim.spec, {
            accessModes: ["ReadWriteMany"],
            resources: { requests: { storage: "8Gi" } },
            storageClassName: "standard",
        });
    });

    it("creates nothing when backups are disabled", async () => {
        const { objects } = await renderConfig({ backup: { enabled: false } });
        assert.equal(ofKind(objects, "CronJob").length, 0);
        assert.equal(
            objects.some((o) => o.metadata.name.includes("backup")),
            false,
        );
    });

    it("rejects a bad schedule and a zero retention", async () => {
        await assert.rejects(
            renderConfig({ backup: { schedule: "every night", retention: 0 } }),
            (error: Error & { problems?: string[] }) => {
                assert.deepEqual(error.problems, [
                    "backup.schedule: got \"every night\"; must be a CronJob schedule: 5 fields (minute hour day-of-month month day-of-week, e.g. '0 2 * * *') or one of @yearly @annually @monthly @weekly @daily @midnight @hourly: invalid configuration format ('every night'), exactly five, six, or seven space separated parts are required.",
                    "backup.retention: got 0; must be >= 1",
                ]);
                return true;
            },
        );
    });
});

describe("data protection", () => {
    const KEPT = [
        "kubernetes:apps/v1:StatefulSet::mcp-mesh-postgres-statefulset",
        "kubernetes:core/v1:Secret::mcp-mesh-postgres-secret",
        "random:index/randomPassword:RandomPassword::mcp-mesh-postgres-password",
        "kubernetes:core/v1:PersistentVolumeClaim::mcp-mesh-backup-claim",
    ];
    // Deleting the namespace would delete every claim in it.
    const KEPT_IN_PROD = [...KEPT, "kubernetes:core/v1:Namespace::mcp-mesh-namespace"];

    it("prod protects the database, its password and the backups from destroy and replacement", async () => {
        const { resources } = await renderFixture("prod");
        for (const id of KEPT_IN_PROD) {
            const resource = resources.find((r) => `${r.type}::${r.name}` === id);
            assert.ok(resource, id);
            assert.equal(resource.options.protect, true, id);
            assert.equal(resource.options.retainOnDelete, true, id);
        }
        const registry = resources.find((r) => r.name === "mcp-mesh-registry-statefulset" && r.type === "kubernetes:apps/v1:StatefulSet");
        const policy = (registry?.inputs.spec as { persistentVolumeClaimRetentionPolicy: Record<string, string> })
            .persistentVolumeClaimRetentionPolicy;
        assert.deepEqual(policy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("dev leaves everything removable", async () => {
        const { resources } = await renderConfig({ ...POSTGRES });
        for (const id of KEPT) {
            const resource = resources.find((r) => `${r.type}::${r.name}` === id);
            assert.ok(resource, id);
            assert.notEqual(resource.options.protect, true, id);
        }
    });
});
