// Contract: the dashboard with the real meshui 3.7.1 (what mcpmesh/ui runs), the real registry
// and the real sample agents, each started from the rendered objects: meshui proxies the
// registry's URL it is given and lists the agents registered there; headless Chromium shows
// them on the page (the screenshot lands in tests/artifacts/dashboard.png). Under mesh TLS,
// meshui presents the dashboard's mesh certificate to the strict registry (and without it the
// registry refuses it).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { discoverChromium, requireTools } from "../support/db-tools";
import { HeadlessChromium } from "../support/headless-chromium";
import { LOOPBACK_POD_IPS, makeCa, makeLeaf, tlsSecret } from "../support/mesh-pki";
import { execProbe, httpGet, ImageContract, LocalCluster, probeOk, probeUrl, RunningPod, waitFor } from "../support/pod-runner";
import { podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find, projectConfigOf } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const ARTIFACTS = path.resolve(__dirname, "../artifacts");

type Container = NonNullable<ReturnType<typeof podTemplate>>["spec"]["containers"][number];

function containerOf(workload: K8sObject): Container {
    const container = podTemplate(workload)?.spec.containers[0];
    assert.ok(container, `${workload.kind}/${workload.metadata.name} has a container`);
    return container;
}

function images(tools: ContractTools): Record<string, ImageContract> {
    return {
        // mcpmesh/registry: ENTRYPOINT ["/usr/local/bin/registry"], CMD ["--host","0.0.0.0","--port","8000"].
        registry: { entrypoint: [tools.registry], cmd: ["--host", "0.0.0.0", "--port", "8000"] },
        // mcpmesh/python-runtime: ENTRYPOINT ["python"].
        runtime: { entrypoint: [tools.python] },
        // mcpmesh/ui (packaging/docker/ui.Dockerfile): ENTRYPOINT meshui, CMD --port 3080, ENV MCP_MESH_UI_BASE_PATH=/ops/dashboard.
        ui: { entrypoint: [tools.meshui], cmd: ["--port", "3080"], env: { MCP_MESH_UI_BASE_PATH: "/ops/dashboard" } },
    };
}

/** The dashboard's own URL for `pathName`, on the port its container declares. */
function dashboardUrl(pod: RunningPod, pathName: string): string {
    return probeUrl(pod, { httpGet: { path: pathName, port: "http" } });
}

async function agentNamesThrough(dashboard: RunningPod): Promise<string[]> {
    const answer = await httpGet(dashboardUrl(dashboard, "/api/agents"));
    if (answer.status !== 200) {
        return [];
    }
    return ((JSON.parse(answer.body) as { agents: { name: string }[] | null }).agents ?? []).map((agent) => agent.name);
}

