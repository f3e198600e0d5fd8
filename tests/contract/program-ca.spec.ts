// Contract: tls.source=pulumi with the real registry 3.7.1 and the real runtime, on the
// certificates the program's own CA issues (its dynamic provider's code, run by the render) and
// the Secrets the program renders for them: the registry starts in strict mode and passes its
// probes; a client presenting a program-issued agent certificate, and verifying the registry's
// certificate for the Service name agents dial, is admitted; a client without one is refused.
// Agents registering and calling each other over mutual TLS on certificates in the same layout:
// mesh-tls.spec.ts (here the runtime would dial the registry by IP, which no program-issued
// certificate names: there is no cluster DNS on loopback).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { ClientCertificate, httpGet, ImageContract, LocalCluster, probeOk, RunningPod, waitFor } from "../support/pod-runner";
import { podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { configFrom, find } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;
const NAMESPACE = "mesh-contract-program-ca";
const REGISTRY_HOST = `mcp-mesh-registry.${NAMESPACE}.svc.cluster.local`;

function secretData(objects: K8sObject[], name: string): Record<string, string> {
    const secret = find(objects, "Secret", name) as K8sObject & { stringData?: Record<string, string> };
    assert.ok(secret.stringData, `Secret ${name} has stringData`);
    return secret.stringData;
}

function probes(workload: K8sObject): unknown[] {
    const container = podTemplate(workload)?.spec.containers[0];
    assert.ok(container);
    return [container.startupProbe, container.livenessProbe, container.readinessProbe];
}

/** GET over mutual TLS, verifying the server's certificate against `ca` for `servername` (as a mesh client does). */
function verifiedGet(url: string, servername: string, ca: string, client?: ClientCertificate): Promise<number> {
    return new Promise((resolve, reject) => {
        const request = https.get(url, { servername, ca, rejectUnauthorized: true, timeout: 10_000, ...client }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
        });
        request.on("timeout", () => request.destroy(new Error(`timeout: ${url}`)));
        request.on("error", reject);
    });
}

describe("contract: tls.source=pulumi, certificates from the program's own CA", function () {
    this.timeout(4 * START_MS);
    let tools: ContractTools;
    let rendered: Rendered;
    let cluster: LocalCluster;
    let work: string;
    let imageBin: string;
    let registryPort: number;
    let agentPort: number;
    let registry: RunningPod;

    const image = (workload: K8sObject): ImageContract =>
        workload.kind === "StatefulSet"
            ? { entrypoint: [tools.registry], cmd: ["--host", "0.0.0.0", "--port", "8000"] }
            : { entrypoint: [tools.python] };

    before(async function () {
        tools = requireContractTools(this);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-program-ca-"));
        registryPort = await freePort();
        agentPort = await freePort();
        rendered = await renderStack({
            stack: "tls",
            config: configFrom({
                namespace: NAMESPACE,
                tls: { enabled: true, source: "pulumi" },
                registry: { port: registryPort },
                agents: [{ name: "hello-world", code: "agents/hello_world.py", service: { port: agentPort } }],
            }),
            redact: false,
            generated: () => "generated",
            issueCertificates: true,
        });
        imageBin = path.join(work, "image-bin");
        fs.mkdirSync(imageBin);
        fs.symlinkSync(tools.python, path.join(imageBin, "python"));
        cluster = new LocalCluster(rendered.objects, work, [imageBin]);
    });

    after(async function () {
        this.timeout(60_000);
        await cluster?.stopAll();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("the registry starts in strict mode on its program-issued certificate and passes every probe it declares", async () => {
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        registry = cluster.run(statefulSet, image(statefulSet));
        for (const probe of probes(statefulSet)) {
            await waitFor("the registry passes its probe", () => probeOk(registry, probe, [imageBin]), START_MS, registry);
        }
        assert.match(registry.output(), /loaded 1 entity CA\(s\)/);
    });

    it("admits a client with a program-issued agent certificate that verifies the registry for its Service name; refuses one without", async () => {
        const agent = secretData(rendered.objects, "hello-world-tls");
        const ca = agent["ca.crt"];
        assert.equal(ca, secretData(rendered.objects, "mcp-mesh-registry-tls")["ca.crt"], "one CA for every workload");
        const url = `https://${registry.ip}:${registryPort}/health`;
        assert.equal(await verifiedGet(url, REGISTRY_HOST, ca, { cert: agent["tls.crt"], key: agent["tls.key"] }), 200);
        assert.equal((await httpGet(url)).status, 403, "no client certificate");
        await assert.rejects(verifiedGet(url, "elsewhere.example", ca, { cert: agent["tls.crt"], key: agent["tls.key"] }), /altnames/);
    });
});
