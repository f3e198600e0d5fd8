// Contract: backups that survive the cluster. The real registry (SQLite) with a real agent
// registered; the rendered backup pod run as the kubelet would (its init container backs up,
// then the upload container runs rclone, the pinned image's release, with the env and the
// Secret's key pair the pod spec names) against a real S3 server on loopback (moto, inspected
// through boto3); then, with the cluster's volumes wiped, the bucket alone restores the registry.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import {
    createScriptBinDir,
    discoverPostgresTools,
    discoverScriptTools,
    discoverSqliteTools,
    findOnPath,
    requireTools,
} from "../support/db-tools";
import { MotoServer, ObjectStoreTools, requireObjectStoreTools } from "../support/object-store";
import { httpGet, LocalCluster, probeOk, probeUrl, RunningPod, waitFor } from "../support/pod-runner";
import { allContainers, podTemplate } from "../support/pods";
import { externalDatabaseConfig, PostgresServer } from "../support/postgres-server";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find, projectConfigOf } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const NAMESPACE = "mesh-contract-s3";
const BUCKET = "mesh-dr";
const PREFIX = "contract/dev";
const SECRET = "s3-backup";
const STAMP = /^\d{8}-\d{6}$/;

function credentialsSecret(key: { accessKeyId: string; secretAccessKey: string }): K8sObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: SECRET, namespace: NAMESPACE },
        stringData: { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey },
    };
}

function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Runs one CronJob pod as the kubelet would: each init container to completion, in order, then the container. */
async function runJob(cluster: LocalCluster, cronJob: K8sObject): Promise<RunningPod[]> {
    const spec = podTemplate(cronJob)?.spec;
    assert.ok(spec);
    const runs: RunningPod[] = [];
    for (const container of allContainers(spec)) {
        const pod = cluster.run(cronJob, { entrypoint: ["sh"] }, { containerName: container.name, inPodOf: runs[0] });
        runs.push(pod);
        if ((await pod.exited) !== 0) break;
    }
    return runs;
}

