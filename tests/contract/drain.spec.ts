// Contract: restarts that drain first, with the real registry 3.7.1 started from the rendered
// StatefulSet. The preStop hook's own command, run the way the kubelet runs it inside the
// container, makes the registry report draining on its admin port, which stays plain HTTP
// under strict mesh TLS; a drained registry still serves and takes jobs, dispatches none, and
// the job in flight completes (its worker's result is accepted and recorded).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContractTools, requireContractTools } from "../support/contract-tools";
import { LOOPBACK_POD_IPS, makeCa, makeLeaf, tlsSecret } from "../support/mesh-pki";
import { ClientCertificate, execProbe, httpGet, httpRequest, LocalCluster, probeOk, RunningPod, waitFor } from "../support/pod-runner";
import { ContainerView, podTemplate } from "../support/pods";
import { K8sObject, renderStack } from "../support/render";
import { configFrom, find, projectConfigOf } from "../support/stacks";
import { freePort } from "../../tools/e2e/processes";
import { z } from "zod";

const START_MS = 90_000;
/** How long the test lets the preStop hook wait for the job in flight (the rendered grace period is 90 s). */
const HOOK_LIMIT_MS = 90_000;

interface DrainState {
    draining: boolean;
    live_claims: number;
}

function registryContainer(statefulSet: K8sObject): ContainerView {
    const container = podTemplate(statefulSet)?.spec.containers[0];
    assert.ok(container, "the registry StatefulSet has a container");
    return container;
}

const job = z.object({ id: z.string(), status: z.string() });
const claimedJobs = z.object({ claimed: z.array(z.object({ id: z.string(), claim_epoch: z.number() })) });

/** The registry's job API on the pod's address, as a worker agent's runtime calls it (with the mesh certificate under TLS). */
class JobApi {
    constructor(
        private readonly base: string,
        private readonly client: ClientCertificate | undefined,
    ) {}

    private async call(method: string, route: string, body?: unknown): Promise<unknown> {
        const answer = await httpRequest(method, `${this.base}${route}`, body, 10_000, this.client);
        assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${route}: ${answer.status} ${answer.body}`);
        return JSON.parse(answer.body);
    }

    async submit(capability: string): Promise<string> {
        const created = await this.call("POST", "/jobs", {
            capability,
            submitted_payload: { args: {} },
            submitted_by: "drain-test-submitter",
        });
        return job.parse(created).id;
    }

    /** The ids this worker was handed (none while the registry drains). */
    async claim(capability: string, worker: string): Promise<{ id: string; claim_epoch: number }[]> {
        return claimedJobs.parse(await this.call("POST", "/jobs/claim", { capability, instance_id: worker })).claimed;
    }

    async complete(id: string, claimEpoch: number, worker: string): Promise<void> {
        await this.call("POST", "/jobs/batch", {
            instance_id: worker,
            deltas: [{ id, claim_epoch: claimEpoch, status: "completed", progress: 1, result: { done: true } }],
        });
    }

    async status(id: string): Promise<string> {
        return job.parse(await this.call("GET", `/jobs/${id}`)).status;
    }
}

/** The port the registry serves (its `--port` argument). */
function servedPort(container: ContainerView): number {
    const args = container.args ?? [];
    const port = Number(args[args.indexOf("--port") + 1]);
    assert.ok(port > 0, `the registry's args name its port: ${args.join(" ")}`);
    return port;
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
        let client: ClientCertificate | undefined;

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
            client = ca ? makeLeaf(pki, ca, "drain-test-worker", ["drain-test-worker"]) : undefined;
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

        it("the preStop command drains: GET /admin/drain says so, new jobs wait, the job in flight completes, the registry keeps serving", async () => {
            const adminPort = Number(settings.MCP_MESH_ADMIN_PORT);
            assert.ok(adminPort > 0, "MCP_MESH_ADMIN_PORT is set");
            const container = registryContainer(statefulSet);
            const registry = cluster.run(statefulSet, {
                entrypoint: [tools.registry],
                cmd: ["--host", "0.0.0.0", "--port", "8000"],
            });
            await waitFor("the registry is ready", () => probeOk(registry, container.readinessProbe, [imageBin]), START_MS, registry);
            assert.deepEqual(await drainState(registry, adminPort), { draining: false, live_claims: 0 });

            const jobs = new JobApi(`${client ? "https" : "http"}://${registry.ip}:${servedPort(container)}`, client);
            const capability = "long_report";
            const worker = "report-worker-1";
            const inFlight = await jobs.submit(capability);
            const claimed = await jobs.claim(capability, worker);
            assert.deepEqual(
                claimed.map((job) => job.id),
                [inFlight],
                "before the drain the worker is handed the job",
            );
            assert.deepEqual(await drainState(registry, adminPort), { draining: false, live_claims: 1 });

            const preStop = container.lifecycle?.preStop?.exec;
            assert.ok(preStop, "a preStop exec hook");
            // The kubelet runs the hook and waits for it (up to the grace period) before it stops the container.
            let hookExited = false;
            const hook = execProbe(registry, { exec: preStop }, [imageBin], HOOK_LIMIT_MS).then((result) => {
                hookExited = true;
                return result;
            });
            await waitFor("the registry drains", async () => (await drainState(registry, adminPort)).draining, START_MS, registry);
            assert.deepEqual(await drainState(registry, adminPort), { draining: true, live_claims: 1 });
            assert.match(registry.output(), /drain mode ENABLED/);
            const waiting = await jobs.submit(capability);
            assert.deepEqual(await jobs.claim(capability, "report-worker-2"), [], "a draining registry dispatches no new job");
            assert.equal(hookExited, false, "the preStop hook returned while a job was in flight");

            await jobs.complete(inFlight, claimed[0].claim_epoch, worker);
            assert.equal(await jobs.status(inFlight), "completed", "the job in flight completes during the drain");
            const finished = await hook;
            assert.equal(finished.code, 0, `the preStop hook, once no job is in flight: ${finished.output}`);
            assert.deepEqual(await drainState(registry, adminPort), { draining: true, live_claims: 0 });
            assert.notEqual(await jobs.status(waiting), "completed", "the job submitted during the drain waits");
            assert.ok(await probeOk(registry, container.readinessProbe, [imageBin]), "a draining registry stays ready");
            assert.equal(podTemplate(statefulSet)?.spec.terminationGracePeriodSeconds, 90);
        });
    });
}
