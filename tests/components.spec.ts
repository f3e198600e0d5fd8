// The components are usable from any Pulumi program: narrow Args, defaults of their own, no
// stack config read anywhere below McpMesh.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Agent, agentConfig } from "../components/agent";
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