describe("contract: backups to object storage, and a registry restored from the bucket alone", function () {
    this.timeout(5 * START_MS);
    let tools: ContractTools;
    let store: ObjectStoreTools;
    let moto: MotoServer;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let bin: string;
    let statefulSet: K8sObject;
    let cronJob: K8sObject;
    let registry: RunningPod;
    let agent: RunningPod;

    const registryUrl = (pod: RunningPod) => probeUrl(pod, { httpGet: { path: "/agents", port: "http" } });
    const listed = async (pod: RunningPod) =>
        ((JSON.parse((await httpGet(registryUrl(pod))).body) as { agents: { name: string }[] | null }).agents ?? []).map((a) => a.name);
    const remoteFolders = () => [...new Set(moto.list(BUCKET, `${PREFIX}/`).map((o) => o.key.split("/")[2]))].sort();

    before(async function () {
        tools = requireContractTools(this);
        store = requireObjectStoreTools(this);
        const sqlite = requireTools(this, "contract object storage", discoverSqliteTools());
        const posix = requireTools(this, "contract object storage", discoverScriptTools());
        moto = new MotoServer(store);
        await moto.start([BUCKET]);
        const dev = projectConfigOf("dev", "fixture");
        const config = {
            ...dev,
            namespace: NAMESPACE,
            registry: { ...(dev.registry as Record<string, unknown>), port: await freePort() },
            agents: [{ name: "hello-world", code: "agents/hello_world.py", service: { port: await freePort() } }],
            backup: {
                retention: 5,
                drill: {},
                objectStorage: {
                    endpoint: moto.endpoint,
                    bucket: BUCKET,
                    prefix: PREFIX,
                    serverSideEncryption: "AES256",
                    retention: 2,
                    credentials: { secretName: SECRET },
                },
            },
        };
        rendered = await renderStack({ stack: "dev", config: configFrom(config), redact: false, generated: () => "generated" });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-s3-"));
        const extra = Object.fromEntries(["awk", "mktemp", "tr", "cut"].map((tool) => [tool, findOnPath(tool) ?? `/usr/bin/${tool}`]));
        bin = createScriptBinDir(path.join(work, "image-bin"), { ...posix, ...extra, sqlite3: sqlite.sqlite3, rclone: store.rclone });
        cluster = new LocalCluster(rendered.objects, work, [bin], [credentialsSecret(moto.key)]);
        statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        cronJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");

        const readiness = podTemplate(statefulSet)?.spec.containers[0].readinessProbe;
        registry = cluster.run(statefulSet, { entrypoint: [tools.registry] });
        await waitFor("the registry is ready", () => probeOk(registry, readiness), START_MS, registry);
        const deployment = find(rendered.objects, "Deployment", "hello-world");
        agent = cluster.run(deployment, { entrypoint: [tools.python] });
        await waitFor("hello-world registers", async () => (await listed(registry)).includes("hello-world"), START_MS, agent);
        // Rows heartbeats cannot rebuild: a job and its event (the registry's own schema), beside its registry events.
        const inserted = spawnSync(
            sqlite.sqlite3,
            [
                path.join(cluster.claimDir("data-mcp-mesh-registry-0"), "registry.db"),
                "PRAGMA busy_timeout = 10000;" +
                    "INSERT INTO jobs (job_id, capability, status, submitted_payload, attempt_count, submitted_at, submitted_by) " +
                    "VALUES ('job-contract-1', 'greeting', 'completed', '{\"name\": \"world\"}', 1, '2026-01-02 03:04:05', 'contract');" +
                    "INSERT INTO job_events (seq, job_id, type, payload, posted_by, created_at) " +
                    "VALUES (1, 'job-contract-1', 'completed', '{\"result\": \"hello\"}', 'contract', '2026-01-02 03:04:06');",
            ],
            { encoding: "utf8" },
        );
        assert.equal(inserted.status, 0, inserted.stderr);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        await moto?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("the backup pod backs up, then uploads: every object reads back as the local backup, encrypted, and marked verified", async () => {
        const [backup, upload] = await runJob(cluster, cronJob);
        assert.equal(await backup.exited, 0, backup.output());
        assert.equal(await upload?.exited, 0, upload?.output());
        assert.match(upload.output(), /upload OK: s3:\/\/mesh-dr\/contract\/dev\/\d{8}-\d{6} verified/);
        for (const secret of [moto.key.accessKeyId, moto.key.secretAccessKey]) {
            assert.ok(!backup.output().includes(secret) && !upload.output().includes(secret), "a credential was printed");
        }
        const local = backup.mounts.get("/backup") ?? "";
        const [stamp] = fs.readdirSync(local).filter((name) => STAMP.test(name));
        const objects = moto.list(BUCKET, `${PREFIX}/${stamp}/`);
        assert.deepEqual(objects.map((o) => o.key.split("/").pop()).sort(), ["SHA256SUMS", "VERIFIED", "metadata.json", "registry.db"]);
        for (const file of ["SHA256SUMS", "metadata.json", "registry.db"]) {
            assert.equal(objects.find((o) => o.key.endsWith(`/${file}`))?.sha256, sha256(path.join(local, stamp, file)), file);
        }
        assert.deepEqual([...new Set(objects.map((o) => o.sse))], ["AES256"]);
    });

    it("retention keeps the newest objectStorage.retention verified backups in the bucket, the claim its own backup.retention", async () => {
        for (let run = 0; run < 2; run++) {
            await new Promise((resolve) => setTimeout(resolve, 1_100)); // backup names have one-second resolution
            const pods = await runJob(cluster, cronJob);
            for (const pod of pods) assert.equal(await pod.exited, 0, pod.output());
        }
        const local = fs
            .readdirSync(cluster.claimDir("mcp-mesh-registry-backups"))
            .filter((name) => STAMP.test(name))
            .sort();
        assert.equal(local.length, 3);
        assert.deepEqual(remoteFolders(), local.slice(1));
    });

    it("a Secret with a wrong key fails the job with one line naming the Secret, and the bucket keeps what it had", async () => {
        const before = moto.list(BUCKET, `${PREFIX}/`);
        const wrong = new LocalCluster(
            rendered.objects,
            work,
            [bin],
            [credentialsSecret({ accessKeyId: moto.key.accessKeyId, secretAccessKey: "not-the-key" })],
        );
        const [backup, upload] = await runJob(wrong, cronJob);
        assert.equal(await backup.exited, 0, backup.output());
        assert.equal(await upload.exited, 4, upload.output());
        const lines = upload.output().trim().split("\n");
        assert.equal(lines.length, 1, upload.output());
        assert.match(lines[0], /rejected the credentials \(Secret s3-backup, keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)/);
        assert.ok(!lines[0].includes("not-the-key") && !lines[0].includes(moto.key.accessKeyId));
        assert.deepEqual(moto.list(BUCKET, `${PREFIX}/`), before);
    });

    it("the restore drill fetches the newest verified backup, restores it into a scratch file and checks it", async () => {
        const drillJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-restore-drill");
        const [fetch, drill] = await runJob(cluster, drillJob);
        assert.equal(await fetch.exited, 0, fetch.output());
        assert.equal(await drill?.exited, 0, drill?.output());
        assert.match(
            drill.output(),
            new RegExp(`drill OK: ${remoteFolders().pop()} restored into a scratch database and checked: \\d+ tables, 1 agents`),
        );
        assert.ok(fs.existsSync(path.join(drill.mounts.get("/scratch") ?? "", "registry.db")), "restored into the scratch volume");
    });

    it("with the claims lost, the newest verified backup in the bucket restores the registry: every agent and every table's rows", async () => {
        const newest = remoteFolders().pop() ?? "";
        const backedUp = moto.list(BUCKET, `${PREFIX}/${newest}/registry.db`)[0];
        await cluster.stop(agent);
        await cluster.stop(registry);
        for (const claim of ["mcp-mesh-registry-backups", "data-mcp-mesh-registry-0"]) {
            const dir = cluster.claimDir(claim);
            for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true });
        }
        // The runbook: fetch.sh in the upload container's image and env, restore.sh in the backup's.
        const fetch = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { containerName: "upload", commandOverride: ["sh", "/scripts/fetch.sh", "/tmp"] },
        );
        assert.equal(await fetch.exited, 0, fetch.output());
        const fetched = path.join(fetch.mounts.get("/tmp") ?? "", newest);
        assert.equal(sha256(path.join(fetched, "registry.db")), backedUp.sha256);
        // Handed over as the runbook's pod does (one volume, fetch writes, restore reads): here the emptied backup claim.
        fs.cpSync(fetched, path.join(cluster.claimDir("mcp-mesh-registry-backups"), newest), { recursive: true });
        const restore = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { containerName: "backup", commandOverride: ["sh", "/scripts/restore.sh", `/backup/${newest}`] },
        );
        assert.equal(await restore.exited, 0, restore.output());
        const database = path.join(cluster.claimDir("data-mcp-mesh-registry-0"), "registry.db");
        const rows = (file: string) => {
            const tables = sqliteLines(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
            return Object.fromEntries(tables.map((table) => [table, sqliteLines(file, `SELECT * FROM "${table}" ORDER BY 1`)]));
        };
        assert.deepEqual(rows(database), rows(path.join(fetched, "registry.db")), "every table's rows as backed up");
        const restoredRows = rows(database);
        assert.ok(restoredRows.agents.length > 0 && restoredRows.registry_events.length > 0, "agents and registry events restored");
        assert.deepEqual(
            [restoredRows.jobs.map((row) => row.split("|")[0]), restoredRows.job_events.map((row) => row.split("|").slice(1, 4))],
            [["job-contract-1"], [["1", "job-contract-1", "completed"]]],
            "the job and its event restored",
        );

        registry = cluster.run(statefulSet, { entrypoint: [tools.registry] });
        const readiness = podTemplate(statefulSet)?.spec.containers[0].readinessProbe;
        await waitFor("the restored registry is ready", () => probeOk(registry, readiness), START_MS, registry);
        assert.deepEqual(await listed(registry), ["hello-world"]);
    });

    function sqliteLines(file: string, sql: string): string[] {
        const sqlite3 = path.join(bin, "sqlite3");
        return spawnSync(sqlite3, ["-readonly", file, sql], { encoding: "utf8" })
            .stdout.split("\n")
            .filter((line) => line !== "");
    }

    it("a new stack with backup.startFrom restores the bucket's newest verified backup before its registry first starts, once, and never over a database", async () => {
        const config = {
            namespace: "mesh-staging",
            registry: { port: await freePort() },
            backup: {
                startFrom: { prefix: PREFIX },
                objectStorage: { endpoint: moto.endpoint, bucket: BUCKET, credentials: { secretName: SECRET } },
            },
        };
        const staging = await renderStack({ stack: "staging", config: configFrom(config), redact: false, generated: () => "generated" });
        const stagingWork = fs.mkdtempSync(path.join(work, "staging-"));
        const fresh = new LocalCluster(staging.objects, stagingWork, [bin], [credentialsSecret(moto.key)]);
        const stagingSet = find(staging.objects, "StatefulSet", "mcp-mesh-registry");
        const startPod = async () => {
            const fetch = fresh.run(stagingSet, { entrypoint: ["sh"] }, { containerName: "start-from-fetch" });
            const code = await fetch.exited;
            if (code !== 0) return { fetch, restore: undefined };
            const restore = fresh.run(stagingSet, { entrypoint: ["sh"] }, { containerName: "start-from-restore", inPodOf: fetch });
            await restore.exited;
            return { fetch, restore };
        };
        try {
            const first = await startPod();
            assert.equal(await first.restore?.exited, 0, `${first.fetch.output()}${first.restore?.output()}`);
            const newest = remoteFolders().pop() ?? "";
            assert.match(first.restore?.output() ?? "", new RegExp(`started from backup ${newest}`));
            const stagingRegistry = fresh.run(stagingSet, { entrypoint: [tools.registry] });
            const readiness = podTemplate(stagingSet)?.spec.containers[0].readinessProbe;
            await waitFor("the staging registry is ready", () => probeOk(stagingRegistry, readiness), START_MS, stagingRegistry);
            assert.deepEqual(await listed(stagingRegistry), ["hello-world"]);
            await fresh.stop(stagingRegistry);

            const again = await startPod();
            assert.equal(await again.restore?.exited, 0, again.fetch.output());
            assert.match(again.fetch.output(), /was started from backup \d{8}-\d{6}; nothing to do/);

            // A database of other origin: refused, untouched, the registry does not start.
            const data = fresh.claimDir("data-mcp-mesh-registry-0");
            fs.rmSync(path.join(data, "registry.db.started-from"));
            const before = sha256(path.join(data, "registry.db"));
            const refused = await startPod();
            assert.equal(await refused.fetch.exited, 4, refused.fetch.output());
            assert.match(refused.fetch.output(), /refusing to start from a backup: '.*registry\.db' already holds a database/);
            assert.equal(sha256(path.join(data, "registry.db")), before);
        } finally {
            await fresh.stopAll();
        }
    });

    it("a corrupted object in the bucket fails the drill loudly (its Job fails, one line saying checksum mismatch)", async () => {
        const newest = remoteFolders().pop() ?? "";
        moto.put(BUCKET, `${PREFIX}/${newest}/registry.db`, Buffer.from("SQLite format 3 but not a database"));
        const [fetch, drill] = await runJob(cluster, find(rendered.objects, "CronJob", "mcp-mesh-registry-restore-drill"));
        assert.equal(await fetch.exited, 7, fetch.output());
        assert.equal(drill, undefined, "the drill container never starts");
        assert.match(
            fetch.output().trim(),
            new RegExp(`^fetch\\.sh: error: checksum mismatch: s3://${BUCKET}/${PREFIX}/${newest} downloads as`),
        );
        assert.equal(fetch.output().trim().split("\n").length, 1, fetch.output());
    });
});

