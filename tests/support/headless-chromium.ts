// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
// JSON messages ending in NUL on fds 3 and 4), so a test can wait until a page shows what it
// should and then take a screenshot. `--dump-dom` and `--screenshot` cannot: they wait for the
// network to go idle, and a page holding an event stream (the dashboard's) never does.
import { ChildProcess, spawn } from "child_process";
import { Readable, Writable } from "stream";

interface Reply {
    id?: number;
    result?: Record<string, unknown>;
    error?: { message: string };
}

export class HeadlessChromium {
    private readonly process: ChildProcess;
    private readonly input: Writable;
    private nextId = 1;
    private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
    private buffer = "";
    private stderr = "";

    constructor(binary: string, profileDir: string) {
        this.process = spawn(
            binary,
            [
                ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"],
                ...[`--user-data-dir=${profileDir}`, "--window-size=1440,900", "--remote-debugging-pipe", "about:blank"],
            ],
            { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
        );
        const [, , errors, input, output] = this.process.stdio;
        if (!(input instanceof Writable) || !(output instanceof Readable) || !(errors instanceof Readable)) {
            throw new Error("chromium: no DevTools pipe");
        }
        this.input = input;
        errors.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
        output.on("data", (chunk: Buffer) => this.receive(chunk.toString()));
        this.process.on("exit", () => {
            for (const waiter of this.pending.values()) waiter.reject(new Error(`chromium exited: ${this.stderr}`));
            this.pending.clear();
        });
    }

    private receive(text: string): void {
        this.buffer += text;
        let end: number;
        while ((end = this.buffer.indexOf("\0")) >= 0) {
            const reply = JSON.parse(this.buffer.slice(0, end)) as Reply;
            this.buffer = this.buffer.slice(end + 1);
            const waiter = reply.id !== undefined ? this.pending.get(reply.id) : undefined;
            if (waiter && reply.id !== undefined) {
                this.pending.delete(reply.id);
                if (reply.error) waiter.reject(new Error(reply.error.message));
                else waiter.resolve(reply.result ?? {});
            }
        }
    }

    /** One DevTools command (to the browser, or to a page's session). */
    send(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
        });
    }

    /** Opens `url` in a new page; its session id. */
    async open(url: string): Promise<string> {
        const { targetId } = await this.send("Target.createTarget", { url });
        const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
        if (typeof sessionId !== "string") throw new Error("chromium: no session");
        return sessionId;
    }

    /** The page's visible text. */
    async text(sessionId: string): Promise<string> {
        const { result } = await this.send("Runtime.evaluate", { expression: "document.body ? document.body.innerText : ''" }, sessionId);
        const value = result && typeof result === "object" ? Reflect.get(result, "value") : undefined;
        return typeof value === "string" ? value : "";
    }

    /** A PNG of the page as it is now. */
    async screenshot(sessionId: string): Promise<Buffer> {
        const { data } = await this.send("Page.captureScreenshot", { format: "png" }, sessionId);
        if (typeof data !== "string") throw new Error("chromium: no screenshot");
        return Buffer.from(data, "base64");
    }

    async close(): Promise<void> {
        if (this.process.exitCode === null) {
            const exited = new Promise((resolve) => this.process.once("exit", resolve));
            this.process.kill("SIGTERM");
            await exited;
        }
    }
}
