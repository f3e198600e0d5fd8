// `npm run bench`: evaluation time and peak memory of the program's stacks, each next to a
// baseline that registers as many bare resources as a default Pulumi TypeScript project.
// Every measurement is a fresh process (child.js), so module loading and compilation count.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { benchRealPreviews } from "../e2e/preview-bench";

interface Sample {
    mode: string;
    arg: string;
    transpileOnly: boolean;
    resources: number;
    totalMs: number;
    evalMs: number;
    peakMB: number;
}

const SCENARIOS = ["dev", "prod", "agents-10", "agents-100", "agents-1000"];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHILD = path.join(__dirname, "child.js");

/** Node flags Pulumi.yaml gives the program (runtime.options.nodeargs), as `pulumi up` would. */
function programNodeArgs(): string[] {
    const project = parse(fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8")) as {
        runtime?: { options?: { nodeargs?: string } };
    };
    return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

function measure(mode: "program" | "baseline", arg: string, runs: number): Sample {
    const nodeArgs = mode === "program" ? programNodeArgs() : [];
    const samples = Array.from(
        { length: runs },
        () =>
            JSON.parse(execFileSync(process.execPath, [...nodeArgs, CHILD, mode, arg], { encoding: "utf8", maxBuffer: 1 << 20 })) as Sample,
    );
    // The median run by wall time; peak memory is the largest seen.
    const sorted = [...samples].sort((a, b) => a.totalMs - b.totalMs);
    return { ...sorted[Math.floor(sorted.length / 2)], peakMB: Math.max(...samples.map((s) => s.peakMB)) };
}

function row(cells: (string | number)[]): string {
    return cells.map((cell, i) => (i === 0 ? String(cell).padEnd(12) : String(cell).padStart(11))).join(" ");
}

function main(): void {
    console.log(`median of ${RUNS} fresh processes each (agents-1000: one); times include loading the program as pulumi up would`);
    console.log(row(["stack", "resources", "ms total", "ms/resource", "peak MB", "base ms", "base MB", "speed-up"]));
    for (const scenario of SCENARIOS) {
        // The largest stack runs once per side: it takes half a minute.
        const runs = scenario === "agents-1000" ? 1 : RUNS;
        const program = measure("program", scenario, runs);
        const baseline = measure("baseline", String(program.resources), runs);
        console.log(
            row([
                scenario,
                program.resources,
                program.totalMs.toFixed(0),
                (program.totalMs / program.resources).toFixed(2),
                program.peakMB.toFixed(0),
                baseline.totalMs.toFixed(0),
                baseline.peakMB.toFixed(0),
                `${(baseline.totalMs / program.totalMs).toFixed(2)}x`,
            ]),
        );
    }
    console.log("program: ts-node as Pulumi.yaml configures it (tsconfig.pulumi.json, noCheck); baseline: ts-node defaults (type-checks)");
    for (const line of benchRealPreviews(path.resolve(__dirname, "../.."), RUNS)) console.log(line);
}

main();
