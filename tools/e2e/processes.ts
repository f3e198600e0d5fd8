// Background processes of one e2e run (etcd, the control plane, kwok): each logs to its own
// file, and all of them stop when the run ends, however it ends.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

export interface CommandResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): CommandResult {
    const result = spawnSync(command, args, {
        encoding: "utf8",
        env: options.env ?? process.env,
        cwd: options.cwd,
        input: options.input,
        maxBuffer: 256 * 1024 * 1024,
    });
    return {
        status: result.status ?? 1,
        stdout: result.stdout ?? "",
        stderr: (result.stderr ?? "") + (result.error ? `\n${result.error.message}` : ""),
    };
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
        });
    });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 500): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (check()) {
            return true;
        }
        await sleep(intervalMs);
    }
    return check();
}

export class Daemons {
    private readonly children: { name: string; child: ChildProcess }[] = [];

    constructor(private readonly logDir: string) {
        fs.mkdirSync(logDir, { recursive: true });
    }

    logFile(name: string): string {
        return path.join(this.logDir, `${name}.log`);
    }

    start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
        const log = fs.openSync(this.logFile(name), "a");
        const child = spawn(command, args, { env, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        child.on("exit", (code, signal) => {
            if (this.children.some((c) => c.child === child)) {
                fs.appendFileSync(this.logFile(name), `\n[e2e] ${name} exited (code ${code}, signal ${signal})\n`);
            }
        });
        this.children.push({ name, child });
        return child;
    }

    running(name: string): boolean {
        const entry = this.children.find((c) => c.name === name);
        return entry !== undefined && entry.child.exitCode === null && entry.child.signalCode === null;
    }

    /** Last lines of a daemon's log, for failure messages. */
    tail(name: string, lines = 15): string {
        const file = this.logFile(name);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";
    }

    /** Stops every daemon, newest first (kwok and the control plane before etcd). */
    async stopAll(): Promise<void> {
        const entries = this.children.splice(0).reverse();
        for (const { child } of entries) {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                const exited = await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000, 100);
                if (!exited) {
                    child.kill("SIGKILL");
                }
            }
        }
    }
}
