// Runs components/backup/scripts/upload.sh with `sh` and the real rclone (the pinned image's
// release) against a real S3 server on loopback (moto), after backup.sh made real SQLite
// backups. The server is inspected through boto3 only. The scripts see only the commands
// their contract allows, and rclone's settings come from the component's own env builder.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createScriptBinDir, discoverScriptTools, discoverSqliteTools, findOnPath, requireTools } from "../support/db-tools";
import { MotoServer, ObjectStoreTools, Relay, requireObjectStoreTools } from "../support/object-store";
import { rcloneEnv } from "../../components/backup/object-storage";
import { objectStorageSchema } from "../../components/config/object-storage";

const SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "components", "backup", "scripts");
const BUCKET = "mesh-backups";
const KEY_SOURCE = "Secret s3-backup, keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
/** Without retries an unreachable server fails in a second, not a minute (the script's defaults retry 3 x 3 times). */
const ONE_TRY = { RCLONE_RETRIES: "1", RCLONE_LOW_LEVEL_RETRIES: "1" };
/** Commands upload.sh may run besides those of backup.sh. */
const UPLOAD_TOOLS = ["awk", "mktemp", "tr", "cut"];

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

function sha256(bytes: Buffer | string): string {
    return createHash("sha256").update(bytes).digest("hex");
}

