// Contract: distributed tracing with the real programs, each started from the rendered objects:
// the program's Redis (Debian's redis-server standing in for the redis image, on the rendered
// redis.conf from the rendered Secret), the registry 3.7.1 (not a trace reader without Tempo),
// meshui 3.7.1 and two sample agents
// (mcp-mesh 3.7.1), REDIS_URL resolved from the Secret by secretKeyRef as the kubelet would.
// A tool call that crosses both agents must show up through the dashboard's trace API as one
// trace naming both: the agents published to the stream, meshui read it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { discoverRedisServer, requireTools } from "../support/db-tools";
import { httpGet, ImageContract, LocalCluster, mcpCall, probeOk, probeUrl, RunningPod, waitFor } from "../support/pod-runner";
import { podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find, projectConfigOf } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const NAMESPACE = "mesh-contract-trace";
const AGENTS = [
    { name: "data-processor", code: "agents/data_processor.py" },
    { name: "report-generator", code: "agents/report_generator.py" },
];

interface TraceSummary {
    trace_id: string;
    agents: string[] | null;
}

function containerOf(workload: K8sObject): NonNullable<ReturnType<typeof podTemplate>>["spec"]["containers"][number] {
    const container = podTemplate(workload)?.spec.containers[0];
    assert.ok(container, `${workload.kind}/${workload.metadata.name} has a container`);
    return container;
}

/** POSTs a JSON-RPC call to an agent's /mcp; the answer's text. */
describe("contract: tracing: a call across two agents is one trace the dashboard shows with both", function () {
    this.timeout(8 * START_MS);
    let tools: ContractTools;
    let redisServer: string;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    const ports = new Map<string, number>();
    const pods = new Map<string, RunningPod>();

    before(async function () {
        tools = requireContractTools(this);
        redisServer = requireTools(this, "contract tracing", discoverRedisServer()).redisServer;
        const dev = projectConfigOf("dev", "fixture");
        for (const agent of AGENTS) ports.set(agent.name, await freePort());
        rendered = await renderStack({
            stack: "dev",
            config: configFrom({
                ...dev,
                namespace: NAMESPACE,
                registry: { ...(dev.registry as Record<string, unknown>), port: await freePort() },
                dashboard: { ...(dev.dashboard as Record<string, unknown>), port: await freePort() },
                // The dev fixture's tracing, Redis on a free port.
                tracing: { ...(dev.tracing as Record<string, unknown>), redis: { port: await freePort() } },
                agents: AGENTS.map((agent) => ({ ...agent, service: { port: ports.get(agent.name) } })),
            }),
            redact: false,
            generated: () => "generated",
        });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-trace-"));
        cluster = new LocalCluster(rendered.objects, work);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("Redis starts on the rendered redis.conf (password from the Secret) and writes nothing", async () => {
        // The redis image's entrypoint runs redis-server on a .conf argument.
        const redis = cluster.run(find(rendered.objects, "Deployment", "mcp-mesh-redis"), { entrypoint: [redisServer] });
        pods.set("redis", redis);
        await waitFor("Redis accepts connections", async () => /Ready to accept connections/.test(redis.output()), START_MS, redis);
        assert.deepEqual(fs.readdirSync(redis.rootDir), [], "nothing written to the (read-only) root filesystem");
    });

    it("the registry, both agents and meshui start from the rendered objects with tracing on", async () => {
        const images: Record<string, ImageContract> = {
            registry: { entrypoint: [tools.registry], cmd: ["--host", "0.0.0.0", "--port", "8000"] },
            runtime: { entrypoint: [tools.python] },
            ui: { entrypoint: [tools.meshui], cmd: ["--port", "3080"], env: { MCP_MESH_UI_BASE_PATH: "/ops/dashboard" } },
        };
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const registry = cluster.run(statefulSet, images.registry);
        pods.set("registry", registry);
        await waitFor("the registry is ready", () => probeOk(registry, containerOf(statefulSet).readinessProbe), START_MS, registry);
        for (const agent of AGENTS) {
            const deployment = find(rendered.objects, "Deployment", agent.name);
            // One by one (a pod's port check races a neighbour binding the same port on loopback).
            const pod = cluster.run(deployment, images.runtime, { advertiseIp: true });
            pods.set(agent.name, pod);
            await waitFor(`${agent.name} is ready`, () => probeOk(pod, containerOf(deployment).readinessProbe), START_MS, pod);
        }
        const deployment = find(rendered.objects, "Deployment", "mcp-mesh-dashboard");
        const dashboard = cluster.run(deployment, images.ui);
        pods.set("dashboard", dashboard);
        await waitFor("the dashboard is ready", () => probeOk(dashboard, containerOf(deployment).readinessProbe), START_MS, dashboard);
    });

    it("report-generator → data-processor: the dashboard's trace API shows one trace with both agents", async () => {
        const reporter = pods.get("report-generator");
        const dashboard = pods.get("dashboard");
        assert.ok(reporter && dashboard);
        const call = {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "report", arguments: { title: "T", records: [{ n: 2 }, { n: 1 }], steps: [{ op: "sort", field: "n" }] } },
        };
        let answer = "";
        await waitFor(
            "report-generator's report, transformed by data-processor",
            async () => {
                // A busy machine may drop an early call (the dependency is still resolving): retry until the deadline.
                answer = await mcpCall(`http://${reporter.ip}:${ports.get("report-generator")}/mcp`, call).catch(
                    (error: Error) => `error: ${error.message}`,
                );
                return answer.includes("2 record(s)") && !answer.includes("Transformation skipped");
            },
            2 * START_MS,
        ).catch((error: Error) => {
            throw new Error(`${error.message}\nlast answer: ${answer}\n${reporter.output().slice(-3000)}`);
        });
        const recent = probeUrl(dashboard, { httpGet: { path: "/api/trace/recent", port: "http" } });
        let traces: TraceSummary[] = [];
        await waitFor(
            "a trace naming data-processor and report-generator",
            async () => {
                const response = await httpGet(recent);
                traces = response.status === 200 ? ((JSON.parse(response.body) as { traces: TraceSummary[] | null }).traces ?? []) : [];
                return traces.some((trace) => AGENTS.every((agent) => (trace.agents ?? []).includes(agent.name)));
            },
            START_MS,
            dashboard,
        ).catch((error: Error) => {
            throw new Error(`${error.message}\ntraces: ${JSON.stringify(traces)}\n${dashboard.output().slice(-2000)}`);
        });
    });
});