describe("contract: the dashboard (meshui) lists the sample agents registered with the registry", function () {
    this.timeout(6 * START_MS);
    const AGENTS = [
        { name: "hello-world", code: "agents/hello_world.py" },
        { name: "data-processor", code: "agents/data_processor.py" },
    ];
    let tools: ContractTools;
    let chromium: string;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let dashboard: RunningPod;

    before(async function () {
        tools = requireContractTools(this);
        chromium = requireTools(this, "contract dashboard", discoverChromium()).chromium;
        const dev = projectConfigOf("dev", "fixture");
        const agentPorts = await Promise.all(AGENTS.map(() => freePort()));
        const config = {
            ...dev,
            namespace: "mesh-contract-ui",
            registry: { ...(dev.registry as Record<string, unknown>), port: await freePort() },
            // The dev fixture's dashboard, on a free port.
            dashboard: { ...(dev.dashboard as Record<string, unknown>), port: await freePort() },
            agents: AGENTS.map((agent, i) => ({ ...agent, service: { port: agentPorts[i] } })),
        };
        rendered = await renderStack({ stack: "dev", config: configFrom(config), redact: false, generated: () => "generated" });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-ui-"));
        cluster = new LocalCluster(rendered.objects, work);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("meshui starts from the rendered Deployment (the image's base path overridden) and passes every probe it declares", async () => {
        const image = images(tools);
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const registry = cluster.run(statefulSet, image.registry);
        await waitFor("the registry is ready", () => probeOk(registry, containerOf(statefulSet).readinessProbe), START_MS, registry);
        for (const agent of AGENTS) {
            cluster.run(find(rendered.objects, "Deployment", agent.name), image.runtime);
        }
        const deployment = find(rendered.objects, "Deployment", "mcp-mesh-dashboard");
        dashboard = cluster.run(deployment, image.ui);
        const container = containerOf(deployment);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            await waitFor(`the dashboard answers ${probeUrl(dashboard, probe)}`, () => probeOk(dashboard, probe), START_MS, dashboard);
        }
        assert.deepEqual(fs.readdirSync(dashboard.rootDir), [], "nothing written to the (read-only) root filesystem");
        assert.ok(fs.readdirSync(dashboard.mounts.get("/data") ?? "").includes("mcp_mesh_ui.db"), "its SQLite file is on its volume");
    });

    it("proxies the registry it is pointed at: /api/agents lists every sample agent", async () => {
        await waitFor(
            `the dashboard lists ${AGENTS.map((a) => a.name).join(", ")}`,
            async () => {
                const names = await agentNamesThrough(dashboard);
                return AGENTS.every((agent) => names.includes(agent.name));
            },
            START_MS,
            dashboard,
        );
    });

    it("the page, as headless Chromium renders it, shows the agents by name; the screenshot is kept in tests/artifacts", async () => {
        const browser = new HeadlessChromium(chromium, path.join(work, "chromium-profile"));
        try {
            const page = await browser.open(dashboardUrl(dashboard, "/"));
            let text = "";
            await waitFor(
                `the page shows ${AGENTS.map((a) => a.name).join(", ")}`,
                async () => {
                    text = await browser.text(page);
                    return AGENTS.every((agent) => text.includes(agent.name));
                },
                START_MS,
                dashboard,
            );
            assert.match(text, /Agent Overview/);
            fs.mkdirSync(ARTIFACTS, { recursive: true });
            const screenshot = path.join(ARTIFACTS, "dashboard.png");
            fs.writeFileSync(screenshot, await browser.screenshot(page));
            assert.ok(fs.statSync(screenshot).size > 10_000, `a screenshot in ${screenshot}`);
        } finally {
            await browser.close();
        }
    });
});

describe("contract: the dashboard under mesh TLS presents its mesh certificate to the strict registry", function () {
    this.timeout(6 * START_MS);
    const NAMESPACE = "mesh-contract-ui-tls";
    const AGENT = { name: "hello-world", code: "agents/hello_world.py" };
    let tools: ContractTools;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let imageBin: string;
    let dashboard: RunningPod;

    before(async function () {
        tools = requireContractTools(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-ui-tls-"));
        rendered = await renderStack({
            stack: "tls",
            config: configFrom({
                namespace: NAMESPACE,
                tls: { enabled: true, source: "secrets" },
                registry: { port: await freePort() },
                dashboard: { enabled: true, port: await freePort() },
                agents: [{ ...AGENT, service: { port: await freePort() } }],
            }),
            redact: false,
            generated: () => "generated",
        });
        const pki = path.join(work, "pki");
        const ca = makeCa(pki, "mesh-ca");
        const svc = (name: string) => [name, `${name}.${NAMESPACE}.svc`, `${name}.${NAMESPACE}.svc.cluster.local`];
        const secrets = ["mcp-mesh-registry", AGENT.name, "mcp-mesh-dashboard"].map((name) =>
            tlsSecret(`${name}-tls`, NAMESPACE, makeLeaf(pki, ca, name, svc(name), LOOPBACK_POD_IPS), ca),
        );
        // The images' programs the exec probes run: the runtime's python; Debian's wget, cmp, cut as in the registry's and ui's images.
        imageBin = path.join(work, "image-bin");
        fs.mkdirSync(imageBin);
        fs.symlinkSync(tools.python, path.join(imageBin, "python"));
        cluster = new LocalCluster(rendered.objects, work, [imageBin], secrets);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("lists the agent registered over mTLS through its proxy, and passes its exec probes (renewal check included)", async () => {
        const image = images(tools);
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const registry = cluster.run(statefulSet, image.registry);
        const ready = containerOf(statefulSet).readinessProbe;
        await waitFor("the registry is ready", () => probeOk(registry, ready, [imageBin]), START_MS, registry);
        cluster.run(find(rendered.objects, "Deployment", AGENT.name), image.runtime);
        const deployment = find(rendered.objects, "Deployment", "mcp-mesh-dashboard");
        dashboard = cluster.run(deployment, image.ui);
        const container = containerOf(deployment);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            await waitFor("the dashboard passes its probe", () => probeOk(dashboard, probe, [imageBin]), START_MS, dashboard);
        }
        const liveness = await execProbe(dashboard, container.livenessProbe, [imageBin]);
        assert.equal(liveness.code, 0, liveness.output);
        await waitFor(
            `the dashboard lists ${AGENT.name}`,
            async () => (await agentNamesThrough(dashboard)).includes(AGENT.name),
            START_MS,
            dashboard,
        );
    });

    it("without the mesh certificate the strict registry refuses meshui's proxy (so the certificate is what lets it in)", async () => {
        const deployment = structuredClone(find(rendered.objects, "Deployment", "mcp-mesh-dashboard"));
        const container = containerOf(deployment);
        // Trust the mesh CA (the registry's certificate verifies) but present no client certificate.
        container.env = (container.env ?? []).filter((v) => !["MCP_MESH_REGISTRY_TLS_CERT", "MCP_MESH_REGISTRY_TLS_KEY"].includes(v.name));
        // meshui listens on every address: the first one must be gone, or it would answer.
        await cluster.stop(dashboard);
        const bare = cluster.run(deployment, images(tools).ui);
        await waitFor("the bare dashboard is up", () => probeOk(bare, container.readinessProbe), START_MS, bare);
        assert.ok(bare.isRunning(), bare.output());
        const answer = await httpGet(dashboardUrl(bare, "/api/agents"));
        assert.notEqual(answer.status, 200, answer.body);
    });
});
