// Contract tests: the real registry binary and the real Python runtime, started with exactly
// what the rendered objects say (tests/support/pod-runner.ts), prove that every setting does
// what it says: the port, the database DSN and its password, TLS, readiness, the probes the
// agents answer, the host and port they advertise, the start order of the replicas, what is
// written where, and that a backup restores every registered agent.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AGENT_IMAGE } from "../components/config/agents";
import { REGISTRY_IMAGE } from "../components/config/registry";
import { imageMinorVersion } from "../components/k8s/metrics";
import { ContractTools, requireContractTools } from "./support/contract-tools";
import { createScriptBinDir, discoverPostgresTools, discoverScriptTools, discoverSqliteTools, requireTools } from "./support/db-tools";
import { filesUnder, httpGet, ImageContract, LocalCluster, probeOk, probeUrl, RunningPod, waitFor } from "./support/pod-runner";
import { podTemplate } from "./support/pods";
import { externalDatabaseConfig, PostgresServer } from "./support/postgres-server";
import { K8sObject, Rendered, renderStack } from "./support/render";
import { configFrom, find, projectConfigOf } from "./support/stacks";
import { freePort } from "../tools/e2e/processes";

/** Generous: a busy 2-core machine starts a Python agent in a few seconds, sometimes many more. */
const START_MS = 90_000;
const NAMESPACE = "mesh-contract";

const SAMPLE_AGENTS = [
    { name: "hello-world", code: "agents/hello_world.py" },
    { name: "data-processor", code: "agents/data_processor.py" },
    { name: "report-generator", code: "agents/report_generator.py" },
];

function registryImage(tools: ContractTools): ImageContract {
    // mcpmesh/registry: ENTRYPOINT ["/usr/local/bin/registry"], CMD ["--host","0.0.0.0","--port","8000"].
    return { entrypoint: [tools.registry], cmd: ["--host", "0.0.0.0", "--port", "8000"] };
}

function runtimeImage(tools: ContractTools): ImageContract {
    // mcpmesh/python-runtime: ENTRYPOINT ["python"], WORKDIR /app.
    return { entrypoint: [tools.python] };
}

type Container = NonNullable<ReturnType<typeof podTemplate>>["spec"]["containers"][number];

function containerOf(workload: K8sObject): Container {
    const container = podTemplate(workload)?.spec.containers[0];
    assert.ok(container, `${workload.kind}/${workload.metadata.name} has a container`);
    return container;
}

async function startRegistry(cluster: LocalCluster, statefulSet: K8sObject, tools: ContractTools, ordinal = 0): Promise<RunningPod> {
    const pod = cluster.run(statefulSet, registryImage(tools), { ordinal });
    await waitFor(`${pod.name} passes its startup probe`, () => probeOk(pod, containerOf(statefulSet).startupProbe), START_MS, pod);
    return pod;
}

/** Starts the StatefulSet's replicas the way its podManagementPolicy says. */
async function startReplicas(cluster: LocalCluster, statefulSet: K8sObject, tools: ContractTools): Promise<RunningPod[]> {
    const spec = statefulSet.spec as { replicas: number; podManagementPolicy?: string };
    const readiness = containerOf(statefulSet).readinessProbe;
    const pods: RunningPod[] = [];
    for (let ordinal = 0; ordinal < spec.replicas; ordinal++) {
        const pod = cluster.run(statefulSet, registryImage(tools), { ordinal });
        pods.push(pod);
        if (spec.podManagementPolicy !== "Parallel") {
            // OrderedReady: the next pod is created only once this one is Ready.
            await waitFor(`${pod.name} is ready`, () => probeOk(pod, readiness), START_MS, pod);
        }
    }
    return pods;
}

interface RegisteredAgent {
    name: string;
    endpoint: string;
}

async function listedAgents(registry: RunningPod, workload: K8sObject): Promise<RegisteredAgent[]> {
    const url = probeUrl(registry, { httpGet: { path: "/agents", port: "http", scheme: schemeOf(workload) } });
    const answer = await httpGet(url);
    assert.equal(answer.status, 200, answer.body);
    return (JSON.parse(answer.body) as { agents: RegisteredAgent[] | null }).agents ?? [];
}