function sh(script: string, env: Record<string, string>): Run {
    const result = spawnSync("sh", [path.join(SCRIPTS_DIR, script)], { env, encoding: "utf8", timeout: 120_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function show(run: Run): string {
    return `exit ${run.status}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

describe("upload.sh against a real S3 server (moto) with the pinned rclone", function () {
    this.timeout(180_000);
    let tools: ObjectStoreTools;
    let moto: MotoServer;
    let work: string;
    let bin: string;
    let database: string;
    let sqlite3: string;

    before(async function () {
        tools = requireObjectStoreTools(this);
        sqlite3 = requireTools(this, "upload.sh", discoverSqliteTools()).sqlite3;
        const posix = requireTools(this, "upload.sh", discoverScriptTools());
        const extra = Object.fromEntries(UPLOAD_TOOLS.map((tool) => [tool, findOnPath(tool) ?? `/usr/bin/${tool}`]));
        work = fs.mkdtempSync(path.join(os.tmpdir(), "upload-script-"));
        bin = createScriptBinDir(path.join(work, "bin"), { ...posix, ...extra, sqlite3, rclone: tools.rclone });
        database = path.join(work, "registry.db");
        run(sqlite3, [database, "CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT); INSERT INTO agents VALUES ('a1', 'hello-world');"]);
        moto = new MotoServer(tools);
        await moto.start([BUCKET]);
    });

    after(async function () {
        await moto?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("runs the rclone release the pinned image ships", () => {
        assert.match(tools.rcloneVersion, /^\d+\.\d+\.\d+$/);
        assert.equal(`rclone/rclone:${tools.rcloneVersion}`, objectStorageSchema.parse(baseStore()).image);
    });

    function baseStore(overrides: Record<string, unknown> = {}) {
        return {
            endpoint: moto?.endpoint || "http://127.0.0.1:1",
            bucket: BUCKET,
            credentials: { secretName: "s3-backup" },
            ...overrides,
        };
    }

    /** upload.sh's env as the CronJob sets it, the Secret's keys resolved the way the kubelet would. */
    function uploadEnv(options: { backupDir: string; prefix: string; retention?: number; store?: Record<string, unknown> }) {
        const store = objectStorageSchema.parse(baseStore(options.store));
        const secret: Record<string, string> = { AWS_ACCESS_KEY_ID: moto.key.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.key.secretAccessKey };
        const env: Record<string, string> = {
            PATH: bin,
            HOME: work,
            TMPDIR: work,
            BACKUP_DIR: options.backupDir,
            RETENTION: String(options.retention ?? 2),
            OBJECT_STORE_BUCKET: BUCKET,
            OBJECT_STORE_PREFIX: options.prefix,
            OBJECT_STORE_KEY_SOURCE: KEY_SOURCE,
        };
        for (const variable of rcloneEnv(store)) {
            const ref = variable.valueFrom?.secretKeyRef;
            env[variable.name] = ref ? secret[ref.key] : (variable.value ?? "");
        }
        return env;
    }

    /** A real backup.sh backup of the database, published under `stamp` (so a test can lay out days). */
    function backupAs(backupDir: string, stamp: string): string {
        fs.mkdirSync(backupDir, { recursive: true });
        run(sqlite3, [database, `INSERT INTO agents VALUES ('${stamp}', 'agent-${stamp}');`]);
        const made = sh("backup.sh", {
            PATH: bin,
            HOME: work,
            DB_TYPE: "sqlite",
            SQLITE_PATH: database,
            BACKUP_DIR: backupDir,
            RETENTION: "100",
        });
        assert.equal(made.status, 0, show(made));
        const written = /backup OK: (\S+)\/registry\.db/.exec(made.stdout)?.[1] ?? "";
        fs.renameSync(written, path.join(backupDir, stamp));
        return stamp;
    }

    function remote(prefix: string): Record<string, string> {
        return Object.fromEntries(moto.list(BUCKET, `${prefix}/`).map((o) => [o.key.slice(prefix.length + 1), o.sha256]));
    }

    function localSums(dir: string): string {
        return ["SHA256SUMS", "metadata.json", "registry.db"]
            .map((file) => `${sha256(fs.readFileSync(path.join(dir, file)))}  ${file}`)
            .join("\n");
    }

    it("uploads the newest verified backup, reads every object back, and only then marks it verified", () => {
        const backupDir = path.join(work, "first");
        backupAs(backupDir, "20240101-020000");
        const stamp = backupAs(backupDir, "20240102-020000");
        const env = uploadEnv({ backupDir, prefix: "mesh/first" });
        const uploaded = sh("upload.sh", env);
        assert.equal(uploaded.status, 0, show(uploaded));
        assert.match(uploaded.stdout, /upload OK: s3:\/\/mesh-backups\/mesh\/first\/20240102-020000 verified/);
        const objects = remote("mesh/first");
        assert.deepEqual(Object.keys(objects).sort(), [
            `${stamp}/SHA256SUMS`,
            `${stamp}/VERIFIED`,
            `${stamp}/metadata.json`,
            `${stamp}/registry.db`,
        ]);
        const local = path.join(backupDir, stamp);
        assert.equal(objects[`${stamp}/registry.db`], sha256(fs.readFileSync(path.join(local, "registry.db"))));
        const [marker] = moto.list(BUCKET, `mesh/first/${stamp}/VERIFIED`);
        assert.equal(marker.sha256, sha256(`${localSums(local)}\n`), "VERIFIED holds the sha256 of every object");
        // A second run of the same backup finds it verified and uploads nothing.
        const again = sh("upload.sh", env);
        assert.equal(again.status, 0, show(again));
        assert.match(again.stdout, /already uploaded and verified/);
        assert.deepEqual(remote("mesh/first"), objects);
    });

    it("encrypts every object server-side as configured: AES256, or aws:kms with the key id", () => {
        const backupDir = path.join(work, "sse");
        backupAs(backupDir, "20240103-020000");
        for (const [prefix, store, sse, kmsKeyId] of [
            ["mesh/sse-s3", { serverSideEncryption: "AES256" }, "AES256", null],
            ["mesh/sse-kms", { serverSideEncryption: "aws:kms", kmsKeyId: "alias/mesh-backups" }, "aws:kms", "alias/mesh-backups"],
        ] as const) {
            const uploaded = sh("upload.sh", uploadEnv({ backupDir, prefix, store }));
            assert.equal(uploaded.status, 0, show(uploaded));
            const objects = moto.list(BUCKET, `${prefix}/`);
            assert.equal(objects.length, 4);
            for (const object of objects) {
                assert.equal(object.sse, sse, `${object.key} encrypted with ${sse}`);
                if (kmsKeyId) assert.match(object.kmsKeyId ?? "", new RegExp(kmsKeyId.replace("/", "\\/")), object.key);
            }
        }
    });

    it("keeps the newest RETENTION verified remote backups, leaves an unmarked folder alone, and never deletes the last", () => {
        const backupDir = path.join(work, "days");
        const prefix = "mesh/days";
        // An interrupted upload of an older day: objects without the VERIFIED marker.
        moto.put(BUCKET, `${prefix}/20231231-020000/registry.db`, Buffer.from("partial"));
        const days = ["20240104-020000", "20240105-020000", "20240106-020000", "20240107-020000"];
        for (const day of days) {
            backupAs(backupDir, day);
            const uploaded = sh("upload.sh", uploadEnv({ backupDir, prefix, retention: 2 }));
            assert.equal(uploaded.status, 0, show(uploaded));
        }
        const folders = (objects: Record<string, string>) => [...new Set(Object.keys(objects).map((key) => key.split("/")[0]))].sort();
        assert.deepEqual(folders(remote(prefix)), ["20231231-020000", "20240106-020000", "20240107-020000"]);

        const last = sh("upload.sh", uploadEnv({ backupDir, prefix, retention: 1 }));
        assert.equal(last.status, 0, show(last));
        assert.match(last.stderr, /20231231-020000' has no VERIFIED marker/);
        assert.deepEqual(folders(remote(prefix)), ["20231231-020000", "20240107-020000"]);
        assert.ok(remote(prefix)["20240107-020000/VERIFIED"], "the newest verified backup stays");
    });

    describe("fetch.sh: a verified remote backup back into a directory restore.sh reads", () => {
        const prefix = "mesh/fetch";
        let backupDir: string;

        before(() => {
            backupDir = path.join(work, "fetch-source");
            for (const day of ["20240110-020000", "20240111-020000"]) {
                backupAs(backupDir, day);
                const uploaded = sh("upload.sh", uploadEnv({ backupDir, prefix }));
                assert.equal(uploaded.status, 0, show(uploaded));
            }
            // Newer, but never verified: fetch must not take it.
            moto.put(BUCKET, `${prefix}/20240112-020000/registry.db`, Buffer.from("partial"));
        });

        function fetch(args: string[], env = uploadEnv({ backupDir, prefix })): Run {
            const result = spawnSync("sh", [path.join(SCRIPTS_DIR, "fetch.sh"), ...args], { env, encoding: "utf8", timeout: 120_000 });
            return { status: result.status, stdout: result.stdout, stderr: result.stderr };
        }

        it("downloads the newest verified backup (or the one named), every file as verified at upload, and restore.sh restores it", () => {
            const dest = fs.mkdtempSync(path.join(work, "fetched-"));
            const fetched = fetch([dest]);
            assert.equal(fetched.status, 0, show(fetched));
            assert.deepEqual(fs.readdirSync(dest), ["20240111-020000"]);
            assert.equal(localSums(path.join(dest, "20240111-020000")), localSums(path.join(backupDir, "20240111-020000")));
            const named = fetch([dest, "20240110-020000"]);
            assert.equal(named.status, 0, show(named));
            assert.equal(localSums(path.join(dest, "20240110-020000")), localSums(path.join(backupDir, "20240110-020000")));

            const restored = path.join(work, "restored.db");
            const restore = spawnSync("sh", [path.join(SCRIPTS_DIR, "restore.sh"), path.join(dest, "20240111-020000")], {
                env: { PATH: bin, HOME: work, DB_TYPE: "sqlite", SQLITE_PATH: restored },
                encoding: "utf8",
            });
            assert.equal(restore.status, 0, `${restore.stdout}${restore.stderr}`);
            const rows = spawnSync(sqlite3, [restored, "SELECT id FROM agents ORDER BY id"], { encoding: "utf8" }).stdout;
            assert.match(rows, /20240111-020000/);
        });

        it("refuses a backup without the VERIFIED marker, and keeps nothing of an object that downloads corrupted (exit 7)", () => {
            const dest = fs.mkdtempSync(path.join(work, "fetched-"));
            const unverified = fetch([dest, "20240112-020000"]);
            assert.equal(unverified.status, 1, show(unverified));
            assert.match(unverified.stderr, /20240112-020000 is not a verified remote backup/);
            moto.put(BUCKET, `${prefix}/20240111-020000/registry.db`, Buffer.from("bit rot"));
            const corrupted = fetch([dest]);
            assert.equal(corrupted.status, 7, show(corrupted));
            assert.equal(corrupted.stderr.trim().split("\n").length, 1, corrupted.stderr);
            assert.match(corrupted.stderr, /checksum mismatch: s3:\/\/mesh-backups\/mesh\/fetch\/20240111-020000 downloads as/);
            assert.deepEqual(fs.readdirSync(dest), [], "nothing left for restore.sh to take");
        });
    });

    describe("each failure exits non-zero with one line saying which, prints no credential, and loses nothing", () => {
        const prefix = "mesh/failures";
        let backupDir: string;
        let before: Record<string, string>;
        let localBefore: string[];

        beforeEach(() => {
            backupDir = path.join(work, "failures");
            if (!fs.existsSync(backupDir)) {
                backupAs(backupDir, "20240108-020000");
                const first = sh("upload.sh", uploadEnv({ backupDir, prefix }));
                assert.equal(first.status, 0, show(first));
            }
            // A newer local backup: the one each failing run tries to upload.
            const stamp = `20240109-0${String(fs.readdirSync(backupDir).length).padStart(5, "0")}`;
            backupAs(backupDir, stamp);
            before = remote(prefix);
            localBefore = fs.readdirSync(backupDir).sort();
        });

        function assertFailed(run: Run, status: number, message: RegExp): void {
            assert.equal(run.status, status, show(run));
            const lines = run.stderr.trim().split("\n");
            assert.equal(lines.length, 1, `one line:\n${run.stderr}`);
            assert.match(lines[0], /^upload\.sh: error: /);
            assert.match(lines[0], message);
            for (const secret of [moto.key.accessKeyId, moto.key.secretAccessKey, "wrong-secret-value", "AKIAWRONGKEYID0000"]) {
                assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), "a credential was printed");
            }
            assert.deepEqual(remote(prefix), before, "the bucket is as it was");
            assert.deepEqual(fs.readdirSync(backupDir).sort(), localBefore, "local backups untouched");
        }

        it("a wrong secret key: the store rejects the credentials (exit 4), naming the Secret, never its values", () => {
            const env = { ...uploadEnv({ backupDir, prefix }), RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY: "wrong-secret-value" };
            assertFailed(
                sh("upload.sh", env),
                4,
                /rejected the credentials \(Secret s3-backup, keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\).*SignatureDoesNotMatch/,
            );
        });

        it("an unknown access key id: rejected credentials (exit 4)", () => {
            const env = { ...uploadEnv({ backupDir, prefix }), RCLONE_CONFIG_STORE_ACCESS_KEY_ID: "AKIAWRONGKEYID0000" };
            assertFailed(sh("upload.sh", env), 4, /rejected the credentials.*InvalidAccessKeyId/);
        });

        it("a missing bucket: says so (exit 5), and creates none", () => {
            const env = { ...uploadEnv({ backupDir, prefix }), OBJECT_STORE_BUCKET: "no-such-bucket" };
            assertFailed(sh("upload.sh", env), 5, /bucket 'no-such-bucket' does not exist/);
            assert.deepEqual(moto.list("mesh-backups", "no-such-bucket"), []);
        });

        it("an endpoint nobody listens on: unreachable (exit 6)", async () => {
            const relay = new Relay();
            await relay.start(moto.port);
            relay.stop();
            const env = { ...uploadEnv({ backupDir, prefix }), ...ONE_TRY, RCLONE_CONFIG_STORE_ENDPOINT: relay.endpoint };
            assertFailed(sh("upload.sh", env), 6, /endpoint http:\/\/127\.0\.0\.1:\d+ is unreachable.*connection refused/);
        });

        it("a server that stops mid-upload: unreachable (exit 6), and the earlier remote backups are all there", async () => {
            const relay = new Relay();
            await relay.start(moto.port);
            relay.cutOnUpload = true;
            const env = { ...uploadEnv({ backupDir, prefix }), ...ONE_TRY, RCLONE_CONFIG_STORE_ENDPOINT: relay.endpoint };
            const run = await new Promise<Run>((resolve) => {
                // Asynchronously: the relay runs in this process.
                const child = spawn("sh", [path.join(SCRIPTS_DIR, "upload.sh")], { env });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
                child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
                child.on("close", (status: number | null) => resolve({ status, stdout, stderr }));
            });
            assert.ok(relay.cut, "the upload started (a PUT reached the relay)");
            assertFailed(run, 6, /is unreachable while uploading 20240109-/);
        });

        it("an object that reads back different from what was sent: checksum mismatch (exit 7), the copy removed", () => {
            // rclone as the image ships it, except that just before the read-back the stored
            // registry.db is overwritten behind its back (through boto3).
            const shim = path.join(work, "corrupting-bin");
            fs.mkdirSync(shim, { recursive: true });
            for (const tool of fs.readdirSync(bin)) {
                if (tool !== "rclone" && !fs.existsSync(path.join(shim, tool))) fs.symlinkSync(path.join(bin, tool), path.join(shim, tool));
            }
            const stamp = localBefore
                .filter((name) => /^\d{8}-\d{6}$/.test(name))
                .sort()
                .reverse()[0];
            const admin = path.resolve(__dirname, "..", "object-store", "moto_admin.py");
            fs.writeFileSync(path.join(work, "garbage"), "not the backup");
            fs.writeFileSync(
                path.join(shim, "rclone"),
                [
                    "#!/bin/sh",
                    `if [ "$1" = hashsum ]; then AWS_ACCESS_KEY_ID='${moto.key.accessKeyId}' AWS_SECRET_ACCESS_KEY='${moto.key.secretAccessKey}' \\`,
                    `  '${tools.python}' '${admin}' put '${moto.endpoint}' '${BUCKET}' '${prefix}/${stamp}/registry.db' '${path.join(work, "garbage")}' || exit 99; fi`,
                    `exec '${tools.rclone}' "$@"`,
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const env = { ...uploadEnv({ backupDir, prefix }), PATH: shim };
            assertFailed(
                sh("upload.sh", env),
                7,
                new RegExp(
                    `checksum mismatch: s3://mesh-backups/${prefix}/${stamp} reads back as .*${sha256("not the backup")}  registry\\.db`,
                ),
            );
        });

        it("a bad configuration: exit 2 before touching anything", () => {
            assertFailed(sh("upload.sh", { ...uploadEnv({ backupDir, prefix }), RETENTION: "0" }), 2, /RETENTION must be at least 1/);
        });
    });
});

function run(command: string, args: string[]): void {
    const result = spawnSync(command, args, { encoding: "utf8" });
    assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
}
