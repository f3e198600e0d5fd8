// The components are usable from any Pulumi program: narrow Args, defaults of their own, no
// stack config read anywhere below McpMesh.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Agent, agentConfig } from "../components/agents";
import { parseMeshConfig } from "../components/config/mesh-config";
import { McpMesh } from "../components/mesh";
import { Registry, registryConfig } from "../components/registry";
import { renderStack } from "./support/render";
import { find, ofKind } from "./support/stacks";

/** No `mcp-mesh:*` key at all: a program that is not this project's. */
const NO_CONFIG = { project: "someone-elses-program", config: {}, secretKeys: [] };

describe("components in a bare program (no stack config)", () => {
    it("builds a Registry and one Agent from their own Args, wired through the registry's URL", async () => {
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
                return { registryUrl: registry.url, agentUrl: agent.url };
            },
        });
        assert.equal(outputs.registryUrl, "http://mcp-mesh-registry.tools.svc.cluster.local:9000");
        assert.equal(outputs.agentUrl, "http://hello.tools.svc.cluster.local:8080");
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