function schemeOf(workload: K8sObject): string {
    const probe = containerOf(workload).readinessProbe as { httpGet: { scheme?: string } };
    return probe.httpGet.scheme ?? "HTTP";
}

function secretsFor(rendered: Rendered, kind: string, name: string): K8sObject {
    return find(rendered.objects, kind, name);
}

/** A directory with the tools the backup image carries (sqlite3 or the PostgreSQL clients). */
function imageToolsDir(dir: string, tools: Record<string, string>): string {
    return createScriptBinDir(dir, tools);
}

function mustFind<T>(items: readonly T[], predicate: (item: T) => boolean, what: string): T {
    const found = items.find(predicate);
    assert.ok(found, what);
    return found;
}

/** Stops a suite's local pods and removes its scratch directory (either may not exist yet). */
async function tearDown(cluster: LocalCluster | undefined, work: string | undefined): Promise<void> {
    await cluster?.stopAll();
    if (work) fs.rmSync(work, { recursive: true, force: true });
}

describe("contract: the images are the versions the contract tests run", () => {
    let tools: ContractTools;
    before(function () {
        tools = requireContractTools(this);
    });

    it("pins the registry and the runtime to the release lines of the binary and the package under test", () => {
        const minor = (version: string) => version.split(".").slice(0, 2).join(".");
        const pinned = (image: string) => {
            const version = imageMinorVersion(image);
            return version ? `${version.major}.${version.minor}` : "";
        };
        assert.equal(pinned(REGISTRY_IMAGE), minor(tools.registryVersion), `${REGISTRY_IMAGE} vs registry ${tools.registryVersion}`);
        assert.equal(pinned(AGENT_IMAGE), minor(tools.runtimeVersion), `${AGENT_IMAGE} vs mcp-mesh ${tools.runtimeVersion}`);
    });
});

