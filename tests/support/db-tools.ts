// Finds the database binaries the backup-script tests need, and decides whether
// a missing one skips the tests (a developer's machine) or fails them (CI).
import * as fs from "fs";
import * as path from "path";

/** Every command besides the database tools that backup.sh and restore.sh may run. */
export const SCRIPT_POSIX_TOOLS = [
    "sh",
    "date",
    "mkdir",
    "mv",
    "rm",
    "ls",
    "sort",
    "head",
    "tail",
    "sed",
    "grep",
    "stat",
    "sha256sum",
    "cat",
    "printf",
    "find",
] as const;

const DEBIAN_PACKAGE_OF_POSIX_TOOL: Record<string, string> = { sh: "dash", sed: "sed", grep: "grep", find: "findutils" };

const POSTGRES_INSTALL_ROOT = "/usr/lib/postgresql";
const POSTGRES_OS_USER = "postgres";

export interface SqliteTools {
    sqlite3: string;
}

export interface OsUser {
    name: string;
    uid: number;
    gid: number;
}

export interface PostgresTools {
    binDir: string;
    initdb: string;
    pgCtl: string;
    pgDump: string;
    pgRestore: string;
    psql: string;
    /** Set when running as root: initdb and postgres refuse to run as root. */
    runAs?: { user: OsUser; runuser: string };
}

export type Discovery<T> = { found: true; tools: T } | { found: false; missing: string[]; debianPackages: string[] };

function isExecutableFile(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

export function findOnPath(name: string, searchPath: string = process.env.PATH ?? ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter)) {
        const candidate = path.join(dir, name);
        if (dir !== "" && isExecutableFile(candidate)) {
            return candidate;
        }
    }
    return undefined;
}

export function discoverSqliteTools(): Discovery<SqliteTools> {
    const sqlite3 = findOnPath("sqlite3");
    return sqlite3 ? { found: true, tools: { sqlite3 } } : { found: false, missing: ["sqlite3"], debianPackages: ["sqlite3"] };
}

/**
 * Candidate directories holding initdb and friends: PG_BIN_DIR when set, else
 * the directory of an initdb on PATH, else Debian's /usr/lib/postgresql/<v>/bin
 * from the highest version down.
 */
function postgresBinDirCandidates(): string[] {
    const override = process.env.PG_BIN_DIR;
    if (override) {
        return [override];
    }
    const candidates: string[] = [];
    const initdbOnPath = findOnPath("initdb");
    if (initdbOnPath) {
        candidates.push(path.dirname(initdbOnPath));
    }
    let versions: string[] = [];
    try {
        versions = fs.readdirSync(POSTGRES_INSTALL_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name));
    } catch {
        // no Debian PostgreSQL installed
    }
    versions.sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
        candidates.push(path.join(POSTGRES_INSTALL_ROOT, version, "bin"));
    }
    return candidates;
}

function findOsUser(name: string): OsUser | undefined {
    let passwd: string;
    try {
        passwd = fs.readFileSync("/etc/passwd", "utf8");
    } catch {
        return undefined;
    }
    for (const line of passwd.split("\n")) {
        const fields = line.split(":");
        if (fields[0] === name && fields.length >= 4) {
            return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
        }
    }
    return undefined;
}

export function discoverPostgresTools(): Discovery<PostgresTools> {
    const names = { initdb: "initdb", pgCtl: "pg_ctl", pgDump: "pg_dump", pgRestore: "pg_restore", psql: "psql" };
    const binDir = postgresBinDirCandidates().find((dir) => Object.values(names).every((name) => isExecutableFile(path.join(dir, name))));
    if (!binDir) {
        return { found: false, missing: Object.values(names), debianPackages: ["postgresql"] };
    }
    const tools: PostgresTools = {
        binDir,
        initdb: path.join(binDir, names.initdb),
        pgCtl: path.join(binDir, names.pgCtl),
        pgDump: path.join(binDir, names.pgDump),
        pgRestore: path.join(binDir, names.pgRestore),
        psql: path.join(binDir, names.psql),
    };
    if (process.getuid?.() === 0) {
        const user = findOsUser(POSTGRES_OS_USER);
        const runuser = findOnPath("runuser", `${process.env.PATH ?? ""}:/usr/sbin:/sbin:/usr/bin:/bin`);
        if (!user) {
            return {
                found: false,
                missing: [`OS user '${POSTGRES_OS_USER}' (needed to run initdb as root)`],
                debianPackages: ["postgresql"],
            };
        }
        if (!runuser) {
            return { found: false, missing: ["runuser"], debianPackages: ["util-linux"] };
        }
        tools.runAs = { user, runuser };
    }
    return { found: true, tools };
}

/**
 * Returns the tools, or stops the suite: on CI (CI=true) by throwing so the run
 * fails, elsewhere by skipping with a visible warning.
 */
export function requireTools<T>(context: Mocha.Context, suite: string, discovery: Discovery<T>): T {
    if (discovery.found) {
        return discovery.tools;
    }
    const message =
        `${suite}: missing ${discovery.missing.join(", ")}; ` + `install with: apt-get install -y ${discovery.debianPackages.join(" ")}`;
    if (process.env.CI === "true") {
        throw new Error(`${message} (CI=true, so the tests fail instead of skipping)`);
    }
    console.warn(`SKIPPED ${message}`);
    return context.skip();
}

/** Headless Chromium (Debian `chromium`), which the dashboard's contract test looks through. */
export function discoverChromium(): Discovery<{ chromium: string }> {
    const chromium = findOnPath("chromium") ?? findOnPath("chromium-browser");
    return chromium ? { found: true, tools: { chromium } } : { found: false, missing: ["chromium"], debianPackages: ["chromium"] };
}

/** Debian's redis-server, which the tracing contract test runs in place of the redis image. */
export function discoverRedisServer(): Discovery<{ redisServer: string }> {
    const redisServer = findOnPath("redis-server");
    return redisServer
        ? { found: true, tools: { redisServer } }
        : { found: false, missing: ["redis-server"], debianPackages: ["redis-server"] };
}

/** The POSIX commands the scripts may run, resolved on PATH. */
export function discoverScriptTools(): Discovery<Record<string, string>> {
    const tools: Record<string, string> = {};
    const missing: string[] = [];
    for (const tool of SCRIPT_POSIX_TOOLS) {
        const found = findOnPath(tool);
        if (found) {
            tools[tool] = found;
        } else {
            missing.push(tool);
        }
    }
    if (missing.length === 0) {
        return { found: true, tools };
    }
    const packages = new Set(missing.map((tool) => DEBIAN_PACKAGE_OF_POSIX_TOOL[tool] ?? "coreutils"));
    return { found: false, missing, debianPackages: [...packages] };
}

/**
 * Makes a directory holding only the commands the scripts are allowed to use
 * (symlinks to the given POSIX and database tools), so a script that starts
 * using anything else fails its tests.
 */
export function createScriptBinDir(dir: string, tools: Record<string, string>): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, target] of Object.entries(tools)) {
        fs.symlinkSync(target, path.join(dir, name));
    }
    return dir;
}
