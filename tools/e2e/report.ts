// Results of an e2e run: each step passes or fails with the object and the tool's own words;
// a summary per stack and a closing `N passed, N failed` line.

export class StepFailure extends Error {}

/** Fails the current step with a message naming what went wrong. */
export function fail(message: string): never {
    throw new StepFailure(message);
}

export function check(condition: boolean, message: string): void {
    if (!condition) fail(message);
}

interface Outcome {
    suite: string;
    step: string;
    passed: boolean;
    seconds: number;
    detail?: string;
}

export class Report {
    private readonly outcomes: Outcome[] = [];

    /** Runs one step; a failure is recorded (and printed) and the run goes on unless `critical`. */
    async step(suite: string, step: string, body: () => Promise<void> | void, options: { critical?: boolean } = {}): Promise<boolean> {
        const started = Date.now();
        process.stdout.write(`[e2e] ${suite}: ${step} ...\n`);
        try {
            await body();
            const seconds = (Date.now() - started) / 1000;
            this.outcomes.push({ suite, step, passed: true, seconds });
            process.stdout.write(`[e2e] ${suite}: ${step}: ok (${seconds.toFixed(1)} s)\n`);
            return true;
        } catch (error) {
            const seconds = (Date.now() - started) / 1000;
            const detail =
                error instanceof StepFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
            this.outcomes.push({ suite, step, passed: false, seconds, detail });
            process.stdout.write(`[e2e] ${suite}: ${step}: FAILED (${seconds.toFixed(1)} s)\n${indent(detail)}\n`);
            if (options.critical) {
                throw new StepFailure(`${suite}: ${step} failed; the steps after it cannot run`);
            }
            return false;
        }
    }

    get failed(): number {
        return this.outcomes.filter((o) => !o.passed).length;
    }

    summary(): string {
        const suites = [...new Set(this.outcomes.map((o) => o.suite))];
        const lines = suites.map((suite) => {
            const mine = this.outcomes.filter((o) => o.suite === suite);
            const failed = mine.filter((o) => !o.passed);
            const seconds = mine.reduce((sum, o) => sum + o.seconds, 0);
            return (
                `${suite}: ${mine.length - failed.length} passed, ${failed.length} failed (${seconds.toFixed(0)} s)` +
                failed.map((o) => `\n  FAILED ${o.step}: ${firstLine(o.detail)}`).join("")
            );
        });
        const passed = this.outcomes.length - this.failed;
        return [...lines, `${passed} passed, ${this.failed} failed`].join("\n");
    }
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n");
}

function firstLine(text: string | undefined): string {
    return (text ?? "").split("\n")[0];
}
