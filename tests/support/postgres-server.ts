// A throwaway PostgreSQL server for tests: its own data directory, a free
// port on 127.0.0.1, one application role with a password and its database.
import { spawnSync, SpawnSyncReturns } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PostgresTools } from "./db-tools";
import { freePort } from "../../tools/e2e/processes";

const SUPERUSER = "postgres";
const HOST = "127.0.0.1";

export interface QueryOptions {
    database?: string;
    /** Role to run as (over the trusted unix socket); the superuser by default. */
    user?: string;
}

/** Environment without any libpq or DATABASE_URL settings inherited from the caller. */
export function envWithoutDatabaseSettings(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith("PG") && key !== "DATABASE_URL") {
            env[key] = value;
        }
    }
    return env;
}

function describeFailure(what: string, result: SpawnSyncReturns<string>): string {
    return (
        `${what} failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ""})\n` +
        `${result.stdout ?? ""}${result.stderr ?? ""}`
    );
}

/**
 * Stack config that points the registry at `server` as an external PostgreSQL (the password is
 * the encrypted `databasePassword`, whose placeholder the render replaces with the server's).
 */
export function externalDatabaseConfig(
    server: PostgresServer,
    database: string,
    tls: { sslmode: string; sslRootCert?: { secretName: string } },
): { database: Record<string, unknown>; databasePassword: { secure: string } } {
    return {
        database: {
            type: "postgres",
            postgres: { mode: "external", host: server.host, port: server.port, database, user: server.appUser, ...tls },
        },
        databasePassword: { secure: "v1:ciphertext" },
    };
}

export class PostgresServer {
    readonly host = HOST;
    readonly appUser = "mesh";
    readonly appPassword = randomBytes(12).toString("hex");
    private readonly dataDir: string;
    private readonly socketDir: string;
    private readonly logFile: string;
    private running = false;

    private constructor(
        private readonly tools: PostgresTools,
        private readonly rootDir: string,
        readonly port: number,
    ) {
        this.dataDir = path.join(rootDir, "data");
        this.socketDir = path.join(rootDir, "sock");
        this.logFile = path.join(rootDir, "server.log");
    }

    /** `ssl`: serve TLS (ssl=on) with this certificate and key (PEM text). */
    static async start(tools: PostgresTools, ssl?: { cert: string; key: string }): Promise<PostgresServer> {
        const port = await freePort();
        // As root the server runs as the postgres user, which must be able to
        // reach its directory: /tmp is world-traversable, $TMPDIR may not be.
        const parent = tools.runAs ? "/tmp" : os.tmpdir();
        const server = new PostgresServer(tools, fs.mkdtempSync(path.join(parent, "mesh-pg-")), port);
        try {
            server.initialise();
            server.launch(ssl);
            server.createAppRoleAndDatabase();
        } catch (error) {
            server.stop();
            throw error;
        }
        process.once("exit", () => {
            try {
                server.stop();
            } catch (error) {
                console.warn(String(error));
            }
        });
        return server;
    }

    /** libpq settings for the application role over TCP with its password. */
    clientEnv(database: string): Record<string, string> {
        return {
            PGHOST: this.host,
            PGPORT: String(this.port),
            PGUSER: this.appUser,
            PGPASSWORD: this.appPassword,
            PGDATABASE: database,
        };
    }

    url(database: string): string {
        return `postgresql://${this.appUser}:${this.appPassword}@${this.host}:${this.port}/${database}`;
    }

    /** Runs SQL through psql over the unix socket; returns unaligned, tuples-only output. */
    query(sql: string, options: QueryOptions = {}): string {
        const result = spawnSync(
            this.tools.psql,
            [
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                this.socketDir,
                "-p",
                String(this.port),
                "-U",
                options.user ?? SUPERUSER,
                "-d",
                options.database ?? "postgres",
                "-c",
                sql,
            ],
            { encoding: "utf8", env: envWithoutDatabaseSettings() },
        );
        if (result.status !== 0) {
            throw new Error(describeFailure(`psql ${JSON.stringify(sql)}`, result));
        }
        return result.stdout.replace(/\n$/, "");
    }

    /** A database owned by the application role. */
    createDatabase(name: string): void {
        this.query(`CREATE DATABASE "${name}" OWNER "${this.appUser}"`);
    }

    stop(): void {
        if (this.running) {
            const result = this.runAsServerUser(this.tools.pgCtl, ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
            if (result.status !== 0) {
                throw new Error(describeFailure("pg_ctl stop", result));
            }
            this.running = false;
        }
        fs.rmSync(this.rootDir, { recursive: true, force: true });
    }

    private initialise(): void {
        fs.mkdirSync(this.socketDir);
        if (this.tools.runAs) {
            const { uid, gid } = this.tools.runAs.user;
            fs.chownSync(this.rootDir, uid, gid);
            fs.chownSync(this.socketDir, uid, gid);
        }
        const result = this.runAsServerUser(this.tools.initdb, [
            "-D",
            this.dataDir,
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        if (result.status !== 0) {
            throw new Error(describeFailure("initdb", result));
        }
    }

    private launch(ssl?: { cert: string; key: string }): void {
        let serverOptions = `-c listen_addresses=${HOST} -k ${this.socketDir} -p ${this.port} -c fsync=off`;
        if (ssl) {
            // The key must belong to the server user and be private to it.
            const [cert, key] = [path.join(this.rootDir, "server.crt"), path.join(this.rootDir, "server.key")];
            fs.writeFileSync(cert, ssl.cert);
            fs.writeFileSync(key, ssl.key, { mode: 0o600 });
            if (this.tools.runAs) {
                const { uid, gid } = this.tools.runAs.user;
                fs.chownSync(cert, uid, gid);
                fs.chownSync(key, uid, gid);
            }
            serverOptions += ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
        }
        const result = this.runAsServerUser(this.tools.pgCtl, [
            "-D",
            this.dataDir,
            "-l",
            this.logFile,
            "-w",
            "-t",
            "30",
            "-o",
            serverOptions,
            "start",
        ]);
        if (result.status !== 0) {
            const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "(no log)";
            throw new Error(`${describeFailure("pg_ctl start", result)}\nserver log:\n${log}`);
        }
        this.running = true;
    }

    private createAppRoleAndDatabase(): void {
        this.query(`CREATE ROLE "${this.appUser}" LOGIN PASSWORD '${this.appPassword}'`);
        this.createDatabase(this.appUser);
    }

    private runAsServerUser(command: string, args: string[]): SpawnSyncReturns<string> {
        const runAs = this.tools.runAs;
        const [file, argv] = runAs ? [runAs.runuser, ["-u", runAs.user.name, "--", command, ...args]] : [command, args];
        // cwd: the server user may not be allowed into the caller's directory.
        return spawnSync(file, argv, {
            cwd: this.rootDir,
            encoding: "utf8",
            env: envWithoutDatabaseSettings(),
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 60_000,
        });
    }
}
