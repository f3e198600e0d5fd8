// The real Pulumi CLI on a scratch copy of the project: file backend, passphrase secrets
// provider, no network (no update check, no plugin downloads).
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Toolchain } from "./toolchain";
import { CommandResult, run } from "./processes";
import { fail } from "./report";

/** What the program needs at run time. */
const PROJECT_FILES = [
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "tsconfig.pulumi.json",
    "index.ts",
    "components",
    "agents",
    "policy",
];
/** What `npm run render` of the copy needs besides the program (it must render the copy, sabotage included). */
const RENDER_FILES = ["tests", "tools"];

/** The key Pulumi marks an encrypted value with in exported state. */
export const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
    op: string;
    urn: string;
    detailedDiff?: Record<string, { kind: string }>;
    diffReasons?: string[];
    replaceReasons?: string[];
}

export interface Preview {
    steps: PreviewStep[];
    changeSummary: Record<string, number>;
}

export interface Running {
    output(): string;
    interrupt(): void;
    done: Promise<CommandResult>;
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    protect?: boolean;
    retainOnDelete?: boolean;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** Copies the project (not its stack files' salts, state or node_modules) into `dir`. */
export function copyProject(repoRoot: string, dir: string, stackFile: string, stack: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const name of [...PROJECT_FILES, ...RENDER_FILES]) {
        fs.cpSync(path.join(repoRoot, name), path.join(dir, name), { recursive: true });
    }
    fs.copyFileSync(stackFile, path.join(dir, `Pulumi.${stack}.yaml`));
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
}

/**
 * For the CLI the e2e builds: its own PULUMI_HOME in the cache, plugins only from there (installed
 * under the versions the SDKs ask for), never downloaded; the bin directory on PATH for the
 * language host. A user's own CLI keeps its home and plugins.
 */
function builtToolchainEnv(toolchain: Toolchain): NodeJS.ProcessEnv {
    return {
        PATH: `${path.dirname(toolchain.pulumi)}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: path.join(toolchain.cacheDir, "pulumi-home"),
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    };
}

export class PulumiCli {
    readonly env: NodeJS.ProcessEnv;

    constructor(
        private readonly toolchain: Toolchain,
        readonly projectDir: string,
        readonly stack: string,
        private readonly stateDir: string,
        readonly passphrase = randomBytes(16).toString("hex"),
    ) {
        fs.mkdirSync(stateDir, { recursive: true });
        this.env = {
            ...process.env,
            ...(toolchain.pluginDir ? builtToolchainEnv(toolchain) : {}),
            PULUMI_BACKEND_URL: `file://${stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
            NO_COLOR: "1",
        };
    }

    /** The same project and state under another stack name (after `pulumi stack rename`). */
    renamedTo(stack: string): PulumiCli {
        return new PulumiCli(this.toolchain, this.projectDir, stack, this.stateDir, this.passphrase);
    }

    /** Runs `pulumi <args>` for this stack; returns whatever happened. */
    exec(args: string[], input?: string): CommandResult {
        return run(this.toolchain.pulumi, [...args, "--stack", this.stack, "--non-interactive"], {
            env: this.env,
            cwd: this.projectDir,
            input,
        });
    }

    /** A command of no stack (`pulumi plugin ...`), which must succeed. */
    mustUnscoped(args: string[]): CommandResult {
        const result = run(this.toolchain.pulumi, [...args, "--non-interactive"], { env: this.env, cwd: this.projectDir });
        if (result.status !== 0) {
            fail(`pulumi ${args.join(" ")} exited ${result.status}:\n${cliWords(result)}`);
        }
        return result;
    }

    /** Like exec, but the command must succeed; a failure names the command and the CLI's own words. */
    must(args: string[], input?: string): CommandResult {
        const result = this.exec(args, input);
        if (result.status !== 0) {
            fail(`pulumi ${args.join(" ")} exited ${result.status}:\n${cliWords(result)}`);
        }
        return result;
    }

