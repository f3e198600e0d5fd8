// Config validators that must agree with Kubernetes: storage class names, image
// references and the backup schedule. Each table row names what the API server (or the
// container runtime) does with the value; the config must do the same, or say why not.
import { strict as assert } from "assert";
import { parseMeshConfig } from "../components/config/mesh-config";
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

/** Every key that holds an image reference. */
const IMAGE_KEYS: [key: string, raw: (value: unknown) => Record<string, unknown>][] = [
    ["registry.image", (v) => ({ registry: { image: v } })],
    ["agents[0].image", (v) => ({ agents: [{ name: "a", code: HELLO, image: v }] })],
    ["backup.sqliteImage", (v) => ({ backup: { sqliteImage: v } })],
    ["database.postgres.image", (v) => ({ database: { type: "postgres", postgres: { mode: "provision", image: v } } })],
];

const HEX = "0123456789abcdef".repeat(4);

describe("image references are parsed by the distribution/reference grammar and pinned", () => {
    const accepted = [
        "mcpmesh/registry:3.6",
        "postgres:17.2",
        "registry.example.com:5000/team/img:1.2",
        "localhost:5000/team/img:1",
        "ghcr.io/org/team/sub/img:v1.0_rc.2",
        "Registry.Example.com/team/img:1", // the domain may use upper case, the path may not
        "a.b/c_d__e-f.g:V1",
        `img@sha256:${HEX}`,
        `img:1.2@sha256:${HEX}`,
        `registry.example.com:5000/team/img:${"v".repeat(100)}@sha256:${HEX}`, // the digest is the label then
        `img:${"v".repeat(63)}`,
    ];
    const rejected: [image: string, reason: string][] = [
        ["MCPMesh/registry:3.6", "must be an image reference ([registry/]name[:tag][@digest], name in lower case): "],
        ["img:", "must be an image reference"],
        [":1.2", "must be an image reference"],
        ["img:-bad", "must be an image reference"],
        ["a//b:1", "must be an image reference"],
        ["img:1.2:3", "must be an image reference"],
        ["https://registry.example.com/img:1", "must be an image reference"],
        ["img :1", "must be an image reference"],
        ["img_:1", "must be an image reference"],
        ["", "must be an image reference"],
        ["img@sha256:abc", "must be an image reference"],
        [`img@sha256:${HEX.toUpperCase()}`, "must have a digest of the form sha256:<64 lower-case hex digits>"],
        [`img@sha512:${HEX}${HEX}`, "must have a digest of the form sha256:<64 lower-case hex digits>"],
        ["mcpmesh/registry:latest", "must not use the mutable tag ':latest'"],
        ["mcpmesh/registry", "must pin a version tag (e.g. :3.7) or a digest"],
        ["registry.example.com:5000/team/img", "must pin a version tag (e.g. :3.7) or a digest"],
        [`img:${"v".repeat(64)}`, "must have a tag of at most 63 letters, digits, '.', '_' or '-'"],
        ["img:1.2-", "must have a tag of at most 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"],
        ["img:_1", "must have a tag of at most 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit"],
    ];

    for (const [key, raw] of IMAGE_KEYS) {
        // The SQLite backup image reads the whole database: it must carry a digest (backup-config.ts).
        const digestOnly = key === "backup.sqliteImage";
        it(`${key} accepts tagged, digested and registry:port references`, () => {
            for (const image of accepted.filter((i) => !digestOnly || i.includes("@sha256:"))) {
                assert.doesNotThrow(() => parseMeshConfig(raw(image)), `${key}=${image}`);
            }
        });
        it(`${key} rejects upper-case names, malformed references and digests, :latest, no pin, long tags`, () => {
            for (const [image, reason] of rejected) {
                const found = problems(raw(image));
                assert.equal(found.length, 1, found.join("\n"));
                const expected = `${key}: got ${JSON.stringify(image).slice(0, 77)}`;
                assert.ok(found[0].startsWith(expected), `${found[0]}\ndoes not start with ${expected}`);
                assert.ok(found[0].includes(`; ${reason}`), `${found[0]}\ndoes not give the reason ${reason}`);
            }
        });
    }
});

