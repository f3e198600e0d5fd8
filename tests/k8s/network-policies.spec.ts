// The rendered NetworkPolicies, evaluated like the Kubernetes network model: the mesh's own
// connections pass (DNS, agents to the registry and to each other, the registry and the
// backup job to PostgreSQL), everything else is denied, MCPAgent controller pods included.
import { strict as assert } from "assert";
import { NetworkModel, Endpoint } from "../support/network-model";
import { podTemplate } from "../support/pods";
import { K8sObject } from "../support/render";
import { find, ofKind, renderConfig, renderFixture } from "../support/stacks";

const DNS: Endpoint = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
const INTERNET: Endpoint = {};

function podOf(objects: K8sObject[], kind: string, name: string): Endpoint {
    const workload = find(objects, kind, name);
    return { namespace: workload.metadata.namespace, labels: podTemplate(workload)?.metadata.labels ?? {} };
}

function emptyRuleLists(objects: K8sObject[]): string[] {
    return ofKind(objects, "NetworkPolicy").flatMap((policy) => {
        const spec = policy.spec as Record<string, unknown>;
        return ["ingress", "egress"]
            .filter((field) => Array.isArray(spec[field]) && (spec[field] as unknown[]).length === 0)
            .map((field) => `${policy.metadata.name}.${field}`);
    });
}

