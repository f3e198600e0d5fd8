// The provisioned PostgreSQL's readiness probe, run as the kubelet would run it (the rendered
// command with the container's environment) against a real server: Ready only when the
// registry's role can log in to its database with the password in the mounted Secret file.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { discoverPostgresTools, requireTools } from "../support/db-tools";
import { podTemplate } from "../support/pods";
import { envWithoutDatabaseSettings, PostgresServer } from "../support/postgres-server";
import { find, renderConfig } from "../support/stacks";

interface ProbeView {
    exec?: { command: string[] };
}

describe("provisioned PostgreSQL: readiness authenticates", function () {
    this.timeout(60_000);
    let server: PostgresServer | undefined;
    let binDir = "";
    let scratch = "";

    function pg(): PostgresServer {
        assert.ok(server, "the PostgreSQL server is not running");
        return server;
    }

    /** Runs the rendered probe with the rendered env, `overrides` standing in for the kubelet's values; returns its exit status. */
    async function probe(
        which: "readinessProbe" | "livenessProbe",
        overrides: { user?: string; database?: string; password: string },
    ): Promise<number | null> {
        const { objects } = await renderConfig({
            database: {
                type: "postgres",
                postgres: {
                    mode: "provision",
                    port: pg().port,
                    user: overrides.user ?? pg().appUser,
                    database: overrides.database ?? "mesh_ready",
                },
            },
            registry: { replicas: 1 },
        });
        const container = podTemplate(find(objects, "StatefulSet", "mcp-mesh-postgres"))?.spec.containers[0];
        assert.ok(container, "no postgres container");
        const view: ProbeView | undefined = container[which] ?? undefined;
        const command = view?.exec?.command;
        assert.ok(command, `${which} is not an exec probe`);
        const passwordFile = path.join(scratch, "password");
        fs.writeFileSync(passwordFile, overrides.password);
        const env: Record<string, string> = {};
        for (const variable of container.env ?? []) {
            if (variable.value !== undefined) env[variable.name] = variable.value;
        }
        const result = spawnSync(command[0], command.slice(1), {
            env: {
                ...envWithoutDatabaseSettings(),
                ...env,
                PATH: `${binDir}:${process.env.PATH ?? ""}`,
                POD_IP: pg().host,
                POSTGRES_PASSWORD_FILE: passwordFile,
            },
            encoding: "utf8",
        });
        return result.status;
    }

    before(async function () {
        const tools = requireTools(this, "PostgreSQL readiness tests", discoverPostgresTools());
        binDir = tools.binDir;
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-pg-ready-"));
        server = await PostgresServer.start(tools);
        pg().createDatabase("mesh_ready");
    });

    after(() => {
        server?.stop();
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("is ready with the role, its database and the password from the Secret file", async () => {
        assert.equal(await probe("readinessProbe", { password: pg().appPassword }), 0);
    });

    it("is not ready with a wrong password, though pg_isready (liveness) still passes", async () => {
        assert.notEqual(await probe("readinessProbe", { password: "not-the-password" }), 0);
        assert.equal(await probe("livenessProbe", { password: "not-the-password" }), 0);
    });

    it("is not ready for a role or a database that does not exist (an edit of user or database after the first deploy)", async () => {
        assert.notEqual(await probe("readinessProbe", { user: "renamed_role", password: pg().appPassword }), 0);
        assert.notEqual(await probe("readinessProbe", { database: "renamed_db", password: pg().appPassword }), 0);
    });
});
