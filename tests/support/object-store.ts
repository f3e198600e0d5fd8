// The object-storage tests' tools, installed by .ci/object-store-tools.sh outside the clone:
// rclone built at the version the pinned image's tag names, and moto's S3 server (PyPI), which
// the tests start on a free loopback port and inspect through boto3 (moto_admin.py), never
// through the client under test. Missing tools skip the tests, or fail them under CI=true.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { RCLONE_IMAGE } from "../../components/config/object-storage";
import { freePort } from "../../tools/e2e/processes";

const REQUIREMENTS = path.resolve(__dirname, "../object-store/requirements.txt");
const ADMIN = path.resolve(__dirname, "../object-store/moto_admin.py");

export interface ObjectStoreTools {
    /** The rclone binary, built at `rcloneVersion`. */
    rclone: string;
    rcloneVersion: string;
    /** The venv's python (boto3) and moto_server. */
    python: string;
    motoServer: string;
}

/** The rclone release the pinned image ships: its tag. */
export function pinnedRcloneVersion(): string {
    const tag = /^rclone\/rclone:(\d+\.\d+\.\d+)$/.exec(RCLONE_IMAGE)?.[1];
    if (!tag) throw new Error(`RCLONE_IMAGE ${RCLONE_IMAGE} names no x.y.z tag`);
    return tag;
}

function toolsHome(): string {
    return process.env.MCP_MESH_TOOLS_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "mcp-mesh-tools");
}

function discover(): { found: true; tools: ObjectStoreTools } | { found: false; missing: string[] } {
    const home = toolsHome();
    const version = pinnedRcloneVersion();
    const rclone = path.join(home, `rclone-v${version}`, "rclone");
    const lock = createHash("sha256").update(fs.readFileSync(REQUIREMENTS)).digest("hex").slice(0, 12);
    const venv = path.join(home, `moto-venv-${lock}`);
    const missing = [
        ...(fs.existsSync(rclone) ? [] : [rclone]),
        ...(fs.existsSync(path.join(venv, ".complete")) ? [] : [`${venv} (moto)`]),
    ];
    if (missing.length > 0) return { found: false, missing };
    const reported = spawnSync(rclone, ["version"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "";
    return {
        found: true,
        tools: {
            rclone,
            rcloneVersion: reported.replace(/^rclone v/, "").trim(),
            python: path.join(venv, "bin", "python"),
            motoServer: path.join(venv, "bin", "moto_server"),
        },
    };
}

/** The tools, or the suite stops: skipped with a message locally, failed under CI=true. */
export function requireObjectStoreTools(context: Mocha.Context): ObjectStoreTools {
    const found = discover();
    if (found.found) return found.tools;
    const message = `object-storage tests: missing ${found.missing.join(", ")}; install with: .ci/object-store-tools.sh`;
    if (process.env.CI === "true") throw new Error(`${message} (CI=true, so the tests fail instead of skipping)`);
    console.warn(`SKIPPED ${message}`);
    return context.skip();
}

export interface StoredObject {
    key: string;
    size: number;
    sha256: string;
    sse: string | null;
    kmsKeyId: string | null;
}

export interface AccessKey {
    accessKeyId: string;
    secretAccessKey: string;
}

/** moto's S3 server on a free loopback port, with an IAM user (s3:*) whose key the tests hand to the backup. */
export class MotoServer {
    private process?: ChildProcess;
    private log = "";
    endpoint = "";
    port = 0;
    key: AccessKey = { accessKeyId: "", secretAccessKey: "" };

    constructor(private readonly tools: ObjectStoreTools) {}

    /** Starts the server, creates `buckets`, then turns signature checks on. */
    async start(buckets: string[]): Promise<void> {
        this.port = await freePort();
        this.endpoint = `http://127.0.0.1:${this.port}`;
        await this.launch();
        this.key = JSON.parse(this.admin(["setup", this.endpoint, ...buckets], {})) as AccessKey;
    }

    private async launch(): Promise<void> {
        const child = spawn(this.tools.motoServer, ["-H", "127.0.0.1", "-p", String(this.port)], { stdio: ["ignore", "pipe", "pipe"] });
        child.stdout?.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
        this.process = child;
        const deadline = Date.now() + 60_000;
        while (!(await accepts(this.port))) {
            if (child.exitCode !== null) throw new Error(`moto_server exited:\n${this.log}`);
            if (Date.now() > deadline) throw new Error(`moto_server not listening on ${this.port} within 60 s:\n${this.log}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }

    /** The process id, for a test that stops the server from outside (as an outage would). */
    get pid(): number {
        return this.process?.pid ?? 0;
    }

    async stop(): Promise<void> {
        const child = this.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
    }

    /** Every object under `prefix`, read through boto3 with the server's key. */
    list(bucket: string, prefix: string): StoredObject[] {
        return JSON.parse(this.admin(["list", this.endpoint, bucket, prefix], this.credentialsEnv())) as StoredObject[];
    }

    /** Overwrites one object with `bytes` (what a corrupting disk or a bad actor would do). */
    put(bucket: string, key: string, bytes: Buffer): void {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "moto-put-")), "object");
        fs.writeFileSync(file, bytes);
        this.admin(["put", this.endpoint, bucket, key, file], this.credentialsEnv());
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }

    private credentialsEnv(): Record<string, string> {
        return { AWS_ACCESS_KEY_ID: this.key.accessKeyId, AWS_SECRET_ACCESS_KEY: this.key.secretAccessKey };
    }

    private admin(args: string[], env: Record<string, string>): string {
        const result = spawnSync(this.tools.python, [ADMIN, ...args], {
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...env },
            timeout: 60_000,
        });
        if (result.status !== 0) throw new Error(`moto_admin ${args[0]} failed: ${result.stderr}${result.error?.message ?? ""}`);
        return result.stdout;
    }
}

function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port }, () => {
            socket.end();
            resolve(true);
        });
        socket.on("error", () => resolve(false));
    });
}

/**
 * A TCP relay in front of the server: the endpoint the backup is given. `cutOnUpload` makes it
 * behave like a server that stops mid-upload: at the first PUT request it drops every
 * connection and stops listening (refusing from then on), while the server behind it keeps
 * what it held, so a test can check that nothing was lost.
 */
export class Relay {
    private server?: net.Server;
    private readonly sockets = new Set<net.Socket>();
    endpoint = "";
    cutOnUpload = false;
    /** Whether the relay has stopped (after a cut). */
    cut = false;

    async start(targetPort: number): Promise<void> {
        const port = await freePort();
        this.endpoint = `http://127.0.0.1:${port}`;
        this.server = net.createServer((client) => {
            const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
            for (const socket of [client, upstream]) {
                this.sockets.add(socket);
                socket.on("close", () => this.sockets.delete(socket));
                socket.on("error", () => socket.destroy());
            }
            client.on("data", (chunk: Buffer) => {
                if (this.cutOnUpload && chunk.subarray(0, 4).toString() === "PUT ") {
                    this.stop();
                    return;
                }
                upstream.write(chunk);
            });
            upstream.on("data", (chunk: Buffer) => client.write(chunk));
            client.on("close", () => upstream.destroy());
            upstream.on("close", () => client.destroy());
        });
        await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    }

    stop(): void {
        this.cut = true;
        this.server?.close();
        for (const socket of this.sockets) socket.destroy();
    }
}
