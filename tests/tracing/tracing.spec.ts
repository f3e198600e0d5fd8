// Tracing's render (`tracing.*`): the program's Redis (restricted, probed, its password only in
// its Secret), who may reach it, and every tracing client wired by secretKeyRef with a checksum
// that rolls it; your Redis instead; Tempo. The contract test (tests/contract/tracing.spec.ts)
// runs the real programs on this render.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Agent, agentConfig } from "../../components/agents";
import { Tracing } from "../../components/tracing";
import { K8sObject, renderStack } from "../support/render";
import { find, renderConfig } from "../support/stacks";
import { ContainerView, podTemplate } from "../support/pods";

const AGENTS = [
    { name: "hello-world", code: "agents/hello_world.py" },
    { name: "reporter", code: "agents/report_generator.py", mode: "customResource" },
];
const REGISTRY: [kind: string, name: string] = ["StatefulSet", "mcp-mesh-registry"];
/** The span stream's clients without Tempo; with Tempo the registry too (it exports there). */
const CLIENTS: [kind: string, name: string][] = [
    ["Deployment", "mcp-mesh-dashboard"],
    ["Deployment", "hello-world"],
];

interface EnvVarView {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

interface PolicySpec {
    podSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; values: string[] }[] };
    policyTypes: string[];
    ingress?: { from?: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
    egress?: { to?: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
}

function container(objects: readonly K8sObject[], kind: string, name: string): ContainerView {
    const found = podTemplate(find(objects, kind, name))?.spec.containers[0];
    assert.ok(found, `${kind}/${name} has a container`);
    return found;
}

function envOf(view: { env?: unknown }): EnvVarView[] {
    return (view.env ?? []) as EnvVarView[];
}

const policy = (objects: readonly K8sObject[], name: string) => find(objects, "NetworkPolicy", name).spec as PolicySpec;
const annotations = (objects: readonly K8sObject[], kind: string, name: string) =>
    podTemplate(find(objects, kind, name))?.metadata.annotations ?? {};

describe("tracing render", () => {
    it("is absent unless enabled; the dashboard then keeps tracing off", async () => {
        const { objects } = await renderConfig({ agents: AGENTS.slice(0, 1), dashboard: { enabled: true } });
        assert.ok(!objects.some((o) => o.metadata.name === "mcp-mesh-redis" || o.metadata.name === "mcp-mesh-tracing-egress"));
        const env = envOf(container(objects, "Deployment", "mcp-mesh-dashboard"));
        assert.deepEqual(env.find((v) => v.name === "MCP_MESH_DISTRIBUTED_TRACING_ENABLED")?.value, "false");
        assert.ok(!env.some((v) => v.name === "REDIS_URL"));
    });

    it("runs the program's Redis: pinned image, restricted, read-only root, probed, the password only in its Secret", async () => {
        const { objects } = await renderConfig(
            { agents: AGENTS, dashboard: { enabled: true }, tracing: { enabled: true } },
            { redact: false, generated: () => "GeneratedRedisPassword0123456789" },
        );
        const redis = container(objects, "Deployment", "mcp-mesh-redis");
        assert.match(redis.image, /^redis:7\.4\.\d+$/);
        assert.deepEqual(redis.args, ["/etc/redis/redis.conf"]);
        assert.equal(redis.securityContext?.readOnlyRootFilesystem, true);
        assert.ok(redis.resources?.limits?.memory && redis.resources.requests?.cpu);
        for (const probe of [redis.startupProbe, redis.livenessProbe, redis.readinessProbe]) assert.ok(probe);
        const secret = find(objects, "Secret", "mcp-mesh-redis") as K8sObject & { stringData: Record<string, string> };
        const password = secret.stringData.password;
        assert.equal(password, "GeneratedRedisPassword0123456789");
        assert.ok(secret.stringData["redis.conf"].includes(`requirepass ${password}`));
        assert.match(secret.stringData["redis.conf"], /^save ""$/m);
        assert.equal(secret.stringData.url, `redis://:${password}@mcp-mesh-redis.mcp-mesh.svc.cluster.local:6379`);
        // Nowhere else: no env value, no argument, no ConfigMap holds it.
        for (const object of objects.filter((o) => o.kind !== "Secret")) {
            assert.ok(!JSON.stringify(object).includes(password), `${object.kind}/${object.metadata.name} holds the Redis password`);
        }
        assert.deepEqual(envOf(redis), [
            { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "mcp-mesh-redis", key: "password" } } },
        ]);
    });

    it("wires the dashboard and every agent (an MCPAgent too) by secretKeyRef, with a checksum that rolls them; the registry only with Tempo", async () => {
        const { objects } = await renderConfig({ agents: AGENTS, dashboard: { enabled: true }, tracing: { enabled: true } });
        const wired = (env: EnvVarView[]) => {
            assert.equal(env.find((v) => v.name === "MCP_MESH_DISTRIBUTED_TRACING_ENABLED")?.value, "true");
            assert.deepEqual(
                env.find((v) => v.name === "REDIS_URL"),
                {
                    name: "REDIS_URL",
                    valueFrom: { secretKeyRef: { name: "mcp-mesh-redis", key: "url" } },
                },
            );
        };
        const checksums = new Set<string>();
        for (const [kind, name] of CLIENTS) {
            wired(envOf(container(objects, kind, name)));
            const checksum = annotations(objects, kind, name)["checksum/tracing"];
            assert.ok(checksum, `${kind}/${name} has checksum/tracing`);
            checksums.add(checksum);
        }
        assert.equal(checksums.size, 1);
        // Registry 3.7.1 would only fail to export each span (no Tempo): untouched.
        assert.ok(!envOf(container(objects, ...REGISTRY)).some((v) => /TRACING|REDIS/.test(v.name)));
        assert.equal(annotations(objects, ...REGISTRY)["checksum/tracing"], undefined);
        const mcpAgent = find(objects, "MCPAgent", "reporter") as K8sObject & { spec: { env: EnvVarView[] } };
        wired(mcpAgent.spec.env);
        // Each dashboard pod reads the stream in a group of its own (a shared group would split the traces).
        const dashboard = envOf(container(objects, "Deployment", "mcp-mesh-dashboard"));
        assert.equal(dashboard.find((v) => v.name === "MCP_MESH_UI_TRACE_CONSUMER_GROUP")?.value, "mcp-mesh-ui-$(POD_NAME)");
        assert.ok(
            dashboard.findIndex((v) => v.name === "POD_NAME") < dashboard.findIndex((v) => v.name === "MCP_MESH_UI_TRACE_CONSUMER_GROUP"),
        );
    });

    it("a new Redis password changes the checksum (the pods roll); the same one does not", async () => {
        const render = (password: string) =>
            renderConfig({ agents: AGENTS.slice(0, 1), tracing: { enabled: true } }, { generated: () => password });
        const sum = async (password: string) =>
            annotations((await render(password)).objects, "Deployment", "hello-world")["checksum/tracing"];
        const first = await sum("a".repeat(32));
        assert.equal(await sum("a".repeat(32)), first);
        assert.notEqual(await sum("b".repeat(32)), first);
    });

    it("admits only the dashboard and agents to Redis (the registry without Tempo reads nothing), which reaches nothing; they may reach it", async () => {
        const { objects } = await renderConfig({ agents: AGENTS, dashboard: { enabled: true }, tracing: { enabled: true } });
        const redis = policy(objects, "mcp-mesh-redis");
        assert.deepEqual(redis.policyTypes, ["Ingress", "Egress"]);
        assert.equal(redis.egress, undefined);
        assert.equal(redis.ingress?.length, 1);
        assert.deepEqual(redis.ingress?.[0].ports, [{ port: 6379, protocol: "TCP" }]);
        const from = (redis.ingress?.[0].from ?? []).map((peer) => peer.podSelector?.matchLabels ?? {});
        assert.deepEqual(
            from.map((labels) => labels["app.kubernetes.io/component"] ?? labels["app.kubernetes.io/name"]),
            ["agent", "mcp-mesh-dashboard"],
        );
        const egress = policy(objects, "mcp-mesh-tracing-egress");
        assert.deepEqual(egress.podSelector.matchExpressions?.[0].values, ["agent", "dashboard"]);
        assert.ok(!objects.some((o) => o.metadata.name === "mcp-mesh-tempo-egress"));
        assert.deepEqual(egress.egress, [
            {
                to: [
                    { podSelector: { matchLabels: { "app.kubernetes.io/name": "mcp-mesh-redis", "app.kubernetes.io/instance": "test" } } },
                ],
                ports: [{ port: 6379, protocol: "TCP" }],
            },
        ]);
    });

    it("with your Redis: no Redis of its own, your Secret's key, egress on its port; Tempo wired into the registry and the dashboard", async () => {
        const { objects } = await renderConfig({
            agents: AGENTS.slice(0, 1),
            dashboard: { enabled: true },
            tracing: {
                enabled: true,
                redis: { external: { secretName: "my-redis", key: "REDIS_URL", port: 6380 } },
                tempo: { otlpEndpoint: "tempo.obs.svc.cluster.local:4317", queryUrl: "http://tempo.obs:3200" },
            },
        });
        assert.ok(!objects.some((o) => o.metadata.name === "mcp-mesh-redis"));
        for (const [kind, name] of [...CLIENTS, REGISTRY]) {
            assert.deepEqual(envOf(container(objects, kind, name)).find((v) => v.name === "REDIS_URL")?.valueFrom, {
                secretKeyRef: { name: "my-redis", key: "REDIS_URL" },
            });
        }
        const value = (kind: string, name: string, variable: string) =>
            envOf(container(objects, kind, name)).find((v) => v.name === variable)?.value;
        assert.equal(value("StatefulSet", "mcp-mesh-registry", "TELEMETRY_ENDPOINT"), "tempo.obs.svc.cluster.local:4317");
        assert.equal(value("StatefulSet", "mcp-mesh-registry", "TELEMETRY_PROTOCOL"), "grpc");
        assert.equal(value("StatefulSet", "mcp-mesh-registry", "TEMPO_URL"), "http://tempo.obs:3200");
        assert.equal(value("Deployment", "mcp-mesh-dashboard", "TEMPO_URL"), "http://tempo.obs:3200");
        assert.equal(value("Deployment", "hello-world", "TEMPO_URL"), undefined);
        assert.ok(annotations(objects, ...REGISTRY)["checksum/tracing"]);
        const egress = policy(objects, "mcp-mesh-tracing-egress");
        assert.deepEqual(egress.podSelector.matchExpressions?.[0].values, ["agent", "dashboard", "registry"]);
        assert.deepEqual(egress.egress, [{ ports: [{ port: 6380, protocol: "TCP" }] }]);
        // Only the readers reach Tempo.
        const tempo = policy(objects, "mcp-mesh-tempo-egress");
        assert.deepEqual(tempo.podSelector.matchExpressions?.[0].values, ["dashboard", "registry"]);
        assert.deepEqual(tempo.egress, [
            {
                ports: [
                    { port: 3200, protocol: "TCP" },
                    { port: 4317, protocol: "TCP" },
                ],
            },
        ]);
    });

    it("prints how to look at the Redis pod and the stream (kubectl outputs), only for the program's Redis", async () => {
        const own = await renderConfig({ tracing: { enabled: true } });
        const kubectl = own.outputs.kubectl as Record<string, string>;
        assert.equal(kubectl.traceStream, "kubectl exec -n mcp-mesh deployment/mcp-mesh-redis -- redis-cli -p 6379 XLEN mesh:trace");
        assert.match(kubectl.tracing, /-l app\.kubernetes\.io\/component=tracing$/);
        const yours = await renderConfig({ tracing: { enabled: true, redis: { external: { secretName: "r" } } } });
        assert.equal((yours.outputs.kubectl as Record<string, string>).traceStream, undefined);
    });

    it("is a component of its own: a program with no stack config runs Tracing and wires an Agent with its `wiring`", async () => {
        const { objects } = await renderStack({
            stack: "bare",
            config: {
                project: "someone-elses-program",
                config: { "kubernetes:enableConfigMapMutable": "true", "kubernetes:enableSecretMutable": "true" },
                secretKeys: [],
            },
            program: (opts) => {
                const namespace = new k8s.core.v1.Namespace("tools", { metadata: { name: "tools" } }, opts);
                const tracing = new Tracing("traces", { namespace: namespace.metadata.name, clients: [] }, opts);
                new Agent(
                    "hello",
                    {
                        agent: agentConfig({ name: "hello", code: "agents/hello_world.py" }),
                        namespace: namespace.metadata.name,
                        registryUrl: "http://registry.tools:8000",
                        tracing: tracing.wiring,
                    },
                    opts,
                );
                return {};
            },
        });
        assert.equal(find(objects, "Deployment", "mcp-mesh-redis").metadata.namespace, "tools");
        assert.deepEqual(envOf(container(objects, "Deployment", "hello")).find((v) => v.name === "REDIS_URL")?.valueFrom, {
            secretKeyRef: { name: "mcp-mesh-redis", key: "url" },
        });
        assert.deepEqual(policy(objects, "mcp-mesh-tracing-egress").podSelector.matchExpressions?.[0].values, ["agent"]);
    });
});