describe("contract: backups to object storage on PostgreSQL, and a registry restored from the bucket into an empty database", function () {
    this.timeout(5 * START_MS);
    const DATABASE = "mesh_s3";
    let tools: ContractTools;
    let moto: MotoServer;
    let server: PostgresServer | undefined;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let statefulSet: K8sObject;
    let cronJob: K8sObject;
    let registry: RunningPod;
    let bin: string;

    const listed = async (pod: RunningPod) =>
        (
            (
                JSON.parse((await httpGet(probeUrl(pod, { httpGet: { path: "/agents", port: "http" } }))).body) as {
                    agents: { name: string }[] | null;
                }
            ).agents ?? []
        ).map((a) => a.name);

    before(async function () {
        tools = requireContractTools(this);
        const store = requireObjectStoreTools(this);
        const pgTools = requireTools(this, "contract object storage (PostgreSQL)", discoverPostgresTools());
        const posix = requireTools(this, "contract object storage (PostgreSQL)", discoverScriptTools());
        this.timeout(120_000);
        moto = new MotoServer(store);
        await moto.start([BUCKET]);
        server = await PostgresServer.start(pgTools);
        server.createDatabase(DATABASE);
        server.createDatabase("mesh_drill");
        const prod = projectConfigOf("prod", "fixture");
        const config = {
            ...prod,
            namespace: NAMESPACE,
            registry: { ...(prod.registry as Record<string, unknown>), replicas: 1, port: await freePort() },
            ...externalDatabaseConfig(server, DATABASE, { sslmode: "disable" }),
            agents: [{ name: "hello-world", code: "agents/hello_world.py", service: { port: await freePort() } }],
            tls: { enabled: false },
            backup: {
                drill: { postgresDatabase: "mesh_drill" },
                objectStorage: { endpoint: moto.endpoint, bucket: BUCKET, prefix: "contract/pg", credentials: { secretName: SECRET } },
            },
        };
        rendered = await renderStack({ stack: "contract", config: configFrom(config, server.appPassword), redact: false });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-s3pg-"));
        const extra = Object.fromEntries(["awk", "mktemp", "tr", "cut"].map((tool) => [tool, findOnPath(tool) ?? `/usr/bin/${tool}`]));
        bin = createScriptBinDir(path.join(work, "image-bin"), {
            ...posix,
            ...extra,
            pg_dump: pgTools.pgDump,
            pg_restore: pgTools.pgRestore,
            psql: pgTools.psql,
            rclone: store.rclone,
        });
        cluster = new LocalCluster(rendered.objects, work, [bin], [credentialsSecret(moto.key)]);
        statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        cronJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
        const readiness = podTemplate(statefulSet)?.spec.containers[0].readinessProbe;
        registry = cluster.run(statefulSet, { entrypoint: [tools.registry] });
        await waitFor("the registry is ready", () => probeOk(registry, readiness), START_MS, registry);
        const agent = cluster.run(find(rendered.objects, "Deployment", "hello-world"), { entrypoint: [tools.python] });
        await waitFor("hello-world registers", async () => (await listed(registry)).includes("hello-world"), START_MS, agent);
        // Rows heartbeats cannot rebuild: a job and its event (as the registry's schema holds them), beside its own registry events.
        server.query(
            "INSERT INTO jobs (job_id, capability, status, submitted_payload, attempt_count, submitted_at, submitted_by) " +
                "VALUES ('job-contract-1', 'greeting', 'completed', '{\"name\": \"world\"}', 1, '2026-01-02T03:04:05Z', 'contract');" +
                "INSERT INTO job_events (seq, job_id, type, payload, posted_by, created_at) " +
                "VALUES (1, 'job-contract-1', 'completed', '{\"result\": \"hello\"}', 'contract', '2026-01-02T03:04:06Z');",
            { database: DATABASE, user: server.appUser },
        );
    });

    /** The durable rows: jobs and job events exactly, and the registry's events up to the newest id `upTo` (it keeps writing). */
    const durableRows = (database: string, upTo: string) =>
        [
            "SELECT * FROM jobs ORDER BY 1",
            "SELECT * FROM job_events ORDER BY 1",
            `SELECT * FROM registry_events WHERE id <= ${upTo} ORDER BY 1`,
        ].map((sql) => server?.query(sql, { database }) ?? "");
    const newestEvent = (database: string) => server?.query("SELECT coalesce(max(id), 0) FROM registry_events", { database }) ?? "0";

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        await moto?.stop();
        server?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("dumps through the service file, uploads the dump read back and marked; the bucket alone restores every agent into an empty database", async () => {
        // What the backup will hold: the rows committed before the dump starts (registry events keep coming).
        const upTo = newestEvent(DATABASE);
        const durableBefore = durableRows(DATABASE, upTo);
        assert.ok(Number(upTo) > 0, "the registry recorded events");
        const [backup, upload] = await runJob(cluster, cronJob);
        assert.equal(await backup.exited, 0, backup.output());
        assert.equal(await upload?.exited, 0, upload?.output());
        for (const secret of [moto.key.secretAccessKey, server?.appPassword ?? "-"]) {
            assert.ok(!backup.output().includes(secret) && !upload.output().includes(secret), "a credential was printed");
        }
        const [stamp] = [...new Set(moto.list(BUCKET, "contract/pg/").map((o) => o.key.split("/")[2]))];
        const names = moto.list(BUCKET, `contract/pg/${stamp}/`).map((o) => o.key.split("/").pop());
        assert.deepEqual(names.sort(), ["SHA256SUMS", "VERIFIED", "metadata.json", "registry.dump"]);
        // The drill restores into its scratch database, twice (the second replaces the first's tables).
        for (let run = 0; run < 2; run++) {
            const [fetch, drill] = await runJob(cluster, find(rendered.objects, "CronJob", "mcp-mesh-registry-restore-drill"));
            assert.equal(await fetch.exited, 0, fetch.output());
            assert.equal(await drill?.exited, 0, drill?.output());
            assert.match(drill.output(), /drill OK: \d{8}-\d{6} restored into a scratch database and checked: \d+ tables, 1 agents/);
            assert.ok(!drill.output().includes(server?.appPassword ?? "-"), "the drill printed the password");
        }
        const tablesBefore = server?.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", {
            database: DATABASE,
        });

        await cluster.stopAll();
        fs.rmSync(cluster.claimDir("mcp-mesh-registry-backups"), { recursive: true });
        server?.query(`DROP DATABASE ${DATABASE}`);
        server?.createDatabase(DATABASE);
        const fetch = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { containerName: "upload", commandOverride: ["sh", "/scripts/fetch.sh", "/tmp"] },
        );
        assert.equal(await fetch.exited, 0, fetch.output());
        fs.cpSync(path.join(fetch.mounts.get("/tmp") ?? "", stamp), path.join(cluster.claimDir("mcp-mesh-registry-backups"), stamp), {
            recursive: true,
        });
        const restore = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { containerName: "backup", commandOverride: ["sh", "/scripts/restore.sh", `/backup/${stamp}`] },
        );
        assert.equal(await restore.exited, 0, restore.output());
        assert.equal(
            server?.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", { database: DATABASE }),
            tablesBefore,
        );
        assert.deepEqual(durableRows(DATABASE, upTo), durableBefore, "jobs, job events and registry events as backed up");
        assert.match(durableBefore[0], /^job-contract-1\|greeting\|/);

        registry = cluster.run(statefulSet, { entrypoint: [tools.registry] });
        const readiness = podTemplate(statefulSet)?.spec.containers[0].readinessProbe;
        await waitFor("the restored registry is ready", () => probeOk(registry, readiness), START_MS, registry);
        assert.deepEqual(await listed(registry), ["hello-world"]);
    });
    /** A new stack on `database` of the same server (three replicas, as prod), starting from the bucket's contract/pg backups. */
    async function startingStack(database: string, stack: string) {
        const config = {
            namespace: `mesh-${stack}`,
            registry: { replicas: 3, port: await freePort() },
            ...externalDatabaseConfig(server ?? assert.fail("no server"), database, { sslmode: "disable" }),
            backup: {
                startFrom: { prefix: "contract/pg" },
                objectStorage: {
                    endpoint: moto.endpoint,
                    bucket: BUCKET,
                    prefix: `contract/${stack}`,
                    credentials: { secretName: SECRET },
                },
            },
        };
        const staging = await renderStack({ stack, config: configFrom(config, server?.appPassword), redact: false });
        const local = new LocalCluster(staging.objects, fs.mkdtempSync(path.join(work, `${stack}-`)), [bin], [credentialsSecret(moto.key)]);
        return { local, statefulSet: find(staging.objects, "StatefulSet", "mcp-mesh-registry") };
    }

    /** The registry pod's start-from init containers, in order, as the kubelet runs them (one pod's emptyDirs); stops at the first failure. */
    async function startFromContainers(local: LocalCluster, statefulSet: K8sObject): Promise<RunningPod[]> {
        const names = (podTemplate(statefulSet)?.spec.initContainers ?? [])
            .map((c) => c.name)
            .filter((name) => name.startsWith("start-from-"));
        assert.deepEqual(names, ["start-from-check", "start-from-fetch", "start-from-restore"]);
        const runs: RunningPod[] = [];
        for (const name of names) {
            const pod = local.run(statefulSet, { entrypoint: ["sh"] }, { containerName: name, inPodOf: runs[0] });
            runs.push(pod);
            if ((await pod.exited) !== 0) break;
        }
        return runs;
    }

    const tablesOf = (database: string) =>
        server?.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", { database }) ?? "";
    const commentOf = (database: string) =>
        server?.query(`SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '${database}'`) ?? "";

    it("a new PostgreSQL stack starts from the bucket's newest verified backup before its registry first starts; later starts and other replicas do nothing", async () => {
        const [stamp] = [...new Set(moto.list(BUCKET, "contract/pg/").map((o) => o.key.split("/")[2]))].sort().reverse();
        server?.createDatabase("mesh_staging");
        const { local, statefulSet } = await startingStack("mesh_staging", "staging");
        try {
            const first = await startFromContainers(local, statefulSet);
            for (const pod of first) assert.equal(await pod.exited, 0, pod.output());
            assert.equal(first.length, 3);
            assert.match(first[2].output(), new RegExp(`started from backup ${stamp}: restored into the registry database`));
            for (const pod of first) assert.ok(!pod.output().includes(server?.appPassword ?? "-"), `${pod.output()} printed the password`);
            assert.equal(tablesOf("mesh_staging"), tablesOf(DATABASE));
            const upTo = newestEvent("mesh_staging");
            assert.deepEqual(durableRows("mesh_staging", upTo), durableRows(DATABASE, upTo), "jobs, job events and registry events");
            assert.equal(commentOf("mesh_staging"), `mcp-mesh: started from backup ${stamp}`);

            const stagingRegistry = local.run(statefulSet, { entrypoint: [tools.registry] });
            const readiness = podTemplate(statefulSet)?.spec.containers[0].readinessProbe;
            await waitFor("the staging registry is ready", () => probeOk(stagingRegistry, readiness), START_MS, stagingRegistry);
            assert.deepEqual(await listed(stagingRegistry), ["hello-world"]);
            const agentsRows = server?.query("SELECT count(*) FROM agents", { database: "mesh_staging" });
            await local.stop(stagingRegistry);

            // Replica 1 (or pod 0 restarting): the check finds the comment; no download, nothing restored.
            const again = await startFromContainers(local, statefulSet);
            for (const pod of again) assert.equal(await pod.exited, 0, pod.output());
            assert.match(again[0].output(), new RegExp(`was started from backup ${stamp}; nothing to do`));
            assert.deepEqual(fs.readdirSync(again[0].mounts.get("/start-from") ?? ""), [".nothing-to-do"]);
            assert.equal(server?.query("SELECT count(*) FROM agents", { database: "mesh_staging" }), agentsRows);

            // Stopped after the restore committed but before its comment was completed: the next start completes it.
            server?.query(`COMMENT ON DATABASE mesh_staging IS 'mcp-mesh: restoring backup ${stamp}'`);
            const resumed = await startFromContainers(local, statefulSet);
            for (const pod of resumed) assert.equal(await pod.exited, 0, pod.output());
            assert.match(resumed[0].output(), /restored from backup .* by an earlier start; nothing to do/);
            assert.equal(commentOf("mesh_staging"), `mcp-mesh: started from backup ${stamp}`);
        } finally {
            await local.stopAll();
        }
    });

    it("never restores over a PostgreSQL database of other origin: the check exits 4 with one line, and the database is untouched", async () => {
        server?.createDatabase("mesh_other");
        server?.query("CREATE TABLE notes (id integer); INSERT INTO notes VALUES (42);", { database: "mesh_other", user: server.appUser });
        const { local, statefulSet } = await startingStack("mesh_other", "other");
        try {
            const runs = await startFromContainers(local, statefulSet);
            assert.equal(runs.length, 1, "neither fetch nor restore runs");
            assert.equal(await runs[0].exited, 4, runs[0].output());
            const lines = runs[0].output().trim().split("\n");
            assert.equal(lines.length, 1, runs[0].output());
            assert.match(
                lines[0],
                /^start-from\.sh: error: refusing to start from a backup: the registry database \(service registry\) already holds 1 tables this setting did not restore/,
            );
            assert.equal(server?.query("SELECT id FROM notes", { database: "mesh_other" }), "42");
            assert.equal(tablesOf("mesh_other"), "notes");
            assert.equal(commentOf("mesh_other"), "");
        } finally {
            await local.stopAll();
        }
    });
});
