// The alert tests' tools, installed by .ci/prometheus-tools.sh outside the clone: the
// PrometheusRule CRD of a pinned Prometheus Operator release (its Go module), and Prometheus's
// own PromQL parser and engine as a Go test binary (tests/promql). Missing tools skip the
// tests, or fail them under CI=true.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { K8sObject } from "./render";

/** The Prometheus Operator release whose CRD judges the rendered PrometheusRule (.ci/prometheus-tools.sh reads this line). */
export const PROMETHEUS_OPERATOR_VERSION = "v0.85.0";

const PROMQL_DIR = path.resolve(__dirname, "../promql");

export interface PrometheusTools {
    /** The prometheus-operator's monitoring.coreos.com_prometheusrules.yaml. */
    crd: K8sObject;
    /** The `go test -c` binary of tests/promql. */
    promqlBinary: string;
}

function toolsHome(): string {
    return process.env.MCP_MESH_TOOLS_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "mcp-mesh-tools");
}

function discover(): { found: true; crdFile: string; promqlBinary: string } | { found: false; missing: string[] } {
    const crdFile = path.join(
        toolsHome(),
        `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}`,
        "monitoring.coreos.com_prometheusrules.yaml",
    );
    const hash = createHash("sha256");
    for (const file of ["go.sum", "go.mod", "promql_test.go"]) hash.update(fs.readFileSync(path.join(PROMQL_DIR, file)));
    const promqlBinary = path.join(toolsHome(), `promql-${hash.digest("hex").slice(0, 12)}`, "promql.test");
    const missing = [crdFile, promqlBinary].filter((file) => !fs.existsSync(file));
    return missing.length > 0 ? { found: false, missing } : { found: true, crdFile, promqlBinary };
}

/** The tools, or the suite stops: skipped with a message locally, failed under CI=true. */
export function requirePrometheusTools(context: Mocha.Context): PrometheusTools {
    const found = discover();
    if (found.found) {
        const crd: K8sObject = parse(fs.readFileSync(found.crdFile, "utf8"));
        return { crd, promqlBinary: found.promqlBinary };
    }
    const message = `alert tests: missing ${found.missing.join(", ")}; install with: .ci/prometheus-tools.sh`;
    if (process.env.CI === "true") throw new Error(`${message} (CI=true, so the tests fail instead of skipping)`);
    console.warn(`SKIPPED ${message}`);
    return context.skip();
}

export interface PromqlMatcher {
    label: string;
    /** `=`, `!=`, `=~` or `!~`. */
    type: string;
    value: string;
}

export interface ParsedRule {
    alert: string;
    /** The parser's message, when the expression does not parse. */
    error?: string;
    /** Each series selector of the expression, as its label matchers (`__name__` included). */
    series: PromqlMatcher[][];
}

function runBinary(binary: string, test: string, env: Record<string, string>): { status: number | null; output: string } {
    const result = spawnSync(binary, [`-test.run=^${test}$`, "-test.v"], { encoding: "utf8", env: { ...process.env, ...env } });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Every rule of `spec` parsed by Prometheus's PromQL parser. */
export function parseRules(tools: PrometheusTools, spec: unknown): ParsedRule[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promql-"));
    try {
        fs.writeFileSync(path.join(dir, "rules.json"), JSON.stringify(spec));
        const { status, output } = runBinary(tools.promqlBinary, "TestSelectors", {
            PROMQL_RULES: path.join(dir, "rules.json"),
            PROMQL_OUT: path.join(dir, "parsed.json"),
        });
        if (status !== 0) throw new Error(`promql.test TestSelectors exited ${status}:\n${output}`);
        const parsed: ParsedRule[] = JSON.parse(fs.readFileSync(path.join(dir, "parsed.json"), "utf8"));
        return parsed;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Runs a promqltest script (load, eval, expected results) on Prometheus's engine: undefined when it passes, else the failure. */
export function promqlScriptFailure(tools: PrometheusTools, script: string): string | undefined {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promql-"));
    try {
        fs.writeFileSync(path.join(dir, "script.test"), script);
        const { status, output } = runBinary(tools.promqlBinary, "TestScript", { PROMQL_SCRIPT: path.join(dir, "script.test") });
        return status === 0 ? undefined : output;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
