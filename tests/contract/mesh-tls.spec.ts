// Contract: tls.enabled with the real registry 3.7.1 and the real runtime (mcp-mesh 3.7.1),
// started from the rendered objects with certificates laid out as every source's Secrets hold
// them (tls.crt, tls.key, ca.crt; made here with openssl): strict registration, mutual TLS
// between agents, exec probes that present the mesh certificate, and renewal restarts.
import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as tls from "tls";
import * as os from "os";
import * as path from "path";
import { MESH_TLS_DIR } from "../../components/k8s/mesh-tls";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { Ca, LOOPBACK_POD_IPS, makeCa, makeLeaf, Pem, tlsSecret } from "../support/mesh-pki";
import {
    ClientCertificate,
    execProbe,
    httpGet,
    ImageContract,
    mcpCall,
    LocalCluster,
    probeOk,
    RunningPod,
    waitFor,
} from "../support/pod-runner";
import { podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const NAMESPACE = "mesh-contract-tls";
const AGENTS = [
    { name: "data-processor", code: "agents/data_processor.py" },
    { name: "report-generator", code: "agents/report_generator.py" },
    { name: "hello-world", code: "agents/hello_world.py" },
    // Same code, no mesh certificate of its own: started without one, or with a foreign one.
    { name: "intruder", code: "agents/hello_world.py" },
];

type Container = NonNullable<ReturnType<typeof podTemplate>>["spec"]["containers"][number];
type Probes = Pick<Container, "startupProbe" | "livenessProbe" | "readinessProbe">;

function containerOf(workload: K8sObject): Container {
    const container = podTemplate(workload)?.spec.containers[0];
    assert.ok(container, `${workload.kind}/${workload.metadata.name} has a container`);
    return container;
}

function probesOf(workload: K8sObject): [string, unknown][] {
    const container: Probes = containerOf(workload);
    return [
        ["startup", container.startupProbe],
        ["liveness", container.livenessProbe],
        ["readiness", container.readinessProbe],
    ];
}

/** POSTs a JSON-RPC call to an agent's /mcp over mutual TLS; the answer's text. */
/** The SHA-256 fingerprint of the certificate a TLS server presents (to a mesh client). */
function servedFingerprint(host: string, port: number, client: ClientCertificate): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host, port, rejectUnauthorized: false, cert: client.cert, key: client.key }, () => {
            resolve(socket.getPeerCertificate().fingerprint256);
            socket.end();
        });
        socket.on("error", reject);
    });
}

/** The workload with the runtime's TLS variables removed: an agent without mesh TLS settings. */
function withoutTlsEnv(workload: K8sObject): K8sObject {
    const copy = structuredClone(workload);
    const container = containerOf(copy);
    container.env = (container.env ?? []).filter((variable) => !variable.name.startsWith("MCP_MESH_TLS_"));
    return copy;
}