describe("contract: registry and sample agents on SQLite, with the dev stack's settings", function () {
    this.timeout(5 * START_MS);
    let tools: ContractTools;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let registryPort: number;
    const agentPorts = new Map<string, number>();
    let registry: RunningPod;
    let statefulSet: K8sObject;
    const agents = new Map<string, RunningPod>();

    before(async function () {
        tools = requireContractTools(this);
        const sqlite = requireTools(this, "contract backup (SQLite)", discoverSqliteTools());
        const posix = requireTools(this, "contract backup (SQLite)", discoverScriptTools());
        registryPort = await freePort();
        for (const agent of SAMPLE_AGENTS) {
            agentPorts.set(agent.name, await freePort());
        }
        const dev = projectConfigOf("dev", "fixture");
        const devAgent = (dev.agents as Record<string, unknown>[])[0];
        const config = {
            ...dev,
            namespace: NAMESPACE,
            // A port other than the image's 8000: it must reach the process.
            registry: {
                ...(dev.registry as Record<string, unknown>),
                port: registryPort,
                // Not the defaults, so the contract shows they reach the process.
                heartbeat: { healthCheckInterval: 7, timeoutThreshold: 25, evictionThreshold: 70 },
            },
            agents: SAMPLE_AGENTS.map((agent) => ({
                ...(agent.name === "hello-world" ? devAgent : {}),
                ...agent,
                service: { port: agentPorts.get(agent.name) },
            })),
        };
        rendered = await renderStack({ stack: "dev", config: configFrom(config), redact: false, generated: () => "generated" });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-sqlite-"));
        const bin = imageToolsDir(path.join(work, "image-bin"), { ...posix, sqlite3: sqlite.sqlite3 });
        cluster = new LocalCluster(rendered.objects, work, [bin]);
        statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
    });

    after(async function () {
        this.timeout(60_000);
        await tearDown(cluster, work);
    });

    it("the registry starts and serves every probe on the declared port", async () => {
        const container = containerOf(statefulSet);
        assert.deepEqual(
            container.ports?.map((p) => p.containerPort),
            [registryPort],
        );
        registry = await startRegistry(cluster, statefulSet, tools);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            const url = probeUrl(registry, probe);
            assert.ok(url.includes(`:${registryPort}/`), url);
            const answer = await httpGet(url);
            assert.equal(answer.status, 200, `${url}: ${answer.body}`);
        }
    });

    it("runs with the log level, debug mode and heartbeat timing the stack sets", () => {
        const settings = find(rendered.objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.deepEqual([settings.MCP_MESH_LOG_LEVEL, settings.MCP_MESH_DEBUG_MODE], ["DEBUG", "true"]);
        assert.match(registry.output(), /Log Level: DEBUG \| Debug Mode: enabled/);
        assert.match(registry.output(), /agent health monitor \(timeout: 25s, interval: 7s\)/);
    });

    it("uses the SQLite DSN it is given and writes only under its mounted paths", () => {
        const data = registry.mounts.get("/data");
        assert.ok(data, "the registry mounts /data");
        assert.ok(filesUnder(data).includes("registry.db"), `files in /data: ${filesUnder(data).join(", ")}`);
        assert.deepEqual(filesUnder(registry.rootDir), [], "nothing written to the (read-only) root filesystem");
        assert.match(registry.output(), /Initializing database: \S+\/registry\.db/);
    });

    it("each sample agent starts from the code in its ConfigMap, answers its probes, and registers with the host and port its Deployment advertises", async () => {
        for (const agent of SAMPLE_AGENTS) {
            const deployment = find(rendered.objects, "Deployment", agent.name);
            const container = containerOf(deployment);
            const pod = cluster.run(deployment, runtimeImage(tools));
            agents.set(agent.name, pod);
            // The code it runs is the ConfigMap's, which holds the repository's file.
            const code = find(rendered.objects, "ConfigMap", `${agent.name}-code`).data as Record<string, string>;
            assert.deepEqual(Object.values(code), [fs.readFileSync(path.join(__dirname, "..", agent.code), "utf8")]);
            await waitFor(`${agent.name} passes its startup probe`, () => probeOk(pod, container.startupProbe), START_MS, pod);
            for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
                await waitFor(`${agent.name} answers ${probeUrl(pod, probe)}`, () => probeOk(pod, probe), START_MS, pod);
            }
            assert.deepEqual(filesUnder(pod.rootDir), [], `${agent.name} writes nothing to its root filesystem`);
        }
        // dev overrides hello-world's MCP_MESH_LOG_LEVEL; the others read INFO from mcp-agent-config.
        assert.match(agents.get("hello-world")?.output() ?? "", / DEBUG /);
        assert.doesNotMatch(agents.get("data-processor")?.output() ?? "", / DEBUG /);
        for (const agent of SAMPLE_AGENTS) {
            const port = agentPorts.get(agent.name);
            const advertised = `http://${agent.name}.${NAMESPACE}.svc.cluster.local:${port}`;
            await waitFor(
                `${agent.name} registers as ${advertised}`,
                async () => (await listedAgents(registry, statefulSet)).some((a) => a.name === agent.name && a.endpoint === advertised),
                START_MS,
                agents.get(agent.name),
            );
        }
    });

    it("a backup, then a restore into an empty volume, keeps every registered agent", async () => {
        const cronJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
        const backup = cluster.run(cronJob, { entrypoint: ["sh"] });
        assert.equal(await backup.exited, 0, backup.output());
        const backupDir = backup.mounts.get("/backup") ?? "";
        const [stamp] = fs.readdirSync(backupDir).filter((name) => /^\d{8}-\d{6}$/.test(name));
        assert.ok(stamp, `a published backup in ${backupDir}`);

        for (const pod of [...agents.values(), registry]) {
            await cluster.stop(pod);
        }
        const data = registry.mounts.get("/data") ?? "";
        for (const file of fs.readdirSync(data)) {
            fs.rmSync(path.join(data, file));
        }
        const container = containerOf(cronJob);
        const restore = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { commandOverride: ["sh", "/scripts/restore.sh", `/backup/${stamp}`] },
        );
        assert.equal(await restore.exited, 0, restore.output());
        assert.ok(container.command?.includes("/scripts/backup.sh"));

        registry = await startRegistry(cluster, statefulSet, tools);
        const names = (await listedAgents(registry, statefulSet)).map((a) => a.name).sort();
        assert.deepEqual(names, SAMPLE_AGENTS.map((a) => a.name).sort());
    });
});

