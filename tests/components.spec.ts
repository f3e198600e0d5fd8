// The components are usable from any Pulumi program: narrow Args, defaults of their own, no
// stack config read anywhere below McpMesh.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Agent, agentConfig } from "../components/agents";
import { parseMeshConfig } from "../components/config/mesh-config";
import { McpMesh } from "../components/mesh";
import { Dashboard } from "../components/dashboard";
import { meshProvider, Registry, registryConfig } from "../components/registry";
import { renderStack } from "./support/render";
import { find, ofKind } from "./support/stacks";

/** No `mcp-mesh:*` key at all: a program that is not this project's, whose Pulumi.yaml sets the two provider settings the README asks for. */
const NO_CONFIG = {
    project: "someone-elses-program",
    config: { "kubernetes:enableConfigMapMutable": "true", "kubernetes:enableSecretMutable": "true" },
    secretKeys: [],
};
/** Nothing at all, the provider settings included. */
const NOTHING = { project: "someone-elses-program", config: {}, secretKeys: [] };

function bareRegistry(opts: pulumi.ComponentResourceOptions) {
    return new Registry("directory", { namespace: "tools" }, opts);
}

describe("components in a bare program (no stack config)", () => {
    it("builds a Registry, one Agent and a Dashboard from their own Args, wired through the registry's URL", async () => {
        const { objects, outputs } = await renderStack({
            stack: "bare",
            config: NO_CONFIG,
            program: (opts) => {
                const namespace = new k8s.core.v1.Namespace("tools", { metadata: { name: "tools" } }, opts);
                const registry = new Registry(
                    "directory",
                    { namespace: namespace.metadata.name, registry: registryConfig({ port: 9000 }) },
                    opts,
                );
                const agent = new Agent(
                    "hello",
                    {
                        agent: agentConfig({ name: "hello", code: "agents/hello_world.py" }),
                        namespace: namespace.metadata.name,
                        registryUrl: registry.url,
                    },
                    opts,
                );
                const dashboard = new Dashboard(
                    "ui",
                    {
                        namespace: namespace.metadata.name,
                        registryUrl: registry.url,
                        registry: { pods: registry.podSelector, port: 9000 },
                    },
                    opts,
                );
                return { registryUrl: registry.url, agentUrl: agent.url, dashboardUrl: dashboard.url };
            },
        });
        assert.equal(outputs.registryUrl, "http://mcp-mesh-registry.tools.svc.cluster.local:9000");
        assert.equal(outputs.agentUrl, "http://hello.tools.svc.cluster.local:8080");
        assert.equal(outputs.dashboardUrl, "http://mcp-mesh-dashboard.tools.svc.cluster.local:3080/");
        const dashboardEgress = (find(objects, "NetworkPolicy", "mcp-mesh-dashboard").spec as { egress: unknown[] }).egress;
        assert.deepEqual(dashboardEgress, [
            {
                to: [
                    {
                        podSelector: {
                            matchLabels: { "app.kubernetes.io/name": "mcp-mesh-registry", "app.kubernetes.io/instance": "bare" },
                        },
                    },
                ],
                ports: [{ port: 9000, protocol: "TCP" }],
            },
        ]);
        const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
        assert.equal(statefulSet.metadata.namespace, "tools");
        // Defaults of its own: the instance is the stack, one SQLite replica with its volume.
        assert.equal(statefulSet.metadata.labels?.["app.kubernetes.io/instance"], "bare");
        const spec = statefulSet.spec as { replicas: number; volumeClaimTemplates?: unknown[] };
        assert.equal(spec.replicas, 1);
        assert.equal(spec.volumeClaimTemplates?.length, 1);
        const deployment = find(objects, "Deployment", "hello");
        const env = (deployment.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec
            .containers[0].env;
        assert.equal(env.find((e) => e.name === "MCP_MESH_REGISTRY_URL")?.value, "http://mcp-mesh-registry.tools.svc.cluster.local:9000");
        // No shared settings ConfigMap was given: the agent reads none.
        assert.deepEqual(
            ofKind(objects, "ConfigMap")
                .map((c) => c.metadata.name)
                .sort(),
            ["hello-code", "mcp-registry-config"],
        );
    });
});

describe("two McpMesh in one program", () => {
    it("do not collide: every URN is unique, each mesh's objects land in its own namespace", async () => {
        const agents = [{ name: "hello-world", code: "agents/hello_world.py" }];
        const { objects, resources } = await renderStack({
            stack: "shared",
            config: NO_CONFIG,
            program: (opts) => {
                const first = new McpMesh("team-a", { config: parseMeshConfig({ namespace: "team-a", agents }), secrets: {} }, opts);
                const second = new McpMesh(
                    "team-b",
                    { config: parseMeshConfig({ namespace: "team-b", installCrds: false, agents }), secrets: {} },
                    opts,
                );
                return { first: first.registry.url, second: second.registry.url };
            },
        });
        const urns = resources.map((resource) => resource.urn);
        const repeated = urns.filter((urn, i) => urns.indexOf(urn) !== i);
        assert.deepEqual(repeated, [], "URNs registered twice");
        // Each child is named after its mesh.
        for (const resource of resources) {
            assert.match(resource.name, /^team-[ab](-|$)/, resource.urn);
        }
        assert.deepEqual(
            ofKind(objects, "StatefulSet").map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
            ["team-a/mcp-mesh-registry", "team-b/mcp-mesh-registry"],
        );
        assert.equal(ofKind(objects, "CustomResourceDefinition").length, 1);
        assert.equal(ofKind(objects, "Deployment").length, 2);
    });
});

describe("components carry the provider settings they rely on", () => {
    it("refuse the default provider without enableConfigMapMutable and enableSecretMutable, naming both and the fix", async () => {
        await assert.rejects(
            renderStack({ stack: "bare", config: NOTHING, program: (opts) => ({ url: bareRegistry(opts).url }) }),
            (error: unknown) =>
                error instanceof pulumi.RunError &&
                error.message ===
                    "Registry directory: the kubernetes provider must update ConfigMaps and Secrets in place; set " +
                        "kubernetes:enableConfigMapMutable: true and kubernetes:enableSecretMutable: true in Pulumi.yaml's config " +
                        "(or the stack's), or pass a provider from meshProvider(); otherwise every edit replaces its fixed-name " +
                        "ConfigMaps and Secrets, deleting them first, and pods starting in between fail",
        );
    });

    it("name only the setting that is missing", async () => {
        const half = { ...NOTHING, config: { "kubernetes:enableConfigMapMutable": "true" } };
        await assert.rejects(
            renderStack({
                stack: "bare",
                config: half,
                program: (opts) => ({
                    url: new Agent(
                        "hello",
                        {
                            agent: agentConfig({ name: "hello", code: "agents/hello_world.py" }),
                            namespace: "tools",
                            registryUrl: "http://r:8000",
                        },
                        opts,
                    ).url,
                }),
            }),
            /Agent hello: .*; set kubernetes:enableSecretMutable: true in/,
        );
    });

    it("build through an explicit provider from meshProvider(), with no provider config at all", async () => {
        const { resources } = await renderStack({
            stack: "bare",
            config: NOTHING,
            program: (opts) => {
                const provider = meshProvider("tools-cluster", { context: "tools" });
                return { url: bareRegistry({ ...opts, provider }).url };
            },
        });
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes");
        assert.ok(provider, "no explicit provider registered");
        assert.deepEqual([provider.inputs.enableConfigMapMutable, provider.inputs.enableSecretMutable], ["true", "true"]);
    });
});