describe("backup.schedule is what a Kubernetes CronJob accepts (robfig/cron's standard parser)", () => {
    const accepted = [
        "0 2 * * *",
        "0 2 * * MON-FRI",
        "0 2 * * mon-fri",
        "0 0 * * SUN,SAT",
        "0 0 1 JAN *",
        "0 0 * JAN-MAR *",
        "0 0 ? * *",
        "0 0 * * ?",
        "*/15 * * * *",
        "5/15 * * * *", // robfig: N/step runs from N to the field's maximum
        "0-59/10 * * * *",
        "1,2,3 * * * *",
        "0 0 1-31/2 * *",
        "0 0 31 2 *", // never runs, but Kubernetes takes it
        "0 0 * * 0",
        "0 0 * * 6",
        "0  2 *\t* *",
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    const rejected: [schedule: string, reason: string][] = [
        ["*/0 * * * *", "illegal stepping: 0"],
        ["60 * * * *", "Invalid value for minute: 60"],
        ["0 24 * * *", "Invalid value for hour: 24"],
        ["0 0 0 * *", "Invalid value for day"],
        ["0 0 32 * *", "Invalid value for day"],
        ["0 0 * 13 *", "Invalid value for month"],
        ["5-1 * * * *", ""],
        ["0 0 * * FRI-MON", ""],
        ["0 0 * JANUARY *", ""],
        ["MON * * * *", ""],
        ["-1 * * * *", ""],
        ["0 2 * *", "exactly five"],
        ["0 0 2 * * *", "requires exactly 5 parts"],
        ["", "exactly five"],
        ["every night", "exactly five"],
        ["0 0 * * 7", "Kubernetes rejects 7"], // robfig's day of week is 0-6
        ["0 0 * * 5-7", "Kubernetes rejects 7"],
        ["0 0 L * *", "L, W and # are not part of the Kubernetes cron language"],
        ["0 0 LW * *", "L, W and # are not part of the Kubernetes cron language"],
        ["0 0 15W * *", "L, W and # are not part of the Kubernetes cron language"],
        ["0 0 * * 1#2", "L, W and # are not part of the Kubernetes cron language"],
        ["0 0 * * 5L", "L, W and # are not part of the Kubernetes cron language"],
        ["@every 1h", "(no @every: write the interval as cron fields)"],
        ["@weekdays", ""],
        ["@minutely", ""],
        ["@reboot", ""],
        ["@DAILY", ""],
        [" @daily", ""],
        ["TZ=UTC 0 2 * * *", "must not name a time zone (TZ= or CRON_TZ=): Kubernetes rejects it in a CronJob schedule"],
        ["CRON_TZ=Europe/Paris @daily", "must not name a time zone"],
        // Kubernetes takes a step beyond the range (it runs once, at the start); croner refuses it.
        ["*/61 * * * *", "steps cannot be greater than maximum"],
    ];

    for (const schedule of accepted) {
        it(`accepts ${JSON.stringify(schedule)}`, () => {
            assert.equal(parseMeshConfig({ backup: { schedule } }).backup.schedule, schedule);
        });
    }
    for (const [schedule, reason] of rejected) {
        it(`rejects ${JSON.stringify(schedule)}`, () => {
            const found = problems({ backup: { schedule } });
            assert.equal(found.length, 1, found.join("\n"));
            assert.ok(found[0].startsWith(`backup.schedule: got ${JSON.stringify(schedule)}; must `), found[0]);
            assert.ok(found[0].includes(reason), `${found[0]}\ndoes not give the reason ${reason}`);
            if (!reason.startsWith("must not name a time zone")) {
                assert.ok(
                    found[0].includes("; must be a CronJob schedule: 5 fields (minute hour day-of-month month day-of-week"),
                    found[0],
                );
            }
        });
    }
});