describe("contract: three registries on one fresh PostgreSQL, with the prod stack's settings", function () {
    this.timeout(6 * START_MS);
    const DATABASE = "mesh_contract";
    let tools: ContractTools;
    let server: PostgresServer | undefined;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let statefulSet: K8sObject;
    let replicas: RunningPod[] = [];
    let agent: RunningPod;

    before(async function () {
        tools = requireContractTools(this);
        const pgTools = requireTools(this, "contract tests (PostgreSQL)", discoverPostgresTools());
        const posix = requireTools(this, "contract tests (PostgreSQL)", discoverScriptTools());
        this.timeout(120_000);
        server = await PostgresServer.start(pgTools);
        server.createDatabase(DATABASE);
        const registryPort = await freePort();
        const prod = projectConfigOf("prod", "fixture");
        const config = {
            ...prod,
            namespace: NAMESPACE,
            registry: { ...(prod.registry as Record<string, unknown>), port: registryPort },
            // The prod stack provisions its server; here the test's server stands in (same DSN shape, sslmode as provisioned).
            ...externalDatabaseConfig(server, DATABASE, { sslmode: "disable" }),
            agents: [{ name: "hello-world", code: "agents/hello_world.py", service: { port: await freePort() } }],
            // Mutual TLS has contract tests of its own (tests/contract/mesh-tls.spec.ts, program-ca.spec.ts, postgres-tls.spec.ts).
            tls: { enabled: false },
        };
        // Not named prod: a stack named so must run TLS.
        rendered = await renderStack({ stack: "contract", config: configFrom(config, server.appPassword), redact: false });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-pg-"));
        const bin = imageToolsDir(path.join(work, "image-bin"), {
            ...posix,
            pg_dump: pgTools.pgDump,
            pg_restore: pgTools.pgRestore,
            psql: pgTools.psql,
        });
        cluster = new LocalCluster(rendered.objects, work, [bin]);
        statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
    });

    after(async function () {
        this.timeout(60_000);
        await tearDown(cluster, work);
        server?.stop();
    });

    it("starts its replicas as the StatefulSet says, and all three stay up and ready", async () => {
        assert.equal((statefulSet.spec as { replicas: number }).replicas, 3);
        replicas = await startReplicas(cluster, statefulSet, tools);
        // Past the point where a lost schema race makes a replica exit.
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        const readiness = containerOf(statefulSet).readinessProbe;
        for (const pod of replicas) {
            assert.ok(pod.isRunning(), `${pod.name} exited:\n${pod.output()}`);
            await waitFor(`${pod.name} is ready`, () => probeOk(pod, readiness), START_MS, pod);
        }
    });

    it("connects with the DSN it is given and the password from the Secret, and logs no password", () => {
        const password = server?.appPassword ?? "";
        const secret = secretsFor(rendered, "Secret", "mcp-registry-secret").stringData as Record<string, string>;
        assert.equal(secret["database-password"], password);
        for (const pod of replicas) {
            assert.ok(!pod.output().includes(password), `${pod.name} printed the password`);
            assert.match(
                pod.output(),
                new RegExp(`Initializing database: postgres://${server?.appUser}@127\\.0\\.0\\.1:${server?.port}/${DATABASE}`),
            );
        }
        const tables = Number(server?.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`, { database: DATABASE }));
        assert.ok(tables > 0, "the registry created its schema in the database it was given");
    });

    it("writes nothing locally: no claim, and nothing outside its emptyDir mounts", () => {
        assert.equal((statefulSet.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates, undefined);
        for (const pod of replicas) {
            assert.deepEqual([...pod.mounts.keys()], ["/tmp"]);
            assert.deepEqual(filesUnder(pod.rootDir), [], `${pod.name} wrote to its root filesystem`);
            assert.deepEqual(filesUnder(pod.mounts.get("/tmp") ?? ""), [], `${pod.name} wrote to /tmp`);
        }
    });

    it("is one registry: an agent registered through one replica is listed by every replica", async () => {
        const deployment = find(rendered.objects, "Deployment", "hello-world");
        agent = cluster.run(deployment, runtimeImage(tools));
        await waitFor("hello-world is ready", () => probeOk(agent, containerOf(deployment).readinessProbe), START_MS, agent);
        for (const pod of replicas) {
            await waitFor(
                `${pod.name} lists hello-world`,
                async () => (await listedAgents(pod, statefulSet)).some((a) => a.name === "hello-world"),
                START_MS,
                pod,
            );
        }
    });

    it("a backup through the mounted service file, then a restore into an empty database, keeps every registered agent", async () => {
        const cronJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
        const backup = cluster.run(cronJob, { entrypoint: ["sh"] });
        assert.equal(await backup.exited, 0, backup.output());
        assert.ok(!backup.output().includes(server?.appPassword ?? "-"), "the backup printed the password");
        const backupDir = backup.mounts.get("/backup") ?? "";
        const [stamp] = fs.readdirSync(backupDir).filter((name) => /^\d{8}-\d{6}$/.test(name));
        assert.ok(stamp, `a published backup in ${backupDir}`);

        await cluster.stop(agent);
        for (const pod of replicas) {
            await cluster.stop(pod);
        }
        server?.query(`DROP DATABASE ${DATABASE}`);
        server?.createDatabase(DATABASE);
        const restore = cluster.run(
            cronJob,
            { entrypoint: ["sh"] },
            { commandOverride: ["sh", "/scripts/restore.sh", `/backup/${stamp}`] },
        );
        assert.equal(await restore.exited, 0, restore.output());

        replicas = [await startRegistry(cluster, statefulSet, tools)];
        const names = (await listedAgents(replicas[0], statefulSet)).map((a) => a.name);
        assert.deepEqual(names, ["hello-world"]);
    });

    it("is not ready while the database is down, yet stays live (no restart loop)", async () => {
        const container = containerOf(statefulSet);
        const [pod] = replicas;
        assert.ok(await probeOk(pod, container.readinessProbe));
        server?.stop();
        await waitFor("readiness fails with the database down", async () => !(await probeOk(pod, container.readinessProbe)), 30_000, pod);
        assert.ok(await probeOk(pod, container.livenessProbe), "liveness still passes");
        assert.ok(pod.isRunning());
    });
});

describe("contract: registry.tls turns TLS on", function () {
    this.timeout(2 * START_MS);
    let tools: ContractTools;
    let cluster: LocalCluster;
    let work: string;

    before(function () {
        tools = requireContractTools(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-tls-"));
    });

    after(async function () {
        this.timeout(30_000);
        await tearDown(cluster, work);
    });

    it("serves HTTPS on the declared port with the mounted certificate, and the probes speak it", async () => {
        const openssl = spawnSync(
            "openssl",
            [
                ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mcp-mesh-registry"],
                ...["-keyout", path.join(work, "tls.key"), "-out", path.join(work, "tls.crt")],
            ],
            { encoding: "utf8" },
        );
        assert.equal(openssl.status, 0, `openssl: ${openssl.stderr}${openssl.error?.message ?? ""}`);
        const port = await freePort();
        const rendered = await renderStack({
            stack: "tls",
            config: configFrom({ namespace: NAMESPACE, registry: { port, tls: { secretName: "registry-tls" } } }),
            redact: false,
            generated: () => "generated",
        });
        const tlsSecret: K8sObject = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "registry-tls", namespace: NAMESPACE },
            type: "kubernetes.io/tls",
            stringData: {
                "tls.crt": fs.readFileSync(path.join(work, "tls.crt"), "utf8"),
                "tls.key": fs.readFileSync(path.join(work, "tls.key"), "utf8"),
            },
        };
        cluster = new LocalCluster(rendered.objects, work, [], [tlsSecret]);
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const container = containerOf(statefulSet);
        const pod = await startRegistry(cluster, statefulSet, tools);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            const url = probeUrl(pod, probe);
            assert.ok(url.startsWith("https://"), url);
            assert.equal((await httpGet(url)).status, 200, url);
        }
        const plain = await httpGet(`http://${pod.ip}:${port}/health`);
        assert.notEqual(plain.status, 200, "plain HTTP is not served once TLS is on");
        assert.equal(rendered.outputs.registryUrl, `https://mcp-mesh-registry.${NAMESPACE}.svc.cluster.local:${port}`);
        assert.ok(mustFind(pod.output().split("\n"), (line) => line.includes("TLS mode: auto"), "the registry logs TLS mode auto"));
    });
});
