// Config validators that must agree with Kubernetes: storage class names, image
// references and the backup schedule. Each table row names what the API server (or the
// container runtime) does with the value; the config must do the same, or say why not.
import { strict as assert } from "assert";
import { parseMeshConfig } from "../components/config";
import { problems } from "./support/config-problems";

const HELLO = "agents/hello_world.py";

/** Every key that names a StorageClass, with a function placing a value at it. */
const STORAGE_CLASS_KEYS: [key: string, raw: (value: unknown) => Record<string, unknown>][] = [
    ["registry.storage.storageClass", (v) => ({ registry: { storage: { storageClass: v } } })],
    [
        "database.postgres.storage.storageClass",
        (v) => ({ database: { type: "postgres", postgres: { mode: "provision", storage: { storageClass: v } } } }),
    ],
    ["backup.storage.storageClass", (v) => ({ backup: { storage: { storageClass: v } } })],
    ["agents[0].persistence.storageClass", (v) => ({ agents: [{ name: "a", code: HELLO, persistence: { storageClass: v } }] })],
    ["storage.workspace.storageClass", (v) => ({ storage: { workspace: { storageClass: v } } })],
    ["storage.sharedCache.storageClass", (v) => ({ storage: { sharedCache: { storageClass: v } } })],
    ["storage.logs.storageClass", (v) => ({ storage: { logs: { storageClass: v } } })],
];

describe("storage class names are DNS-1123 subdomains, as Kubernetes requires of a StorageClass", () => {
    const accepted = ["standard", "gp3.encrypted", "fast-ssd", "a", "ebs.csi.aws.com", "0", "a".repeat(253), `${"a".repeat(70)}.b`];
    const rejected = ["Fast-SSD", "gp3_encrypted", ".gp3", "gp3.", "gp3..x", "-gp3", "gp3-", "a".repeat(254), "", "fast ssd"];

    for (const [key, raw] of STORAGE_CLASS_KEYS) {
        it(`${key} accepts ${accepted.map((v) => (v.length > 20 ? `<${v.length} chars>` : v)).join(", ")}`, () => {
            for (const value of accepted) {
                assert.doesNotThrow(() => parseMeshConfig(raw(value)), `${key}=${value}`);
            }
        });
        it(`${key} rejects upper case, '_', empty parts, edge '-', over 253 characters`, () => {
            for (const value of rejected) {
                const found = problems(raw(value));
                assert.equal(found.length, 1, found.join("\n"));
                assert.ok(found[0].startsWith(`${key}: got ${JSON.stringify(value).slice(0, 20)}`), found[0]);
                assert.match(found[0], value.length > 253 ? /must be at most 253 characters$/ : /must be a DNS-1123 subdomain/);
            }
        });
    }
});
