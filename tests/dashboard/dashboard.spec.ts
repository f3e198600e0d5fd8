// The dashboard (`dashboard.*`): the config's rules (one line per mistake), and what the render
// holds: meshui wired to the registry it proxies (with a mesh certificate under TLS), its probes
// under the base path, who may reach it and what it may reach, the Ingress, the stack outputs.
// The contract test (tests/contract/dashboard.spec.ts) runs the real meshui on this render.
import { strict as assert } from "assert";
import { itRejects } from "../support/config-problems";
import { parseMeshConfig } from "../../components/config/mesh-config";
import { K8sObject } from "../support/render";
import { find, ofKind, renderConfig } from "../support/stacks";
import { podTemplate } from "../support/pods";

const AGENT = { name: "hello-world", code: "agents/hello_world.py" };

type Container = NonNullable<ReturnType<typeof podTemplate>>["spec"]["containers"][number];

function dashboardContainer(objects: readonly K8sObject[]): Container {
    const container = podTemplate(find(objects, "Deployment", "mcp-mesh-dashboard"))?.spec.containers[0];
    assert.ok(container, "the dashboard Deployment has a container");
    return container;
}

function envOf(container: Container): Record<string, string | undefined> {
    return Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
}

interface PolicySpec {
    policyTypes: string[];
    ingress?: { from?: object[]; ports: { port: number }[] }[];
    egress?: { to?: { podSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
}

const policy = (objects: readonly K8sObject[], name: string) => find(objects, "NetworkPolicy", name).spec as PolicySpec;

describe("dashboard config", () => {
    it("is off by default; on, it runs one meshui 3.7 on port 3080 at the root, with no Ingress", () => {
        assert.equal(parseMeshConfig({}).dashboard.enabled, false);
        const dashboard = parseMeshConfig({ dashboard: { enabled: true } }).dashboard;
        assert.equal(dashboard.image, "mcpmesh/ui:3.7");
        assert.equal(dashboard.replicas, 1);
        assert.equal(dashboard.port, 3080);
        assert.equal(dashboard.basePath, "");
        assert.equal(dashboard.host, undefined);
    });

    itRejects([
        [
            "a base path with a trailing slash",
            { dashboard: { enabled: true, basePath: "/ops/" } },
            'dashboard.basePath: got "/ops/"; must be empty',
        ],
        ["a base path with a dot", { dashboard: { enabled: true, basePath: "/a.b" } }, 'dashboard.basePath: got "/a.b"'],
        ["the latest image", { dashboard: { enabled: true, image: "mcpmesh/ui:latest" } }, 'dashboard.image: got "mcpmesh/ui:latest"'],
        ["no replica", { dashboard: { enabled: true, replicas: 0 } }, "dashboard.replicas: got 0"],
        [
            "Ingress settings without a host",
            { dashboard: { enabled: true, ingress: { tlsSecretName: "dash-tls" } } },
            "dashboard.ingress: got",
        ],
        ["a host while disabled", { dashboard: { host: "mesh.example.com" } }, 'dashboard.host: got "mesh.example.com"; unused while'],
        ["a host that is no DNS name", { dashboard: { enabled: true, host: "Mesh_UI" } }, 'dashboard.host: got "Mesh_UI"'],
        ["an unknown key", { dashboard: { enabled: true, replica: 2 } }, "dashboard"],
    ]);
});

describe("dashboard render", () => {
    it("is absent unless enabled, and the registry then admits only agents and its peers", async () => {
        const { objects, outputs } = await renderConfig({ agents: [AGENT] });
        assert.equal(
            objects.some((o) => o.metadata.name === "mcp-mesh-dashboard"),
            false,
        );
        assert.equal(outputs.dashboard, undefined);
        assert.equal(policy(objects, "mcp-mesh-registry").ingress?.[0].from?.length, 1);
    });

    it("runs meshui against the registry's URL, at the root (overriding the image's /ops/dashboard), port as an argument", async () => {
        const { objects, outputs } = await renderConfig({ agents: [AGENT], dashboard: { enabled: true } });
        const container = dashboardContainer(objects);
        const env = envOf(container);
        assert.equal(env.MCP_MESH_REGISTRY_URL, outputs.registryUrl);
        assert.equal(env.MCP_MESH_UI_BASE_PATH, "/");
        assert.equal(env.MCP_MESH_DISTRIBUTED_TRACING_ENABLED, "false");
        assert.match(env.DATABASE_URL ?? "", /^\/data\//);
        assert.ok(
            container.volumeMounts?.some((m) => m.mountPath === "/data"),
            "the SQLite file meshui opens lives on a volume",
        );
        assert.deepEqual(container.args, ["--port", "3080"]);
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
            assert.deepEqual((probe as { httpGet?: object }).httpGet, { path: "/api/ui-health", port: "http", scheme: "HTTP" });
        }
        const pod = podTemplate(find(objects, "Deployment", "mcp-mesh-dashboard"))?.spec;
        assert.equal(pod?.securityContext?.runAsUser, 1000, "the mcpmesh/ui image's user");
        assert.equal(ofKind(objects, "Ingress").length, 0);
        // An empty map would be dropped by the API server (the e2e's live-object check): none rendered.
        assert.equal(podTemplate(find(objects, "Deployment", "mcp-mesh-dashboard"))?.metadata.annotations, undefined);
        assert.equal(ofKind(objects, "PodDisruptionBudget").filter((o) => o.metadata.name === "mcp-mesh-dashboard").length, 0);
    });

    it("lets nobody in without a host (port-forward needs no policy), lets it reach only the registry's port, and the registry admits it", async () => {
        const { objects } = await renderConfig({ dashboard: { enabled: true }, registry: { port: 8100 } });
        const own = policy(objects, "mcp-mesh-dashboard");
        assert.deepEqual(own.policyTypes, ["Egress"]);
        assert.equal(own.ingress, undefined);
        assert.deepEqual(own.egress, [
            {
                to: [
                    {
                        podSelector: {
                            matchLabels: { "app.kubernetes.io/name": "mcp-mesh-registry", "app.kubernetes.io/instance": "test" },
                        },
                    },
                ],
                ports: [{ port: 8100, protocol: "TCP" }],
            },
        ]);
        const registry = policy(objects, "mcp-mesh-registry").ingress?.[0];
        assert.deepEqual(registry?.from?.[1], {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "mcp-mesh-dashboard", "app.kubernetes.io/instance": "test" } },
        });
        assert.deepEqual(registry?.ports, [{ port: 8100, protocol: "TCP" }]);
    });

    it("with a host: an Ingress for the base path with its TLS Secret, the controller's namespace let in, an https URL output", async () => {
        const { objects, outputs } = await renderConfig({
            dashboard: {
                enabled: true,
                replicas: 2,
                basePath: "/ops/dashboard",
                host: "mesh.example.com",
                ingress: { className: "nginx", tlsSecretName: "mesh-example-tls", controllerNamespace: "ingress" },
            },
        });
        const ingress = find(objects, "Ingress", "mcp-mesh-dashboard").spec as {
            ingressClassName: string;
            tls: { hosts: string[]; secretName: string }[];
            rules: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
        };
        assert.equal(ingress.ingressClassName, "nginx");
        assert.deepEqual(ingress.tls, [{ hosts: ["mesh.example.com"], secretName: "mesh-example-tls" }]);
        assert.equal(ingress.rules[0].host, "mesh.example.com");
        assert.equal(ingress.rules[0].http.paths[0].path, "/ops/dashboard");
        assert.deepEqual(ingress.rules[0].http.paths[0].backend.service, { name: "mcp-mesh-dashboard", port: { name: "http" } });
        const service = find(objects, "Service", "mcp-mesh-dashboard").spec as { ports: { name: string }[] };
        assert.equal(service.ports[0].name, "http", "the port the Ingress names");
        const own = policy(objects, "mcp-mesh-dashboard");
        assert.deepEqual(own.ingress, [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } } }],
                ports: [{ port: 3080, protocol: "TCP" }],
            },
        ]);
        const container = dashboardContainer(objects);
        assert.equal(envOf(container).MCP_MESH_UI_BASE_PATH, "/ops/dashboard");
        assert.equal((container.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/ops/dashboard/api/ui-health");
        find(objects, "PodDisruptionBudget", "mcp-mesh-dashboard");
        const dashboard = outputs.dashboard as Record<string, string>;
        assert.equal(dashboard.externalUrl, "https://mesh.example.com/ops/dashboard/");
        assert.equal(dashboard.url, "http://mcp-mesh-dashboard.mcp-mesh.svc.cluster.local:3080/ops/dashboard/");
        assert.match(dashboard.portForward, /^kubectl port-forward -n mcp-mesh svc\/mcp-mesh-dashboard 3080:3080 /);
    });

    it("under mesh TLS: presents its own mesh certificate to the https registry, and restarts on a renewed one", async () => {
        const { objects, outputs } = await renderConfig({ tls: { enabled: true, source: "secrets" }, dashboard: { enabled: true } });
        const container = dashboardContainer(objects);
        const env = envOf(container);
        assert.match(String(outputs.registryUrl), /^https:/);
        assert.equal(env.MCP_MESH_REGISTRY_URL, outputs.registryUrl);
        assert.deepEqual(
            [env.MCP_MESH_REGISTRY_TLS_CA, env.MCP_MESH_REGISTRY_TLS_CERT, env.MCP_MESH_REGISTRY_TLS_KEY],
            ["/etc/mcp-mesh/mesh-tls/ca.crt", "/etc/mcp-mesh/mesh-tls/tls.crt", "/etc/mcp-mesh/mesh-tls/tls.key"],
        );
        const volumes = podTemplate(find(objects, "Deployment", "mcp-mesh-dashboard"))?.spec.volumes ?? [];
        assert.ok(volumes.some((v) => v.secret?.secretName === "mcp-mesh-dashboard-tls"));
        const liveness = container.livenessProbe as { exec: { command: string[] } };
        assert.match(liveness.exec.command[2], /cmp -s .* \/etc\/mcp-mesh\/mesh-tls\/tls.crt/);
    });

    it("tls.source=pulumi issues the dashboard's certificate for its Service, and rolls it on renewal", async () => {
        const { objects } = await renderConfig({ tls: { enabled: true }, dashboard: { enabled: true } });
        find(objects, "Secret", "mcp-mesh-dashboard-tls");
        const annotations = podTemplate(find(objects, "Deployment", "mcp-mesh-dashboard"))?.metadata.annotations ?? {};
        assert.ok(annotations["checksum/certificate"], "a certificate fingerprint on the pod template");
    });
});
