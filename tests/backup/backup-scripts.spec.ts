// Runs components/backup/scripts/backup.sh and restore.sh with `sh` against a real
// SQLite database and a real PostgreSQL server, including while a separate
// process keeps writing. The scripts only see the commands their contract
// allows (see createScriptBinDir).
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createScriptBinDir, discoverPostgresTools, discoverScriptTools, discoverSqliteTools, requireTools } from "../support/db-tools";
import { envWithoutDatabaseSettings, PostgresServer } from "../support/postgres-server";
import { PG_SERVICE, pgServiceFile } from "../../components/data/database-url";

const SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "components", "backup", "scripts");
const BACKUP_SH = path.join(SCRIPTS_DIR, "backup.sh");
const RESTORE_SH = path.join(SCRIPTS_DIR, "restore.sh");
const BACKUP_NAME = /^\d{8}-\d{6}$/;
const METADATA_KEYS = ["file", "sha256", "size", "source", "time", "tool_version", "type"];
const WRITER_MAX_SECONDS = 3;

interface ScriptRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

interface BackupMetadata {
    time: string;
    type: string;
    file: string;
    size: number;
    sha256: string;
    source: string;
    tool_version: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): ScriptRun {
    const result = spawnSync("sh", [script, ...args], { env, encoding: "utf8", timeout: 30_000 });
    if (result.error) {
        throw result.error;
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertExit(run: ScriptRun, expected: number): void {
    assert.equal(run.status, expected, `expected exit ${expected}, got ${run.status}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`);
}

function assertSameRows(actual: string[], expected: string[], what: string): void {
    assert.equal(actual.length, expected.length, `${what}: got ${actual.length} rows, expected ${expected.length}`);
    const first = actual.findIndex((row, index) => row !== expected[index]);
    assert.equal(first, -1, `${what}: row ${first} is ${actual[first]}, expected ${expected[first]}`);
}

function sha256File(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Every path under dir with its content hash, to prove a failed run touched nothing. */
function snapshotTree(dir: string): Record<string, string> {
    const snapshot: Record<string, string> = {};
    const walk = (current: string): void => {
        for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
            const full = path.join(current, entry.name);
            const relative = path.relative(dir, full);
            if (entry.isDirectory()) {
                snapshot[relative] = "dir";
                walk(full);
            } else {
                snapshot[relative] = sha256File(full);
            }
        }
    };
    walk(dir);
    return snapshot;
}

function backupNames(backupDir: string): string[] {
    return fs
        .readdirSync(backupDir)
        .filter((name) => BACKUP_NAME.test(name))
        .sort();
}

function onlyBackup(backupDir: string): string {
    const names = backupNames(backupDir);
    assert.equal(names.length, 1, `expected one backup in ${backupDir}, found ${JSON.stringify(names)}`);
    return path.join(backupDir, names[0]);
}

function readMetadata(backup: string): BackupMetadata {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(backup, "metadata.json"), "utf8"));
    assert.ok(typeof parsed === "object" && parsed !== null, "metadata.json must hold an object");
    assert.deepEqual(Object.keys(parsed).sort(), METADATA_KEYS);
    return parsed as BackupMetadata;
}

function checksumsVerify(backup: string): boolean {
    return spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: backup, stdio: "ignore" }).status === 0;
}

/** Checks the layout every backup must have, and returns its metadata. */
function assertWellFormedBackup(backup: string, type: string, file: string): BackupMetadata {
    const name = path.basename(backup);
    assert.match(name, BACKUP_NAME);
    assert.deepEqual(fs.readdirSync(backup).sort(), ["SHA256SUMS", file, "metadata.json"].sort());
    assert.ok(checksumsVerify(backup), `sha256sum -c fails in ${backup}`);
    const metadata = readMetadata(backup);
    const dataFile = path.join(backup, file);
    assert.equal(metadata.type, type);
    assert.equal(metadata.file, file);
    assert.equal(metadata.size, fs.statSync(dataFile).size);
    assert.equal(metadata.sha256, sha256File(dataFile));
    const expectedTime = name.replace(/^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)$/, "$1-$2-$3T$4:$5:$6Z");
    assert.equal(metadata.time, expectedTime);
    return metadata;
}

/** Copies a backup directory under another (timestamp) name; its checksums stay valid. */
function copyBackup(backup: string, backupDir: string, name: string): string {
    const target = path.join(backupDir, name);
    fs.cpSync(backup, target, { recursive: true });
    return target;
}

function flipByte(file: string): void {
    const bytes = fs.readFileSync(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] ^= 0xff;
    fs.writeFileSync(file, bytes);
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await delay(20);
    }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`writer ${child.pid} did not exit`)), timeoutMs);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}

function makeScratchDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "mesh-backup-test-"));
}

describe("backup.sh and restore.sh with SQLite", function () {
    let sqlite3 = "";
    let scratch = "";
    let scriptPath = "";
    let fixtureDb = "";
    let fixtureBackup = "";
    let fixtureRows: string[] = [];

    function newDir(name: string): string {
        return fs.mkdtempSync(path.join(scratch, `${name}-`));
    }

    function sql(db: string, statement: string): string {
        const result = spawnSync(sqlite3, ["-batch", "-init", "/dev/null", db, statement], { encoding: "utf8" });
        if (result.status !== 0) {
            throw new Error(`sqlite3 ${db} ${JSON.stringify(statement)} failed: ${result.stderr}`);
        }
        return result.stdout.replace(/\n$/, "");
    }

    function createRegistryDb(db: string, agents: number): void {
        sql(
            db,
            `
            PRAGMA journal_mode=WAL;
            CREATE TABLE agents (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, payload BLOB NOT NULL);
            CREATE TABLE capabilities (agent_id INTEGER NOT NULL REFERENCES agents(id), name TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${agents})
                INSERT INTO agents (name, payload) SELECT 'agent-' || i, randomblob(200) FROM n;
            INSERT INTO capabilities SELECT id, 'tool-' || id FROM agents WHERE id % 3 = 0;`,
        );
    }

    function maxAgentId(db: string): number {
        return Number(sql(db, "SELECT coalesce(max(id), 0) FROM agents;"));
    }

    function agentRows(db: string, upToId?: number): string[] {
        const where = upToId === undefined ? "" : `WHERE id <= ${upToId}`;
        const output = sql(db, `SELECT id, name, hex(payload) FROM agents ${where} ORDER BY id;`);
        return output === "" ? [] : output.split("\n");
    }

    /** Reads a backup's database through a copy, so the backup itself is never opened. */
    function inspectable(backupDb: string): string {
        const copy = path.join(newDir("inspect"), "copy.db");
        fs.copyFileSync(backupDb, copy);
        return copy;
    }

    function backupEnv(db: string, backupDir: string, extra: Record<string, string> = {}): Record<string, string> {
        return { PATH: scriptPath, HOME: scratch, DB_TYPE: "sqlite", SQLITE_PATH: db, BACKUP_DIR: backupDir, ...extra };
    }

    function restoreEnv(db: string): Record<string, string> {
        return { PATH: scriptPath, HOME: scratch, DB_TYPE: "sqlite", SQLITE_PATH: db };
    }

    /** Inserts a row at a time from its own sqlite3 process until told to stop (or for at most a few seconds). */
    function startWriter(db: string, stopFile: string): ChildProcess {
        const script = `
            end=$(( $(date +%s) + ${WRITER_MAX_SECONDS} ))
            {
                echo ".timeout 10000"
                echo "PRAGMA synchronous=OFF;"
                i=0
                while [ ! -e "$STOP_FILE" ] && [ "$(date +%s)" -lt "$end" ]; do
                    i=$((i + 1))
                    echo "INSERT INTO agents (name, payload) VALUES ('writer-$i', randomblob(200));"
                done
            } | "$SQLITE3" -batch -init /dev/null "$DB"`;
        return spawn("sh", ["-c", script], {
            env: { ...process.env, STOP_FILE: stopFile, SQLITE3: sqlite3, DB: db },
            stdio: "ignore",
        });
    }

    before(function () {
        const posixTools = requireTools(this, "SQLite backup tests", discoverScriptTools());
        sqlite3 = requireTools(this, "SQLite backup tests", discoverSqliteTools()).sqlite3;
        scratch = makeScratchDir();
        scriptPath = createScriptBinDir(path.join(scratch, "bin"), { ...posixTools, sqlite3 });
        fixtureDb = path.join(newDir("fixture"), "registry.db");
        createRegistryDb(fixtureDb, 300);
        fixtureRows = agentRows(fixtureDb);
        const backupDir = newDir("fixture-backups");
        assertExit(runScript(BACKUP_SH, [], backupEnv(fixtureDb, backupDir)), 0);
        fixtureBackup = onlyBackup(backupDir);
    });

    after(function () {
        if (scratch) {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    });

    it("backs up a WAL database while another process inserts, and restores every row", async function () {
        this.timeout(20_000);
        const db = path.join(newDir("live"), "registry.db");
        const backupDir = newDir("backups");
        const stopFile = path.join(scratch, `stop-${process.pid}-${Date.now()}`);
        createRegistryDb(db, 2000);
        const writer = startWriter(db, stopFile);
        let run: ScriptRun;
        let lastIdBeforeBackup: number;
        let lastIdAfterBackup: number;
        try {
            await waitUntil("the writer to insert", () => maxAgentId(db) > 2000, 5_000);
            lastIdBeforeBackup = maxAgentId(db);
            run = runScript(BACKUP_SH, [], backupEnv(db, backupDir));
            lastIdAfterBackup = maxAgentId(db);
        } finally {
            fs.writeFileSync(stopFile, "");
            await waitForExit(writer, 10_000);
        }
        assertExit(run, 0);
        assert.ok(lastIdAfterBackup > lastIdBeforeBackup, "the writer must have kept inserting during the backup");

        const backup = onlyBackup(backupDir);
        const metadata = assertWellFormedBackup(backup, "sqlite", "registry.db");
        assert.equal(metadata.source, db);
        assert.match(metadata.tool_version, /^sqlite3 3\.\d+/);
        assert.match(run.stdout, new RegExp(`${path.join(backup, "registry.db")} size=${metadata.size} sha256=${metadata.sha256}`));

        const copy = inspectable(path.join(backup, "registry.db"));
        assert.equal(sql(copy, "PRAGMA integrity_check;"), "ok");
        assert.equal(sql(copy, "PRAGMA journal_mode;"), "wal", "the backup keeps the live database's WAL mode");
        const lastIdInBackup = maxAgentId(copy);
        assert.ok(
            lastIdInBackup >= lastIdBeforeBackup,
            `backup ends at id ${lastIdInBackup}, but id ${lastIdBeforeBackup} existed before it began`,
        );
        const sourceRows = agentRows(db, lastIdInBackup);
        assertSameRows(agentRows(copy), sourceRows, "backup vs live database");
        assert.equal(sql(copy, "SELECT count(*) FROM capabilities;"), sql(db, "SELECT count(*) FROM capabilities;"));

        for (const suffix of ["", "-wal", "-shm"]) {
            fs.rmSync(`${db}${suffix}`, { force: true });
        }
        const restore = runScript(RESTORE_SH, [backup], restoreEnv(db));
        assertExit(restore, 0);
        assert.match(restore.stdout, /restore OK/);
        assert.equal(sql(db, "PRAGMA integrity_check;"), "ok");
        assertSameRows(agentRows(db), sourceRows, "restored vs live database before deletion");
        assert.ok(checksumsVerify(backup), "restoring must not modify the backup");
    });

    it("refuses to restore over an existing database without --force, and keeps it aside with --force", function () {
        const dir = newDir("existing");
        const db = path.join(dir, "registry.db");
        createRegistryDb(db, 5);
        // Leftovers of a registry that was not shut down cleanly. (Opening the
        // database with sqlite3 would discard them, so the check is on bytes.)
        fs.writeFileSync(`${db}-wal`, "stale wal");
        fs.writeFileSync(`${db}-shm`, "stale shm");
        const before = snapshotTree(dir);

        const refused = runScript(RESTORE_SH, [fixtureBackup], restoreEnv(db));
        assertExit(refused, 4);
        assert.match(refused.stderr, /^restore\.sh: .*refusing to overwrite live database.*scale to 0.*--force/m);
        assert.deepEqual(snapshotTree(dir), before, "the target directory must be untouched");

        const forced = runScript(RESTORE_SH, ["--force", fixtureBackup], restoreEnv(db));
        assertExit(forced, 0);
        assertSameRows(agentRows(db), fixtureRows, "restored database");
        const kept = fs
            .readdirSync(dir)
            .filter((name) => name.startsWith("registry.db.before-restore-"))
            .sort();
        assert.equal(kept.length, 3, `old database, -wal and -shm kept aside: ${JSON.stringify(kept)}`);
        assert.equal(fs.readFileSync(path.join(dir, kept[1]), "utf8"), "stale shm");
        assert.equal(fs.readFileSync(path.join(dir, kept[2]), "utf8"), "stale wal");
        assert.ok(!fs.existsSync(`${db}-shm`), "the stale -shm must not stay next to the restored database");
        assert.ok(!fs.existsSync(`${db}.restore-tmp`));
    });

    it("replaces a corrupt live database only with --force", function () {
        const dir = newDir("corrupt");
        const db = path.join(dir, "registry.db");
        const garbage = Buffer.from("this is not an SQLite database\n".repeat(200));
        fs.writeFileSync(db, garbage);

        assertExit(runScript(RESTORE_SH, [fixtureBackup], restoreEnv(db)), 4);
        assert.deepEqual(fs.readFileSync(db), garbage);

        assertExit(runScript(RESTORE_SH, ["--force", fixtureBackup], restoreEnv(db)), 0);
        assert.equal(sql(db, "PRAGMA integrity_check;"), "ok");
        assertSameRows(agentRows(db), fixtureRows, "restored database");
        const [kept] = fs.readdirSync(dir).filter((name) => name.startsWith("registry.db.before-restore-"));
        assert.deepEqual(fs.readFileSync(path.join(dir, kept)), garbage);
    });

    it("refuses a tampered backup before touching the target, even with --force", function () {
        const backup = copyBackup(fixtureBackup, newDir("tampered"), "20200101-000000");
        flipByte(path.join(backup, "registry.db"));
        const dir = newDir("target");
        const db = path.join(dir, "registry.db");
        createRegistryDb(db, 7);
        const before = snapshotTree(dir);

        for (const args of [[backup], ["--force", backup]]) {
            const run = runScript(RESTORE_SH, args, restoreEnv(db));
            assertExit(run, 3);
            assert.match(run.stderr, /checksum mismatch/);
            assert.deepEqual(snapshotTree(dir), before, "the target directory must be untouched");
        }
        const missing = path.join(dir, "absent.db");
        assertExit(runScript(RESTORE_SH, [backup], restoreEnv(missing)), 3);
        assert.ok(!fs.existsSync(missing), "no database may be created from a tampered backup");
    });

    it("refuses a backup whose metadata names another database type", function () {
        const backup = copyBackup(fixtureBackup, newDir("wrong-type"), "20200101-000000");
        const metadataFile = path.join(backup, "metadata.json");
        fs.writeFileSync(metadataFile, fs.readFileSync(metadataFile, "utf8").replace('"type": "sqlite"', '"type": "postgres"'));
        const db = path.join(newDir("target"), "registry.db");
        const run = runScript(RESTORE_SH, ["--force", backup], restoreEnv(db));
        assertExit(run, 3);
        assert.match(run.stderr, /backup type is 'postgres' but DB_TYPE is 'sqlite'/);
        assert.ok(!fs.existsSync(db));
    });

    it("fails loudly for a missing database, writing nothing and leaving backups untouched", function () {
        const backupDir = newDir("backups");
        copyBackup(fixtureBackup, backupDir, "20200101-000000");
        const before = snapshotTree(backupDir);
        const db = path.join(newDir("gone"), "registry.db");

        const run = runScript(BACKUP_SH, [], backupEnv(db, backupDir, { RETENTION: "1" }));
        assertExit(run, 2);
        assert.match(run.stderr, /^backup\.sh: error: database file '.*registry\.db' does not exist/m);
        assert.ok(!fs.existsSync(db), "sqlite3 must not have created an empty database");
        assert.deepEqual(snapshotTree(backupDir), before);
    });

    it("backs up through a read-only mount while the registry is stopped (no -wal file)", function () {
        // The CronJob mounts the registry's claim read-only; mounting needs root and unshare.
        if (process.getuid?.() !== 0 || spawnSync("unshare", ["--version"]).status !== 0) {
            console.warn("      skipped: needs root and unshare(1) for a read-only bind mount");
            this.skip();
        }
        const source = newDir("live");
        const db = path.join(source, "registry.db");
        fs.copyFileSync(fixtureDb, db);
        assert.ok(!fs.existsSync(`${db}-wal`));
        const mountPoint = newDir("readonly");
        const backupDir = newDir("backups");
        const env = backupEnv(path.join(mountPoint, "registry.db"), backupDir);
        const result = spawnSync(
            "unshare",
            ["-m", "sh", "-c", 'mount --bind -o ro "$1" "$2" && PATH="$3" exec sh "$4"', "sh", source, mountPoint, env.PATH, BACKUP_SH],
            { env: { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin" }, encoding: "utf8" },
        );
        assertExit({ status: result.status, stdout: result.stdout, stderr: result.stderr }, 0);
        const backup = onlyBackup(backupDir);
        assertWellFormedBackup(backup, "sqlite", "registry.db");
        assertSameRows(agentRows(path.join(backup, "registry.db")), fixtureRows, "rows of the read-only backup");
    });

    it("removes its work directory and leaves backups untouched when the copy fails", function () {
        const backupDir = newDir("backups");
        copyBackup(fixtureBackup, backupDir, "20200101-000000");
        const before = snapshotTree(backupDir);
        const db = path.join(newDir("garbage"), "registry.db");
        fs.writeFileSync(db, Buffer.from("definitely not sqlite\n".repeat(500)));

        const run = runScript(BACKUP_SH, [], backupEnv(db, backupDir, { RETENTION: "1" }));
        assertExit(run, 1);
        assert.match(run.stderr, /backup FAILED/);
        assert.deepEqual(snapshotTree(backupDir), before, "no .tmp-* left behind, nothing pruned");
    });

    it("removes its work directory when stopped by SIGTERM mid-copy", async function () {
        this.timeout(20_000);
        const db = path.join(newDir("locked"), "registry.db");
        createRegistryDb(db, 10);
        sql(db, "PRAGMA journal_mode=DELETE;"); // so that an exclusive lock blocks readers
        const backupDir = newDir("backups");
        copyBackup(fixtureBackup, backupDir, "20200101-000000");
        const before = snapshotTree(backupDir);
        const lockHolder = spawn(sqlite3, ["-batch", "-init", "/dev/null", db], { stdio: ["pipe", "ignore", "ignore"] });
        let backup: ChildProcess | undefined;
        try {
            lockHolder.stdin?.write("BEGIN EXCLUSIVE;\n");
            const locked = (): boolean =>
                spawnSync(sqlite3, ["-batch", "-init", "/dev/null", db, "SELECT count(*) FROM agents;"], { stdio: "ignore" }).status !== 0;
            await waitUntil("the exclusive lock", locked, 5_000);
            // Its own process group, so SIGTERM reaches sh and the waiting sqlite3 as Ctrl-C would.
            backup = spawn("sh", [BACKUP_SH], { env: backupEnv(db, backupDir), detached: true, stdio: "ignore" });
            const working = (): boolean => fs.readdirSync(backupDir).some((name) => name.startsWith(".tmp-"));
            await waitUntil("backup.sh to create its work directory", working, 5_000);
            const exited = new Promise<number | null>((resolve) => backup?.once("exit", (code) => resolve(code)));
            process.kill(-(backup.pid ?? 0), "SIGTERM");
            const status = await exited;
            assert.equal(status, 143, "the TERM trap exits 143 after cleaning up");
        } finally {
            lockHolder.stdin?.end("COMMIT;\n");
            await waitForExit(lockHolder, 5_000);
            if (backup && backup.exitCode === null && backup.signalCode === null) {
                process.kill(-(backup.pid ?? 0), "SIGKILL");
            }
        }
        assert.deepEqual(snapshotTree(backupDir), before, "the work directory is gone and the old backup untouched");
    });

    it("refuses to keep a backup of a database without tables", function () {
        const backupDir = newDir("backups");
        const db = path.join(newDir("empty"), "registry.db");
        fs.writeFileSync(db, "");
        const run = runScript(BACKUP_SH, [], backupEnv(db, backupDir));
        assertExit(run, 1);
        assert.match(run.stderr, /contains no tables/);
        assert.deepEqual(fs.readdirSync(backupDir), []);
    });

    it("keeps the RETENTION newest verified backups and leaves everything else alone", function () {
        const backupDir = newDir("backups");
        for (const name of ["20200101-000000", "20200102-000000", "20200103-000000"]) {
            copyBackup(fixtureBackup, backupDir, name);
        }
        const corrupt = copyBackup(fixtureBackup, backupDir, "20200104-000000");
        flipByte(path.join(corrupt, "registry.db"));
        copyBackup(fixtureBackup, backupDir, "manual-before-upgrade");
        const staleTmp = path.join(backupDir, ".tmp-20200101-000000-1");
        const freshTmp = path.join(backupDir, ".tmp-20200105-000000-2");
        fs.mkdirSync(staleTmp);
        fs.mkdirSync(freshTmp);
        const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
        fs.utimesSync(staleTmp, twoDaysAgo, twoDaysAgo);

        const source = 'registry "prod"\nsecond line\\';
        const run = runScript(BACKUP_SH, [], backupEnv(fixtureDb, backupDir, { RETENTION: "2", BACKUP_SOURCE: source }));
        assertExit(run, 0);

        const names = backupNames(backupDir);
        assert.equal(names.length, 3, JSON.stringify(names));
        const [kept, leftCorrupt, made] = names;
        assert.equal(kept, "20200103-000000");
        assert.equal(leftCorrupt, "20200104-000000", "a backup that fails verification is not pruned");
        assert.ok(made > "20200104-000000");
        assert.deepEqual(
            fs
                .readdirSync(backupDir)
                .filter((name) => !BACKUP_NAME.test(name))
                .sort(),
            [".tmp-20200105-000000-2", "manual-before-upgrade"],
        );
        assert.match(run.stdout, /leaving 'manual-before-upgrade' alone/);
        assert.match(run.stderr, /backup '20200104-000000' does not verify/);
        assert.match(run.stdout, /removed old backup '20200101-000000'/);
        // Control characters become spaces; quotes and backslashes survive JSON escaping.
        assert.equal(readMetadata(path.join(backupDir, made)).source, 'registry "prod" second line\\');
    });

    it("never prunes the backup it just made, even when older by name", function () {
        const backupDir = newDir("backups");
        copyBackup(fixtureBackup, backupDir, "29990101-000000");
        copyBackup(fixtureBackup, backupDir, "29990102-000000");
        const run = runScript(BACKUP_SH, [], backupEnv(fixtureDb, backupDir, { RETENTION: "1" }));
        assertExit(run, 0);
        const names = backupNames(backupDir);
        assert.equal(names.length, 2, JSON.stringify(names));
        assert.ok(names[0] < "29990101-000000", "the new backup is kept");
        assert.equal(names[1], "29990102-000000");
    });

    it("refuses to overwrite a backup directory with the same timestamp", function () {
        const backupDir = newDir("backups");
        const now = Date.now();
        const taken: string[] = [];
        for (let second = -2; second <= 10; second++) {
            const name = new Date(now + second * 1000).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
            fs.mkdirSync(path.join(backupDir, name));
            fs.writeFileSync(path.join(backupDir, name, "marker"), name);
            taken.push(name);
        }
        const before = snapshotTree(backupDir);
        const run = runScript(BACKUP_SH, [], backupEnv(fixtureDb, backupDir));
        assertExit(run, 1);
        assert.match(run.stderr, /already exists; refusing to overwrite it/);
        assert.deepEqual(snapshotTree(backupDir), before);
    });

    it("rejects invalid configuration with exit 2 before doing any work", function () {
        const backupDir = newDir("backups");
        const cases: Array<[Record<string, string>, RegExp]> = [
            [{ DB_TYPE: "" }, /DB_TYPE is required/],
            [{ DB_TYPE: "mysql" }, /unknown DB_TYPE 'mysql'/],
            [{ SQLITE_PATH: "" }, /SQLITE_PATH is required/],
            [{ RETENTION: "0" }, /RETENTION must be at least 1/],
            [{ RETENTION: "-1" }, /RETENTION must be a positive integer/],
            [{ RETENTION: "three" }, /RETENTION must be a positive integer/],
            [{ RETENTION: "1.5" }, /RETENTION must be a positive integer/],
            [{ BACKUP_DIR: path.join(backupDir, "not-mounted") }, /is not a directory \(is the backup volume mounted\?\)/],
        ];
        for (const [override, message] of cases) {
            const run = runScript(BACKUP_SH, [], backupEnv(fixtureDb, backupDir, override));
            assertExit(run, 2);
            assert.match(run.stderr, message);
        }
        assert.deepEqual(fs.readdirSync(backupDir), []);
    });

    it("rejects bad restore arguments with exit 2", function () {
        const db = path.join(newDir("target"), "registry.db");
        for (const args of [[], ["--frce", fixtureBackup], [fixtureBackup, fixtureBackup]]) {
            const run = runScript(RESTORE_SH, args, restoreEnv(db));
            assertExit(run, 2);
            assert.match(run.stderr, /usage: restore\.sh \[--force\] <backup-dir>/);
        }
        assert.ok(!fs.existsSync(db));
    });
});

describe("backup.sh and restore.sh with PostgreSQL", function () {
    let server: PostgresServer | undefined;
    let psql = "";
    let pgRestore = "";
    let scratch = "";
    let scriptPath = "";
    let fixtureBackup = "";
    let fixtureRows: string[] = [];

    const AGENT_ROWS = "SELECT id, name, payload, registered_at FROM agents";

    function pg(): PostgresServer {
        assert.ok(server, "the PostgreSQL server is not running");
        return server;
    }

    function newDir(name: string): string {
        return fs.mkdtempSync(path.join(scratch, `${name}-`));
    }

    function asApp(database: string, sql: string): string {
        return pg().query(sql, { database, user: pg().appUser });
    }

    function lines(output: string): string[] {
        return output === "" ? [] : output.split("\n");
    }

    function createRegistryDatabase(database: string, agents: number): void {
        pg().createDatabase(database);
        asApp(
            database,
            `
            CREATE TABLE agents (id bigserial PRIMARY KEY, name text NOT NULL, payload text NOT NULL,
                                 registered_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE capabilities (agent_id bigint NOT NULL REFERENCES agents (id), name text NOT NULL);
            INSERT INTO agents (name, payload) SELECT 'agent-' || i, md5(i::text) FROM generate_series(1, ${agents}) AS i;
            INSERT INTO capabilities SELECT id, 'tool-' || id FROM agents WHERE id % 3 = 0;`,
        );
    }

    function maxAgentId(database: string): number {
        return Number(asApp(database, "SELECT coalesce(max(id), 0) FROM agents"));
    }

    function env(extra: Record<string, string>): Record<string, string> {
        return { PATH: scriptPath, HOME: scratch, DB_TYPE: "postgres", ...extra };
    }

    /** One psql session inserting and committing a row at a time until cancelled (or for a few seconds). */
    function startWriter(database: string): ChildProcess {
        const insertLoop = `DO $$
            DECLARE deadline timestamptz := clock_timestamp() + interval '${WRITER_MAX_SECONDS} seconds';
            BEGIN
                WHILE clock_timestamp() < deadline LOOP
                    INSERT INTO agents (name, payload) VALUES ('writer', md5(random()::text));
                    COMMIT;
                    PERFORM pg_sleep(0.001);
                END LOOP;
            END $$`;
        return spawn(psql, ["-X", "-q", "-c", insertLoop], {
            env: { ...envWithoutDatabaseSettings(), ...pg().clientEnv(database), PGAPPNAME: "mesh-test-writer" },
            stdio: "ignore",
        });
    }

    async function stopWriter(writer: ChildProcess): Promise<void> {
        pg().query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'mesh-test-writer'");
        await waitForExit(writer, 10_000);
    }

    before(async function () {
        this.timeout(60_000);
        const posixTools = requireTools(this, "PostgreSQL backup tests", discoverScriptTools());
        const tools = requireTools(this, "PostgreSQL backup tests", discoverPostgresTools());
        psql = tools.psql;
        pgRestore = tools.pgRestore;
        scratch = makeScratchDir();
        scriptPath = createScriptBinDir(path.join(scratch, "bin"), {
            ...posixTools,
            pg_dump: tools.pgDump,
            pg_restore: tools.pgRestore,
            psql: tools.psql,
        });
        server = await PostgresServer.start(tools);

        createRegistryDatabase("fixture", 200);
        fixtureRows = lines(asApp("fixture", `${AGENT_ROWS} ORDER BY id`));
        const backupDir = newDir("fixture-backups");
        assertExit(runScript(BACKUP_SH, [], env({ BACKUP_DIR: backupDir, DATABASE_URL: pg().url("fixture") })), 0);
        fixtureBackup = onlyBackup(backupDir);
    });

    after(function () {
        this.timeout(30_000);
        try {
            server?.stop();
        } finally {
            if (scratch) {
                fs.rmSync(scratch, { recursive: true, force: true });
            }
        }
    });

    it("records a redacted source and a dump that lists the tables", function () {
        const metadata = assertWellFormedBackup(fixtureBackup, "postgres", "registry.dump");
        assert.equal(metadata.source, `postgresql://${pg().host}:${pg().port}/fixture`);
        assert.ok(!fs.readFileSync(path.join(fixtureBackup, "metadata.json"), "utf8").includes(pg().appPassword));
        assert.match(metadata.tool_version, /^pg_dump \(PostgreSQL\) \d+/);
        const toc = spawnSync(pgRestore, ["--list", path.join(fixtureBackup, "registry.dump")], { encoding: "utf8" });
        assert.equal(toc.status, 0, toc.stderr);
        assert.match(toc.stdout, / TABLE public agents /);
        assert.match(toc.stdout, / TABLE DATA public capabilities /);
    });

    it("backs up while another session inserts, and restores every row after the tables are dropped", async function () {
        this.timeout(30_000);
        createRegistryDatabase("hot", 1000);
        const backupDir = newDir("backups");
        const writer = startWriter("hot");
        let run: ScriptRun;
        let lastIdBeforeBackup: number;
        let lastIdAfterBackup: number;
        try {
            await waitUntil("the writer to insert", () => maxAgentId("hot") > 1000, 5_000);
            lastIdBeforeBackup = maxAgentId("hot");
            run = runScript(BACKUP_SH, [], env({ BACKUP_DIR: backupDir, ...pg().clientEnv("hot") }));
            lastIdAfterBackup = maxAgentId("hot");
        } finally {
            await stopWriter(writer);
        }
        assertExit(run, 0);
        assert.ok(lastIdAfterBackup > lastIdBeforeBackup, "the writer must have kept inserting during the backup");
        const backup = onlyBackup(backupDir);
        const metadata = assertWellFormedBackup(backup, "postgres", "registry.dump");
        assert.equal(metadata.source, `${pg().host}:${pg().port}/hot`);

        const sourceAgents = lines(asApp("hot", `${AGENT_ROWS} ORDER BY id`));
        const sourceCapabilities = asApp("hot", "SELECT agent_id, name FROM capabilities ORDER BY agent_id");
        asApp("hot", "DROP TABLE capabilities, agents");

        const restore = runScript(RESTORE_SH, [backup], env(pg().clientEnv("hot")));
        assertExit(restore, 0);
        assert.match(restore.stdout, /restore OK: .* \(2 user tables/);
        const lastIdInBackup = maxAgentId("hot");
        assert.ok(
            lastIdInBackup >= lastIdBeforeBackup,
            `backup ends at id ${lastIdInBackup}, but id ${lastIdBeforeBackup} existed before it began`,
        );
        assertSameRows(
            lines(asApp("hot", `${AGENT_ROWS} ORDER BY id`)),
            sourceAgents.filter((row) => Number(row.split("|")[0]) <= lastIdInBackup),
            "restored agents",
        );
        assert.equal(asApp("hot", "SELECT agent_id, name FROM capabilities ORDER BY agent_id"), sourceCapabilities);
        const nextId = Number(asApp("hot", "INSERT INTO agents (name, payload) VALUES ('after', 'x') RETURNING id"));
        assert.ok(nextId > lastIdInBackup, "the id sequence is restored too");
    });

    it("backs up and restores through a libpq service file, the CronJob's way: no credential in env or argv", function () {
        pg().createDatabase("viaservice");
        const serviceFile = path.join(newDir("service"), "pg_service.conf");
        const endpoint = { host: pg().host, port: pg().port, database: "fixture", user: pg().appUser, sslmode: "disable" };
        fs.writeFileSync(serviceFile, pgServiceFile(endpoint, pg().appPassword));
        const backupDir = newDir("backups");
        const viaService = { PGSERVICEFILE: serviceFile, PGSERVICE: PG_SERVICE };
        const run = runScript(BACKUP_SH, [], env({ BACKUP_DIR: backupDir, ...viaService }));
        assertExit(run, 0);
        const backup = onlyBackup(backupDir);
        assert.equal(assertWellFormedBackup(backup, "postgres", "registry.dump").source, "service registry");
        assert.ok(!`${run.stdout}${run.stderr}`.includes(pg().appPassword), "the password must not be printed");

        fs.writeFileSync(serviceFile, pgServiceFile({ ...endpoint, database: "viaservice" }, pg().appPassword));
        const restore = runScript(RESTORE_SH, [backup], env(viaService));
        assertExit(restore, 0);
        assertSameRows(lines(asApp("viaservice", `${AGENT_ROWS} ORDER BY id`)), fixtureRows, "restored agents");
    });

    it("refuses to restore into a database with tables unless --force is given", function () {
        pg().createDatabase("occupied");
        asApp("occupied", "CREATE TABLE agents (id int PRIMARY KEY, note text); INSERT INTO agents VALUES (1, 'keep me')");

        const refused = runScript(RESTORE_SH, [fixtureBackup], env(pg().clientEnv("occupied")));
        assertExit(refused, 4);
        assert.match(refused.stderr, /^restore\.sh: .*refusing to restore into .*occupied: it already has 1 user tables.*--force/m);
        assert.equal(asApp("occupied", "SELECT note FROM agents"), "keep me");

        const forced = runScript(RESTORE_SH, ["--force", fixtureBackup], env({ DATABASE_URL: pg().url("occupied") }));
        assertExit(forced, 0);
        assertSameRows(lines(asApp("occupied", `${AGENT_ROWS} ORDER BY id`)), fixtureRows, "restored agents");
        assert.ok(!`${forced.stdout}${forced.stderr}`.includes(pg().appPassword), "the password must not be printed");
    });

    it("refuses a tampered dump without touching the database", function () {
        const backup = copyBackup(fixtureBackup, newDir("tampered"), "20200101-000000");
        flipByte(path.join(backup, "registry.dump"));
        pg().createDatabase("untouched");
        asApp("untouched", "CREATE TABLE agents (id int PRIMARY KEY, note text); INSERT INTO agents VALUES (1, 'keep me')");

        const run = runScript(RESTORE_SH, ["--force", backup], env(pg().clientEnv("untouched")));
        assertExit(run, 3);
        assert.match(run.stderr, /checksum mismatch/);
        assert.equal(asApp("untouched", "SELECT id || ':' || note FROM agents"), "1:keep me");
    });

    it("fails loudly, writing no backup, for a wrong password, an empty database or no target", function () {
        pg().createDatabase("empty");
        const backupDir = newDir("backups");
        const cases: Array<[Record<string, string>, number, RegExp]> = [
            [{ ...pg().clientEnv("fixture"), PGPASSWORD: "wrong" }, 1, /password authentication failed/],
            [pg().clientEnv("empty"), 1, /lists no TABLE entries/],
            [{ ...pg().clientEnv("fixture"), PGDATABASE: "" }, 2, /needs PGSERVICE \(with PGSERVICEFILE\), DATABASE_URL or PGDATABASE/],
        ];
        for (const [settings, status, message] of cases) {
            const run = runScript(BACKUP_SH, [], env({ BACKUP_DIR: backupDir, ...settings }));
            assertExit(run, status);
            assert.match(run.stderr, message);
        }
        assert.deepEqual(fs.readdirSync(backupDir), []);
    });
});