describe("contract: tls.enabled, mutual TLS on every mesh connection (certificates as the Secrets hold them)", function () {
    this.timeout(6 * START_MS);
    let tools: ContractTools;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let imageBin: string;
    let meshCa: Ca;
    let meshClient: Pem;
    let foreignClient: Pem;
    let registryPort: number;
    const ports = new Map<string, number>();
    let registry: RunningPod;
    const agentPods = new Map<string, RunningPod>();
    /** The Secrets the cluster holds (a renewal rewrites one, as cert-manager does). */
    let secretObjects: K8sObject[] = [];
    /** Each workload's renewed certificate (the renewal test writes them into the pods' volumes). */
    const renewedCerts = new Map<string, Pem>();

    const image = (workload: K8sObject): ImageContract =>
        workload.kind === "StatefulSet"
            ? { entrypoint: [tools.registry], cmd: ["--host", "0.0.0.0", "--port", "8000"] }
            : { entrypoint: [tools.python] };
    const registryUrl = (pathName: string) => `https://${registry.ip}:${registryPort}${pathName}`;
    const listed = async (client: ClientCertificate): Promise<{ name: string; endpoint: string }[]> => {
        const answer = await httpGet(registryUrl("/agents"), 5_000, client);
        assert.equal(answer.status, 200, answer.body);
        return (JSON.parse(answer.body) as { agents: { name: string; endpoint: string }[] | null }).agents ?? [];
    };

    before(async function () {
        tools = requireContractTools(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-mtls-"));
        registryPort = await freePort();
        for (const agent of AGENTS) ports.set(agent.name, await freePort());
        rendered = await renderStack({
            stack: "tls",
            config: configFrom({
                namespace: NAMESPACE,
                tls: { enabled: true, source: "secrets" },
                registry: { port: registryPort },
                agents: AGENTS.map((agent) => ({ ...agent, service: { port: ports.get(agent.name) } })),
            }),
            redact: false,
            generated: () => "generated",
        });
        const pki = path.join(work, "pki");
        meshCa = makeCa(pki, "mesh-ca");
        const foreignCa = makeCa(pki, "foreign-ca");
        const svc = (name: string) => [name, `${name}.${NAMESPACE}.svc`, `${name}.${NAMESPACE}.svc.cluster.local`];
        const secrets: K8sObject[] = [
            // Loopback stands in for cluster DNS here: the clients dial the pods' IPs, which the certificates name too.
            tlsSecret(
                "mcp-mesh-registry-tls",
                NAMESPACE,
                makeLeaf(pki, meshCa, "mcp-mesh-registry", svc("mcp-mesh-registry"), LOOPBACK_POD_IPS),
                meshCa,
            ),
            ...AGENTS.filter((a) => a.name !== "intruder").map((agent) =>
                tlsSecret(`${agent.name}-tls`, NAMESPACE, makeLeaf(pki, meshCa, agent.name, svc(agent.name), LOOPBACK_POD_IPS), meshCa),
            ),
            // The intruder trusts the mesh CA (it can reach the registry) but holds a foreign certificate.
            tlsSecret("intruder-tls", NAMESPACE, makeLeaf(pki, foreignCa, "intruder", svc("intruder"), LOOPBACK_POD_IPS), meshCa),
        ];
        meshClient = makeLeaf(pki, meshCa, "test-client", ["test-client"]);
        foreignClient = makeLeaf(pki, foreignCa, "test-client", ["test-client"]);
        // The runtime image's python, for the agents' exec probes (the registry's wget is Debian's, as in its image).
        imageBin = path.join(work, "image-bin");
        fs.mkdirSync(imageBin);
        fs.symlinkSync(tools.python, path.join(imageBin, "python"));
        secretObjects = secrets;
        cluster = new LocalCluster(rendered.objects, work, [imageBin], secrets);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("renders strict mode, the filestore trust dir with the CA as ca.pem, and an https registry URL", () => {
        const settings = find(rendered.objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_TLS_MODE, "strict");
        assert.equal(settings.MCP_MESH_TRUST_BACKEND, "filestore");
        assert.equal(rendered.outputs.registryUrl, `https://mcp-mesh-registry.${NAMESPACE}.svc.cluster.local:${registryPort}`);
    });

    it("the registry starts in strict mode with the mesh CA as its only trust, and passes every probe it declares (exec, mesh certificate)", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        registry = cluster.run(statefulSet, image(statefulSet));
        const [, startup] = probesOf(statefulSet)[0];
        await waitFor("the registry passes its startup probe", () => probeOk(registry, startup, [imageBin]), START_MS, registry);
        for (const [kind, probe] of probesOf(statefulSet)) {
            assert.ok((probe as { exec?: unknown }).exec, `${kind}: an exec probe (an httpGet probe presents no certificate)`);
            const result = await execProbe(registry, probe, [imageBin]);
            assert.equal(result.code, 0, `${kind} probe: ${result.output}\n${registry.output()}`);
        }
        assert.match(registry.output(), /TLS mode: strict \| trust backend: filestore/);
        assert.match(registry.output(), /loaded 1 entity CA\(s\)/);
    });

    it("refuses a client without a certificate or with a foreign one (403), admits the mesh's, and serves no plain HTTP", async () => {
        assert.equal((await httpGet(registryUrl("/health"))).status, 403, "no client certificate");
        assert.equal((await httpGet(registryUrl("/health"), 5_000, foreignClient)).status, 403, "a foreign certificate");
        assert.equal((await httpGet(registryUrl("/health"), 5_000, meshClient)).status, 200, "a mesh certificate");
        assert.notEqual((await httpGet(`http://${registry.ip}:${registryPort}/health`)).status, 200, "plain HTTP");
    });

    it("each sample agent registers over HTTPS and passes every probe it declares (exec, mesh certificate)", async () => {
        for (const agent of AGENTS.filter((a) => a.name !== "intruder")) {
            const deployment = find(rendered.objects, "Deployment", agent.name);
            // Started one by one (a pod's port check races a neighbour binding the same port on loopback).
            const pod = cluster.run(deployment, image(deployment), { advertiseIp: true });
            agentPods.set(agent.name, pod);
            const [, startup] = probesOf(deployment)[0];
            await waitFor(`${agent.name} passes its startup probe`, () => probeOk(pod, startup, [imageBin]), START_MS, pod);
            for (const [kind, probe] of probesOf(deployment)) {
                // Readiness passes once the agent has registered (503 before).
                await waitFor(`${agent.name} passes its ${kind} probe`, () => probeOk(pod, probe, [imageBin]), START_MS, pod).catch(
                    async (error: Error) => {
                        throw new Error(`${error.message}\nlast probe: ${(await execProbe(pod, probe, [imageBin])).output}`);
                    },
                );
            }
            // Its own server requires a mesh client certificate too.
            await assert.rejects(httpGet(`https://${pod.ip}:${ports.get(agent.name)}/ready`), `${agent.name} without a client certificate`);
        }
        let agents: { name: string; endpoint: string }[] = [];
        await waitFor(
            "every sample agent is listed with an https endpoint",
            async () => {
                agents = await listed(meshClient);
                return ["data-processor", "report-generator", "hello-world"].every((name) =>
                    agents.some((a) => a.name === name && a.endpoint.startsWith("https://")),
                );
            },
            START_MS,
        ).catch((error: Error) => {
            throw new Error(`${error.message}\nlisted: ${JSON.stringify(agents)}\n${agentPods.get("hello-world")?.output() ?? ""}`);
        });
    });

    it("an agent-to-agent tool call succeeds over mutual TLS (report-generator → data-processor)", async () => {
        const reporter = agentPods.get("report-generator");
        assert.ok(reporter);
        const call = {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: {
                name: "report",
                arguments: { title: "T", records: [{ n: 2 }, { n: 1 }], steps: [{ op: "sort", field: "n" }] },
            },
        };
        let answer = "";
        await waitFor(
            "report-generator's report, transformed by data-processor",
            async () => {
                // A busy machine may drop an early call (the dependency is still resolving): retry until the deadline.
                answer = await mcpCall(`https://${reporter.ip}:${ports.get("report-generator")}/mcp`, call, meshClient).catch(
                    (error: Error) => `error: ${error.message}`,
                );
                return answer.includes("2 record(s)") && !answer.includes("Transformation skipped");
            },
            2 * START_MS,
        ).catch((error: Error) => {
            throw new Error(`${error.message}\nlast answer: ${answer}\n${reporter.output().slice(-3000)}`);
        });
        assert.match(answer, /\| 1 \|\\n\| 2 \|/, `sorted by data-processor: ${answer}`);
    });

    for (const variant of ["without mesh TLS settings", "with a foreign certificate"] as const) {
        it(`an agent ${variant} is refused by the registry`, async () => {
            const deployment = find(rendered.objects, "Deployment", "intruder");
            const workload = variant === "without mesh TLS settings" ? withoutTlsEnv(deployment) : deployment;
            const pod = cluster.run(workload, image(workload), { advertiseIp: true });
            await waitFor("the intruder tries to register", async () => /regist/i.test(pod.output()), START_MS, pod);
            // Several heartbeat periods (5 s): none gets it listed.
            await new Promise((resolve) => setTimeout(resolve, 20_000));
            assert.ok(!(await listed(meshClient)).some((a) => a.name === "intruder"), `intruder listed:\n${pod.output()}`);
            await cluster.stop(pod);
        });
    }

    it("a renewed certificate is not reloaded by the registry or the runtime: the liveness probe fails until the container restarts", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const deployment = find(rendered.objects, "Deployment", "hello-world");
        const pki = path.join(work, "pki");
        for (const [pod, workload, name, port] of [
            [registry, statefulSet, "mcp-mesh-registry", registryPort],
            [agentPods.get("hello-world"), deployment, "hello-world", ports.get("hello-world") ?? 0],
        ] as const) {
            assert.ok(pod);
            const served = await servedFingerprint(pod.ip, port, meshClient);
            const liveness = probesOf(workload)[1][1];
            assert.ok(await probeOk(pod, liveness, [imageBin]), `${pod.name}: liveness passes before the renewal`);
            const dir = pod.mounts.get(MESH_TLS_DIR);
            assert.ok(dir);
            const renewed = makeLeaf(pki, meshCa, name, [name], LOOPBACK_POD_IPS);
            renewedCerts.set(name, renewed);
            assert.notEqual(new X509Certificate(renewed.cert).fingerprint256, served);
            fs.writeFileSync(path.join(dir, "tls.crt"), renewed.cert);
            fs.writeFileSync(path.join(dir, "tls.key"), renewed.key);
            const result = await execProbe(pod, liveness, [imageBin]);
            assert.notEqual(result.code, 0, `${pod.name}: liveness fails once the mounted certificate is renewed`);
            assert.match(result.output, /mesh certificate renewed/);
            // Measured: neither reloads it (a new handshake a while later still gets the old certificate).
            await new Promise((resolve) => setTimeout(resolve, 10_000));
            assert.equal(
                await servedFingerprint(pod.ip, port, meshClient),
                served,
                `${pod.name} still serves the certificate it started with`,
            );
        }
    });

    it("the restarted registry loads the renewed certificate, and its probes pass again", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        const renewed = renewedCerts.get("mcp-mesh-registry");
        assert.ok(renewed);
        // The Secret as cert-manager leaves it after the renewal; the kubelet restarts the failing container.
        const secret = secretObjects.find((o) => o.metadata.name === "mcp-mesh-registry-tls");
        assert.ok(secret);
        Object.assign(secret, { stringData: { "tls.crt": renewed.cert, "tls.key": renewed.key, "ca.crt": meshCa.cert } });
        await cluster.stop(registry);
        registry = cluster.run(statefulSet, image(statefulSet));
        for (const [kind, probe] of probesOf(statefulSet)) {
            await waitFor(
                `the restarted registry passes its ${kind} probe`,
                () => probeOk(registry, probe, [imageBin]),
                START_MS,
                registry,
            );
        }
        assert.equal(await servedFingerprint(registry.ip, registryPort, meshClient), new X509Certificate(renewed.cert).fingerprint256);
    });
});
