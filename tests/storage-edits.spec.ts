// No edit deletes data: every storage edit of stack config (size, class, access mode) of every
// claim the program makes is either an in-place change or a change of fields the program
// ignores after creation (shown in preview through the requested-* annotations), never a
// change of a field that forces the provider to replace a claim.
import { strict as assert } from "assert";
import { CLAIM_IMMUTABLE_FIELDS } from "../components/k8s/data-protection";
import { RegisteredResource } from "./support/mocks";
import { fieldPaths } from "./support/object-diff";
import { renderConfig } from "./support/stacks";

type Config = Record<string, unknown>;

/** Every claim the program can make: registry and PostgreSQL templates, backups, agent and shared claims. */
function baseConfig(database: "sqlite" | "postgres"): Config {
    return {
        agents: [
            {
                name: "worker",
                code: "agents/hello_world.py",
                persistence: { enabled: true },
                sharedStorage: ["workspace", "sharedCache", "logs"],
            },
        ],
        storage: { workspace: {}, sharedCache: {}, logs: {} },
        database: database === "postgres" ? { type: "postgres", postgres: { mode: "provision" } } : { type: "sqlite" },
        protectData: false,
    };
}

/** A copy of `config` with `value` at the dotted path (`agents.0.persistence.storageClass`). */
function edited(config: Config, path: string, value: unknown): Config {
    const copy = structuredClone(config);
    const keys = path.split(".");
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) {
        if (Reflect.get(Object(node), key) === undefined) Reflect.set(Object(node), key, {});
        node = Reflect.get(Object(node), key);
    }
    Reflect.set(Object(node), keys[keys.length - 1], value);
    return copy;
}

/** Edits of every storage field of every claim, each on the base config that has the claim. */
const EDITS: [database: "sqlite" | "postgres", path: string, value: string][] = [
    ["sqlite", "registry.storage.size", "5Gi"],
    ["sqlite", "registry.storage.storageClass", "other-class"],
    ["postgres", "database.postgres.storage.size", "50Gi"],
    ["postgres", "database.postgres.storage.storageClass", "other-class"],
    ["sqlite", "backup.storage.size", "9Gi"],
    ["sqlite", "backup.storage.storageClass", "other-class"],
    ["sqlite", "backup.storage.accessMode", "ReadWriteMany"],
    ["sqlite", "agents.0.persistence.size", "3Gi"],
    ["sqlite", "agents.0.persistence.storageClass", "other-class"],
    ["sqlite", "agents.0.persistence.accessMode", "ReadWriteMany"],
    ["sqlite", "storage.workspace.size", "20Gi"],
    ["sqlite", "storage.workspace.storageClass", "other-class"],
    ["sqlite", "storage.sharedCache.accessMode", "ReadWriteOnce"],
    ["sqlite", "storage.logs.storageClass", "other-class"],
];

const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
/** Claim fields an update changes in place. */
const IN_PLACE = [/^metadata\.annotations\./, /^metadata\.labels\./, /^spec\.resources\.requests\.storage$/];

function covered(path: string, ignored: readonly string[]): boolean {
    return ignored.some((field) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`));
}

const key = (r: RegisteredResource) => `${r.type}::${r.name}`;

describe("storage edits never delete data", () => {
    for (const [database, path, value] of EDITS) {
        it(`${path}=${value} (${database}): in place or ignored and shown, never a replace`, async () => {
            const base = baseConfig(database);
            const before = await renderConfig(base);
            const after = await renderConfig(edited(base, path, value));
            const old = new Map(before.resources.map((r) => [key(r), r]));
            const touched = after.resources.filter((r) => r.type === CLAIM || r.type === STATEFUL_SET);
            let shown = false;
            for (const resource of touched) {
                const previous = old.get(key(resource));
                assert.ok(previous, `${key(resource)} is new after the edit: the old one would be deleted`);
                const ignored = resource.options.ignoreChanges ?? [];
                for (const changed of fieldPaths(previous.inputs, resource.inputs, "")) {
                    shown ||= changed.startsWith("metadata.annotations.mcp-mesh.io/requested-");
                    const safe =
                        resource.type === CLAIM
                            ? IN_PLACE.some((p) => p.test(changed)) || covered(changed, ignored)
                            : !changed.startsWith("spec.volumeClaimTemplates") || covered(changed, ignored);
                    assert.ok(safe, `${key(resource)}: ${changed} changes and forces a replace (ignored: ${ignored.join(", ") || "none"})`);
                }
            }
            assert.ok(shown, "the edit does not show in preview (no requested-* annotation changed)");
            assert.deepEqual(after.resources.filter((r) => !old.has(key(r))).map(key), [], "the edit creates objects (a rename replaces)");
        });
    }

    it("ignores every field that forces a claim replacement, on every claim", async () => {
        const { resources } = await renderConfig(baseConfig("sqlite"));
        const claims = resources.filter((r) => r.type === CLAIM);
        assert.ok(claims.length >= 5, `expected backup, workspace and three shared claims, got ${claims.map(key).join(", ")}`);
        for (const claim of claims) {
            assert.deepEqual([...(claim.options.ignoreChanges ?? [])].sort(), [...CLAIM_IMMUTABLE_FIELDS].sort(), key(claim));
        }
    });

    for (const protectData of [false, true]) {
        it(`retains claims, the namespace and the CRD on delete (protectData ${protectData}); protects them only with protectData`, async () => {
            const { resources } = await renderConfig({ ...baseConfig("sqlite"), protectData });
            const holders = resources.filter(
                (r) =>
                    r.type === CLAIM ||
                    r.type === "kubernetes:core/v1:Namespace" ||
                    r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
            );
            assert.equal(holders.length, 7, holders.map(key).join(", "));
            for (const holder of holders) {
                assert.equal(holder.options.retainOnDelete, true, `${key(holder)} is deleted with the stack`);
                assert.equal(holder.options.protect ?? false, protectData, `${key(holder)}: protect`);
            }
        });
    }
});
