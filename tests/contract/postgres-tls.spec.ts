// Contract: the registry (real 3.7.1, lib/pq) and the backup job (libpq, Debian's PostgreSQL
// clients) verify the PostgreSQL server's certificate (sslmode=verify-full) against the CA the
// rendered objects mount, on Debian's PostgreSQL serving TLS (ssl=on); with another CA they fail.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { createScriptBinDir, discoverPostgresTools, discoverScriptTools, requireTools } from "../support/db-tools";
import { Ca, makeCa, makeLeaf } from "../support/mesh-pki";
import { httpGet, LocalCluster, RunningPod, waitFor } from "../support/pod-runner";
import { externalDatabaseConfig, PostgresServer } from "../support/postgres-server";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const NAMESPACE = "mesh-contract-pgtls";
const DATABASE = "mesh_registry";

function caSecret(ca: Ca): K8sObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name: "pg-ca", namespace: NAMESPACE }, stringData: { "ca.crt": ca.cert } };
}

describe("contract: PostgreSQL over TLS, verified (sslmode=verify-full, database.postgres.sslRootCert)", function () {
    this.timeout(4 * START_MS);
    let tools: ContractTools;
    let server: PostgresServer | undefined;
    let rendered: Rendered;
    let work: string;
    let bin: string;
    let serverCa: Ca;
    let foreignCa: Ca;
    let registryPort: number;
    const clusters: LocalCluster[] = [];

    const cluster = (ca: Ca): LocalCluster => {
        const made = new LocalCluster(rendered.objects, work, [bin], [caSecret(ca)]);
        clusters.push(made);
        return made;
    };
    const agentsAnswer = async (pod: RunningPod) =>
        (await httpGet(`http://${pod.ip}:${registryPort}/agents`).catch(() => ({ status: 0 }))).status;

    before(async function () {
        tools = requireContractTools(this);
        const pgTools = requireTools(this, "contract tests (PostgreSQL TLS)", discoverPostgresTools());
        const posix = requireTools(this, "contract tests (PostgreSQL TLS)", discoverScriptTools());
        this.timeout(120_000);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-pgtls-"));
        serverCa = makeCa(path.join(work, "pki"), "pg-ca");
        foreignCa = makeCa(path.join(work, "pki"), "foreign-ca");
        // The name the clients dial: verify-full checks it against the certificate.
        server = await PostgresServer.start(pgTools, makeLeaf(path.join(work, "pki"), serverCa, "postgres", ["localhost"], ["127.0.0.1"]));
        server.createDatabase(DATABASE);
        registryPort = await freePort();
        rendered = await renderStack({
            stack: "pgtls",
            config: configFrom(
                {
                    namespace: NAMESPACE,
                    registry: { port: registryPort },
                    ...externalDatabaseConfig(server, DATABASE, { sslmode: "verify-full", sslRootCert: { secretName: "pg-ca" } }),
                },
                server.appPassword,
            ),
            redact: false,
        });
        bin = createScriptBinDir(path.join(work, "image-bin"), {
            ...posix,
            pg_dump: pgTools.pgDump,
            pg_restore: pgTools.pgRestore,
            psql: pgTools.psql,
        });
    });

    after(async function () {
        this.timeout(60_000);
        for (const made of clusters) await made.stopAll();
        server?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("the registry connects with verify-full against the mounted CA, over TLS", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const pod = cluster(serverCa).run(statefulSet, { entrypoint: [tools.registry] });
        await waitFor(
            "the registry answers /agents (its database is reachable)",
            async () => (await agentsAnswer(pod)) === 200,
            START_MS,
            pod,
        );
        const ssl = server?.query(
            `SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = '${server.appUser}'`,
        );
        assert.equal(ssl, "t", "every registry connection is TLS");
        await clusters[0].stop(pod);
    });

    it("the backup job's connection (libpq service file) verifies the server too", async () => {
        const cronJob = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
        const backup = cluster(serverCa).run(cronJob, { entrypoint: ["sh"] });
        assert.equal(await backup.exited, 0, backup.output());
    });

    it("with another CA, the registry cannot use its database and the backup fails", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const wrong = cluster(foreignCa);
        const pod = wrong.run(statefulSet, { entrypoint: [tools.registry] });
        // Started (or exited), but never able to serve /agents from its database.
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        assert.notEqual(await agentsAnswer(pod), 200, pod.output());
        assert.match(pod.output(), /certificate|x509/i);
        await wrong.stop(pod);
        const backup = wrong.run(find(rendered.objects, "CronJob", "mcp-mesh-registry-backup"), { entrypoint: ["sh"] });
        assert.notEqual(await backup.exited, 0, backup.output());
        assert.match(backup.output(), /certificate verify failed|SSL/i);
    });
});
