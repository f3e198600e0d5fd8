// Contract: restarts that drain first, with the real registry 3.7.1 started from the rendered
// StatefulSet. The preStop hook's own command, run the way the kubelet runs it inside the
// container, makes the registry report draining on its admin port, which stays plain HTTP
// under strict mesh TLS; a drained registry still serves (it only pauses new job dispatch).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { LOOPBACK_POD_IPS, makeCa, makeLeaf, tlsSecret } from "../support/mesh-pki";
import { execProbe, httpGet, LocalCluster, probeOk, RunningPod, waitFor } from "../support/pod-runner";
import { ContainerView, podTemplate } from "../support/pods";
import { K8sObject, renderStack } from "../support/render";
import { configFrom, find, projectConfigOf } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";

const START_MS = 90_000;

interface DrainState {
    draining: boolean;
    live_claims: number;
}

function registryContainer(statefulSet: K8sObject): ContainerView {
    const container = podTemplate(statefulSet)?.spec.containers[0];
    assert.ok(container, "the registry StatefulSet has a container");
    return container;
}

/** The admin port's drain state, as GET answers it on the pod's address. */
async function drainState(pod: RunningPod, adminPort: number): Promise<DrainState> {
    const answer = await httpGet(`http://${pod.ip}:${adminPort}/admin/drain`);
    assert.equal(answer.status, 200, answer.body);
    return JSON.parse(answer.body) as DrainState;
}

for (const variant of ["plain HTTP", "strict mesh TLS"] as const) {
    describe(`contract: the registry's preStop hook drains it (${variant})`, function () {
        this.timeout(4 * START_MS);
        const namespace = variant === "plain HTTP" ? "mesh-contract-drain" : "mesh-contract-drain-tls";
        let tools: ContractTools;
        let cluster: LocalCluster;
        let work: string;
        let statefulSet: K8sObject;
        let settings: Record<string, string>;
        let imageBin: string;

        before(async function () {
            tools = requireContractTools(this);
            work = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-contract-drain-"));
            const dev = projectConfigOf("dev", "fixture");
            const tls = variant === "strict mesh TLS";
            const rendered = await renderStack({
                stack: "dev",
                config: configFrom({
                    ...dev,
                    namespace,
                    agents: [],
                    dashboard: { enabled: false },
                    // The registry alone (and the program's Redis is refused under mesh TLS).
                    tracing: { enabled: false },
                    registry: {
                        ...(dev.registry as Record<string, unknown>),
                        port: await freePort(),
                        drain: { adminPort: await freePort(), gracePeriodSeconds: 90 },
                    },
                    ...(tls ? { tls: { enabled: true, source: "secrets" } } : {}),
                }),
                redact: false,
                generated: () => "generated",
            });
            const pki = path.join(work, "pki");
            const ca = tls ? makeCa(pki, "mesh-ca") : undefined;
            const name = "mcp-mesh-registry";
            const svc = [name, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
            const secrets = ca ? [tlsSecret(`${name}-tls`, namespace, makeLeaf(pki, ca, name, svc, LOOPBACK_POD_IPS), ca)] : [];
            // The registry image's programs its probes and hook run (sh, wget, grep): Debian's, as in the image.
            imageBin = path.join(work, "image-bin");
            fs.mkdirSync(imageBin);
            cluster = new LocalCluster(rendered.objects, work, [imageBin], secrets);
            statefulSet = find(rendered.objects, "StatefulSet", name);
            settings = find(rendered.objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        });

        after(async function () {
            this.timeout(60_000);
            await cluster?.stopAll();
            if (work) fs.rmSync(work, { recursive: true, force: true });
        });

        it("the preStop command makes GET /admin/drain report draining, and the registry keeps serving", async () => {
            const adminPort = Number(settings.MCP_MESH_ADMIN_PORT);
            assert.ok(adminPort > 0, "MCP_MESH_ADMIN_PORT is set");
            const container = registryContainer(statefulSet);
            const registry = cluster.run(statefulSet, {
                entrypoint: [tools.registry],
                cmd: ["--host", "0.0.0.0", "--port", "8000"],
            });
            await waitFor("the registry is ready", () => probeOk(registry, container.readinessProbe, [imageBin]), START_MS, registry);
            assert.deepEqual(await drainState(registry, adminPort), { draining: false, live_claims: 0 });

            const preStop = container.lifecycle?.preStop?.exec;
            assert.ok(preStop, "a preStop exec hook");
            const hook = await execProbe(registry, { exec: preStop }, [imageBin]);
            assert.equal(hook.code, 0, hook.output);

            assert.deepEqual(await drainState(registry, adminPort), { draining: true, live_claims: 0 });
            assert.match(registry.output(), /drain mode ENABLED/);
            assert.ok(await probeOk(registry, container.readinessProbe, [imageBin]), "a draining registry stays ready");
            assert.equal(podTemplate(statefulSet)?.spec.terminationGracePeriodSeconds, 90);
        });
    });
}
