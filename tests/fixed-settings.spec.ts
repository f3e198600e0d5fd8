// The settings a deployed stack keeps (namespace, instance, database type, the provisioned
// PostgreSQL's user and database): the program registers them with the guard (a Pulumi dynamic
// resource, no Kubernetes object), and the guard's provider, deserialized from what the program
// registers as the pulumi-nodejs plugin does, refuses each edit naming the key and the way out.
import { strict as assert } from "assert";
import * as vm from "vm";
import { GuardFailure } from "../components/k8s/settings-guard";
import { renderConfig } from "./support/stacks";

const GUARD_TYPE = "pulumi-nodejs:dynamic:Resource";
const agents = [{ name: "hello-world", code: "agents/hello_world.py" }];
const DEV = { namespace: "mcp-mesh-dev", agents };
const PROVISIONED = { namespace: "mcp-mesh", agents, database: { type: "postgres", postgres: { mode: "provision" } } };

interface Checker {
    check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ failures?: GuardFailure[] }>;
}

function isChecker(value: unknown): value is Checker {
    return typeof value === "object" && value !== null && "check" in value && typeof value.check === "function";
}

/** The guard's inputs as the program registers them, its serialized provider (`__provider`) included. */
async function guardInputs(config: Record<string, unknown>, stack = "dev"): Promise<Record<string, unknown>> {
    const { resources, objects } = await renderConfig(config, { stack });
    const guards = resources.filter((resource) => resource.type === GUARD_TYPE);
    assert.deepEqual(
        guards.map((guard) => guard.urn),
        [`urn:pulumi:${stack}::mcp-mesh::mcp-mesh:index:McpMesh$${GUARD_TYPE}::mcp-mesh-fixed-settings`],
    );
    assert.ok(objects.every((object) => typeof object.kind === "string" && typeof object.apiVersion === "string"));
    return guards[0].inputs;
}

/** What the engine would print: check(state inputs, new inputs) of the provider the new program serialized. */
async function refusals(before: Record<string, unknown>, after: Record<string, unknown>): Promise<GuardFailure[]> {
    const code = after.__provider;
    assert.equal(typeof code, "string", "the guard carries no serialized provider");
    const sandbox: { exports: Record<string, unknown>; require: NodeJS.Require } = { exports: {}, require };
    vm.runInNewContext(String(code), sandbox);
    const handler = sandbox.exports.handler;
    assert.equal(typeof handler, "function");
    const provider: unknown = typeof handler === "function" ? Reflect.apply(handler, undefined, []) : undefined;
    assert.ok(isChecker(provider), "the serialized provider has no check");
    // Array.from: the sandbox's arrays have another realm's prototype.
    return Array.from((await provider.check(before, after)).failures ?? [], ({ property, reason }) => ({ property, reason }));
}

function values(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== "__provider"));
}

describe("fixed settings (the guard McpMesh registers first)", () => {
    it("registers the namespace, the instance and the database type; the provisioned PostgreSQL adds its user and database", async () => {
        assert.deepEqual(values(await guardInputs(DEV)), { namespace: "mcp-mesh-dev", instance: "dev", "database.type": "sqlite" });
        assert.deepEqual(values(await guardInputs(PROVISIONED, "staging")), {
            namespace: "mcp-mesh",
            instance: "staging",
            "database.type": "postgres",
            "database.postgres.user": "mcp_mesh",
            "database.postgres.database": "mcp_mesh_registry",
        });
    });

    it("registers before every namespaced object (they read the namespace through it), with or without createNamespace", async () => {
        for (const createNamespace of [true, false]) {
            const { resources } = await renderConfig({ ...DEV, createNamespace }, { stack: "dev" });
            const guardAt = resources.findIndex((resource) => resource.type === GUARD_TYPE);
            const namespaced = resources.filter(
                (resource) => resource.type.startsWith("kubernetes:") && !resource.type.includes("CustomResourceDefinition"),
            );
            assert.ok(namespaced.length > 0);
            const early = namespaced.filter((resource) => resources.indexOf(resource) < guardAt).map((resource) => resource.name);
            assert.deepEqual(early, [], `createNamespace ${createNamespace}: registered before the guard`);
        }
    });

    it("passes a first deploy and an edit of anything else (replicas, log level, an agent's mode)", async () => {
        const deployed = await guardInputs(DEV);
        assert.deepEqual(await refusals({}, deployed), []);
        const edited = await guardInputs({
            ...DEV,
            registry: { logLevel: "WARNING" },
            agents: [{ ...agents[0], replicas: 3, mode: "customResource" }],
        });
        assert.deepEqual(await refusals(deployed, edited), []);
    });

    it("refuses a namespace change, naming the old and new value, the command that keeps it and how to move", async () => {
        const failures = await refusals(await guardInputs(DEV), await guardInputs({ ...DEV, namespace: "mcp-mesh-moved" }));
        assert.deepEqual(
            failures.map((failure) => failure.property),
            ["namespace"],
        );
        assert.match(failures[0].reason, /^namespace: deployed as mcp-mesh-dev, now mcp-mesh-moved; refused, nothing changed\./);
        assert.match(failures[0].reason, /`pulumi config set mcp-mesh:namespace mcp-mesh-dev`/);
        assert.match(failures[0].reason, /To move: back up, `pulumi destroy`/);
    });

    it("refuses a stack rename that changes the default instance; with instance set, a rename passes", async () => {
        const failures = await refusals(await guardInputs(DEV, "dev"), await guardInputs(DEV, "dev-renamed"));
        assert.deepEqual(
            failures.map((failure) => failure.property),
            ["instance"],
        );
        assert.match(failures[0].reason, /deployed as dev, now dev-renamed.*`pulumi config set mcp-mesh:instance dev`/);
        const pinned = { ...DEV, instance: "dev" };
        assert.deepEqual(await refusals(await guardInputs(pinned, "dev"), await guardInputs(pinned, "dev-renamed")), []);
    });

    it("refuses a database type switch, either way, saying how to migrate", async () => {
        const sqlite = await guardInputs(DEV);
        const postgres = await guardInputs({ ...PROVISIONED, namespace: "mcp-mesh-dev" });
        for (const [before, after, was, now] of [
            [sqlite, postgres, "sqlite", "postgres"],
            [postgres, sqlite, "postgres", "sqlite"],
        ] as const) {
            const failures = await refusals(before, after);
            assert.deepEqual(
                failures.map((failure) => failure.property),
                ["database.type"],
            );
            assert.match(failures[0].reason, new RegExp(`deployed as ${was}, now ${now}.*--path database\\.type ${was}.*back up`));
        }
    });

    it("refuses the provisioned PostgreSQL's user and database edits (the image applies them only to an empty data directory)", async () => {
        const deployed = await guardInputs(PROVISIONED, "staging");
        const edited = await guardInputs(
            { ...PROVISIONED, database: { type: "postgres", postgres: { mode: "provision", user: "registry", database: "mesh" } } },
            "staging",
        );
        const failures = await refusals(deployed, edited);
        assert.deepEqual(
            failures.map((failure) => failure.property),
            ["database.postgres.user", "database.postgres.database"],
        );
        assert.match(
            failures[0].reason,
            /deployed as mcp_mesh, now registry.*--path database\.postgres\.user mcp_mesh.*empty data directory/,
        );
    });
});