    /** A long command in the background: its output so far, SIGINT (Pulumi cancels gracefully), and its end. */
    start(args: string[]): Running {
        const child = spawn(this.toolchain.pulumi, [...args, "--stack", this.stack, "--non-interactive"], {
            env: this.env,
            cwd: this.projectDir,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const done = new Promise<CommandResult>((resolve) => child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr })));
        return { output: () => `${stdout}\n${stderr}`, interrupt: () => void child.kill("SIGINT"), done };
    }

    /** `pulumi up` (or any long command) in the background, with `watch` called every few seconds. */
    async watched(args: string[], watch: () => string | undefined): Promise<CommandResult> {
        const running = this.start(args);
        let stopped: string | undefined;
        const timer = setInterval(() => {
            const reason = stopped ?? watch();
            if (reason && !stopped) {
                stopped = reason;
                running.interrupt();
            }
        }, 3000);
        const result = await running.done;
        clearInterval(timer);
        if (stopped) {
            fail(`stopped pulumi ${args.join(" ")}: ${stopped}\n${cliWords(result)}`);
        }
        return result;
    }

    /** The scratch copy's stack file, to put back after an edit that is only previewed. */
    stackFile(): string {
        return fs.readFileSync(path.join(this.projectDir, `Pulumi.${this.stack}.yaml`), "utf8");
    }

    restoreStackFile(text: string): void {
        fs.writeFileSync(path.join(this.projectDir, `Pulumi.${this.stack}.yaml`), text);
    }

    preview(extra: string[] = []): Preview {
        const result = this.exec(["preview", "--json", ...extra]);
        if (result.status !== 0) {
            const errors = jsonDiagnostics(result.stdout, "error");
            fail(`pulumi preview exited ${result.status}:\n${errors.length > 0 ? errors.join("\n") : cliWords(result)}`);
        }
        return parsePreview(result.stdout);
    }

    configSet(key: string, value: string, options: { secret?: boolean; path?: boolean } = {}): void {
        // --plaintext: the CLI refuses plain values that look like secrets (an env var name such as API_TOKEN).
        this.must(["config", "set", ...(options.path ? ["--path"] : []), options.secret ? "--secret" : "--plaintext", key, value]);
    }

    /** The stack's state as `pulumi stack export` writes it (secrets encrypted). */
    exportText(): string {
        return this.must(["stack", "export"]).stdout;
    }

    resources(): StateResource[] {
        const parsed: unknown = JSON.parse(this.exportText());
        return isDeployment(parsed) ? (parsed.deployment.resources ?? []) : fail("pulumi stack export printed no deployment");
    }
}

function isDeployment(value: unknown): value is { deployment: { resources?: StateResource[] } } {
    return typeof value === "object" && value !== null && "deployment" in value && typeof value.deployment === "object";
}

export function parsePreview(text: string): Preview {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        fail(`pulumi preview --json printed no JSON:\n${text.slice(0, 2000)}`);
    }
    if (typeof parsed !== "object" || parsed === null || !("steps" in parsed) || !Array.isArray(parsed.steps)) {
        return { steps: [], changeSummary: {} };
    }
    const summary =
        "changeSummary" in parsed && typeof parsed.changeSummary === "object" && parsed.changeSummary !== null ? parsed.changeSummary : {};
    return {
        steps: parsed.steps,
        changeSummary: Object.fromEntries(Object.entries(summary).filter((e): e is [string, number] => typeof e[1] === "number")),
    };
}

/** The messages of one severity in `pulumi preview --json` output (its own words, without the plan). */
function jsonDiagnostics(text: string, severity: string): string[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return [];
    }
    const diagnostics =
        typeof parsed === "object" && parsed !== null && "diagnostics" in parsed && Array.isArray(parsed.diagnostics)
            ? parsed.diagnostics
            : [];
    return diagnostics.flatMap((d: unknown) =>
        typeof d === "object" && d !== null && "severity" in d && d.severity === severity && "message" in d && typeof d.message === "string"
            ? [d.message.trim()]
            : [],
    );
}

/** The CLI's own words: its diagnostics and errors, without the progress noise. */
export function cliWords(result: CommandResult): string {
    const text = `${result.stdout}\n${result.stderr}`;
    const interesting = text
        .split("\n")
        .filter((line) => /error|fail|warning|violat|forbidden|denied|invalid|refus|mandatory|protected/i.test(line))
        .map((line) => line.trimEnd());
    const lines = interesting.length > 0 ? interesting : text.trim().split("\n").slice(-30);
    return [...new Set(lines)].slice(0, 40).join("\n");
}

/** A resource's short name for messages: type and Pulumi name from its URN. */
export function describeUrn(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2]?.split("$").pop() ?? "?"} ${parts[3] ?? urn}`;
}