describe("network policies (prod): default deny, minimal allows", () => {
    let objects: K8sObject[];
    let net: NetworkModel;
    let registry: Endpoint;
    let postgres: Endpoint;
    let backup: Endpoint;
    let agent: Endpoint;
    /** An agent pod as the MCPAgent controller must label its pods (README.md): what agent policies select. */
    let controllerPod: Endpoint;

    before(async () => {
        objects = (await renderFixture("prod")).objects;
        net = new NetworkModel(objects);
        registry = podOf(objects, "StatefulSet", "mcp-mesh-registry");
        postgres = podOf(objects, "StatefulSet", "mcp-mesh-postgres");
        backup = podOf(objects, "CronJob", "mcp-mesh-registry-backup");
        agent = podOf(objects, "Deployment", "data-processor");
        controllerPod = {
            namespace: "mcp-mesh",
            labels: {
                "app.kubernetes.io/name": "report-generator",
                "app.kubernetes.io/part-of": "mcp-mesh",
                "app.kubernetes.io/component": "agent",
            },
        };
    });

    it("lets every pod resolve names, and nothing else leave the namespace", () => {
        for (const pod of [registry, postgres, backup, agent, controllerPod]) {
            assert.ok(net.allows(pod, DNS, 53, "UDP"), JSON.stringify(pod.labels));
            assert.ok(net.allows(pod, DNS, 53, "TCP"));
            assert.ok(!net.allows(pod, INTERNET, 443), `${JSON.stringify(pod.labels)} reaches the internet`);
        }
    });

    it("lets agents, the controller's included, reach the registry and each other, and nothing else", () => {
        for (const pod of [agent, controllerPod]) {
            assert.ok(net.allows(pod, registry, 8000));
            assert.ok(net.allows(pod, agent, 8080));
            assert.ok(!net.allows(pod, postgres, 5432), "agents have no business with the database");
            assert.ok(!net.allows(pod, registry, 5432));
        }
    });

    it("lets the registry and the backup job, only they, reach PostgreSQL", () => {
        assert.ok(net.allows(registry, postgres, 5432));
        assert.ok(net.allows(backup, postgres, 5432));
        assert.ok(!net.allows(backup, registry, 8000));
        assert.ok(!net.allows(registry, agent, 8080), "the registry is passive: it calls no agent");
        assert.ok(!net.allows(postgres, registry, 8000));
    });

    it("keeps the registry's admin port (drain) to the pod itself: no agent, replica or dashboard reaches it", () => {
        const dashboard = podOf(objects, "Deployment", "mcp-mesh-dashboard");
        for (const pod of [agent, controllerPod, registry, dashboard]) {
            assert.ok(!net.allows(pod, registry, 8001), JSON.stringify(pod.labels));
        }
    });

    it("lets the dashboard reach the registry's API and nothing else; nobody in the namespace reaches the dashboard", () => {
        const dashboard = podOf(objects, "Deployment", "mcp-mesh-dashboard");
        assert.ok(net.allows(dashboard, registry, 8000));
        assert.ok(!net.allows(dashboard, agent, 8080), "the dashboard calls no agent");
        assert.ok(!net.allows(dashboard, postgres, 5432));
        assert.ok(!net.allows(dashboard, INTERNET, 443));
        for (const pod of [agent, registry, backup]) {
            assert.ok(!net.allows(pod, dashboard, 3080), JSON.stringify(pod.labels));
        }
    });

    it("admits nothing from other namespaces", () => {
        const foreign: Endpoint = {
            namespace: "elsewhere",
            labels: { "app.kubernetes.io/part-of": "mcp-mesh", "app.kubernetes.io/component": "agent" },
        };
        for (const [target, port] of [
            [registry, 8000],
            [agent, 8080],
            [postgres, 5432],
        ] as const) {
            assert.ok(!net.allows(foreign, target, port));
        }
    });

    it("denies both directions for every pod by default, and renders no empty rule list", () => {
        const deny = find(objects, "NetworkPolicy", "mcp-mesh-default-deny").spec as Record<string, unknown>;
        assert.deepEqual(deny, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(
            emptyRuleLists(objects).filter((name) => name.startsWith("mcp-mesh-") && !name.startsWith("mcp-mesh-registry-backup")),
            [],
        );
    });
});

describe("network policies: other stack shapes", () => {
    it("dev (SQLite): the backup job reaches nothing but DNS; the registry reaches nothing but DNS; only agents and the dashboard reach Redis", async () => {
        const { objects } = await renderFixture("dev");
        const net = new NetworkModel(objects);
        const registry = podOf(objects, "StatefulSet", "mcp-mesh-registry");
        const backup = podOf(objects, "CronJob", "mcp-mesh-registry-backup");
        const agent = podOf(objects, "Deployment", "hello-world");
        assert.ok(net.allows(agent, registry, 8000));
        assert.ok(net.allows(backup, DNS, 53, "UDP"));
        assert.ok(!net.allows(backup, registry, 8000));
        assert.ok(!net.allows(registry, agent, 8080));
        assert.equal(
            ofKind(objects, "NetworkPolicy").filter(
                (p) =>
                    p.metadata.name.endsWith("-egress") && !["mcp-mesh-agents-egress", "mcp-mesh-tracing-egress"].includes(p.metadata.name),
            ).length,
            0,
        );
        // Tracing (on in dev, no Tempo): agents and the dashboard reach Redis; the registry and the backup do not, and Redis reaches nobody.
        const redis = podOf(objects, "Deployment", "mcp-mesh-redis");
        const dashboard = podOf(objects, "Deployment", "mcp-mesh-dashboard");
        assert.ok(net.allows(agent, redis, 6379));
        assert.ok(net.allows(dashboard, redis, 6379));
        assert.ok(!net.allows(registry, redis, 6379));
        assert.ok(!net.allows(backup, redis, 6379));
        assert.ok(!net.allows(redis, registry, 8000));
        assert.ok(!net.allows(redis, agent, 8080));
    });

    it("an external PostgreSQL: the registry may reach its port anywhere, agents may not", async () => {
        const { objects } = await renderConfig({
            database: { type: "postgres", postgres: { mode: "external", host: "db.example.internal" } },
            databasePassword: { secure: "v1:x" },
            registry: { port: 9100 },
            agents: [{ name: "hello-world", code: "agents/hello_world.py", service: { port: 9200 } }],
        });
        const net = new NetworkModel(objects);
        const registry = podOf(objects, "StatefulSet", "mcp-mesh-registry");
        const agent = podOf(objects, "Deployment", "hello-world");
        assert.ok(net.allows(registry, INTERNET, 5432));
        assert.ok(!net.allows(registry, INTERNET, 443));
        assert.ok(!net.allows(agent, INTERNET, 5432));
        // The configured ports, not the defaults.
        assert.ok(net.allows(agent, registry, 9100));
        assert.ok(!net.allows(agent, registry, 8000));
        assert.ok(net.allows(agent, agent, 9200));
    });

    it("a shared namespace (createNamespace: false): deny only the mesh's own pods; the cluster's DNS labels are configurable", async () => {
        const { objects } = await renderConfig({
            createNamespace: false,
            namespace: "shared",
            network: { dns: { namespace: "dns-system", podLabels: { app: "coredns" } } },
        });
        const net = new NetworkModel(objects);
        const stranger: Endpoint = { namespace: "shared", labels: { app: "someone-else" } };
        assert.ok(net.allows(stranger, INTERNET, 443), "pods that are not the mesh's keep their own rules");
        const registry = podOf(objects, "StatefulSet", "mcp-mesh-registry");
        assert.ok(net.allows(registry, { namespace: "dns-system", labels: { app: "coredns" } }, 53, "UDP"));
        assert.ok(!net.allows(registry, DNS, 53, "UDP"));
    });
});

describe("network policies: an agent's own egress, and a node-local DNS cache", () => {
    const LLM_API: Endpoint = { ip: "203.0.113.7" };
    const ELSEWHERE: Endpoint = { ip: "198.51.100.7" };
    const NODE_LOCAL_DNS: Endpoint = { ip: "169.254.20.10" };
    let objects: K8sObject[];
    let net: NetworkModel;

    before(async () => {
        objects = (
            await renderConfig({
                network: { dns: { ipBlock: "169.254.20.10/32" } },
                agents: [
                    {
                        name: "caller",
                        code: "agents/hello_world.py",
                        egress: [
                            { cidrs: ["203.0.113.0/24"], ports: [443] },
                            { cidrs: ["10.20.0.0/16", "10.30.0.0/16"], ports: [5432, 6432] },
                        ],
                    },
                    { name: "quiet", code: "agents/hello_world.py" },
                ],
            })
        ).objects;
        net = new NetworkModel(objects);
    });

    it("lets the agent reach its blocks on their ports, and nothing else outside", () => {
        const caller = podOf(objects, "Deployment", "caller");
        assert.ok(net.allows(caller, LLM_API, 443));
        assert.ok(!net.allows(caller, LLM_API, 80), "another port");
        assert.ok(!net.allows(caller, ELSEWHERE, 443), "another address");
        assert.ok(net.allows(caller, { ip: "10.30.4.5" }, 6432));
        assert.ok(!net.allows(caller, { ip: "10.30.4.5" }, 443));
    });

    it("gives another agent, the registry and the backup none of it", () => {
        for (const [kind, name] of [
            ["Deployment", "quiet"],
            ["StatefulSet", "mcp-mesh-registry"],
            ["CronJob", "mcp-mesh-registry-backup"],
        ]) {
            assert.ok(!net.allows(podOf(objects, kind, name), LLM_API, 443), `${kind} ${name}`);
        }
        const quiet = find(objects, "NetworkPolicy", "quiet").spec;
        const fields = typeof quiet === "object" && quiet !== null ? Object.entries(quiet) : [];
        assert.deepEqual(
            fields.filter(([field]) => ["policyTypes", "egress"].includes(field)),
            [["policyTypes", ["Ingress"]]],
            "an agent without egress renders as before",
        );
    });

    it("lets every pod query the node-local DNS address on the DNS port only, besides the DNS pods", () => {
        for (const [kind, name] of [
            ["Deployment", "quiet"],
            ["StatefulSet", "mcp-mesh-registry"],
        ]) {
            const pod = podOf(objects, kind, name);
            assert.ok(net.allows(pod, NODE_LOCAL_DNS, 53, "UDP"), `${kind} ${name}`);
            assert.ok(net.allows(pod, DNS, 53, "UDP"));
            assert.ok(!net.allows(pod, NODE_LOCAL_DNS, 443), "only the DNS port");
            assert.ok(!net.allows(pod, { ip: "169.254.20.11" }, 53, "UDP"), "only that address");
        }
    });
});
