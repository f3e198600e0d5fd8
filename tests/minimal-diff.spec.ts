// The typical stack-config edits change exactly the objects and fields they should.
import { strict as assert } from "assert";
import { RegisteredResource } from "./support/mocks";
import { diffRenders, RenderDiff } from "./support/object-diff";
import { Rendered } from "./support/render";
import { configFrom, projectConfigOf, renderConfig } from "./support/stacks";

type StackConfigMap = Record<string, Record<string, unknown>>;

function prodConfig(): StackConfigMap {
    return projectConfigOf("prod", "fixture") as StackConfigMap;
}

async function renderProd(edit: (config: StackConfigMap) => void = () => undefined): Promise<Rendered> {
    const config = prodConfig();
    edit(config);
    return renderConfig(config, { stack: "prod", config: configFrom(config) });
}

function generated(resources: RegisteredResource[]): string[] {
    return resources
        .filter((r) => r.type.startsWith("random:"))
        .map((r) => `${r.type}::${r.name}::${JSON.stringify(r.inputs)}`)
        .sort();
}

describe("minimal diffs for typical edits (prod)", () => {
    let base: Rendered;
    before(async () => {
        base = await renderProd();
    });

    async function diff(edit: (config: StackConfigMap) => void): Promise<RenderDiff> {
        const after = await renderProd(edit);
        assert.deepEqual(generated(after.resources), generated(base.resources), "generated secrets must not be regenerated");
        return diffRenders(base.objects, after.objects);
    }

    it("a registry replica edit changes one field of one object", async () => {
        assert.deepEqual(await diff((c) => (c.registry.replicas = 5)), {
            added: [],
            removed: [],
            changed: { "StatefulSet/mcp-mesh-registry": ["spec.replicas"] },
        });
    });

    it("an image tag edit changes only the registry workload", async () => {
        assert.deepEqual(await diff((c) => (c.registry.image = "mcpmesh/registry:3.7.1")), {
            added: [],
            removed: [],
            changed: {
                "StatefulSet/mcp-mesh-registry": [
                    "metadata.labels.app.kubernetes.io/version",
                    "spec.template.metadata.labels.app.kubernetes.io/version",
                    "spec.template.spec.containers[0].image",
                ],
            },
        });
    });

    it("a log-level edit changes the setting and rolls the registry pods", async () => {
        assert.deepEqual(await diff((c) => (c.registry.logLevel = "DEBUG")), {
            added: [],
            removed: [],
            changed: {
                "ConfigMap/mcp-registry-config": ["data.MCP_MESH_LOG_LEVEL"],
                "StatefulSet/mcp-mesh-registry": ["spec.template.metadata.annotations.checksum/config"],
            },
        });
    });

    it("an agent replica edit changes one field of one object (`--path 'agents[0].replicas'`)", async () => {
        const agents = (c: StackConfigMap) => c.agents as unknown as Record<string, unknown>[];
        assert.deepEqual(await diff((c) => (agents(c)[0].replicas = 5)), {
            added: [],
            removed: [],
            changed: { "Deployment/data-processor": ["spec.replicas"] },
        });
        // From one replica to several: the agent gets its PodDisruptionBudget.
        assert.deepEqual(await diff((c) => (agents(c)[1].replicas = 4)), {
            added: ["PodDisruptionBudget/report-generator"],
            removed: [],
            changed: { "Deployment/report-generator": ["spec.replicas"] },
        });
    });

    it("adding an agent only adds that agent's objects", async () => {
        const result = await diff((c) => {
            (c.agents as unknown as Record<string, unknown>[]).push({ name: "greeter", code: "agents/hello_world.py", replicas: 1 });
        });
        assert.deepEqual(result.removed, []);
        assert.deepEqual(result.changed, {});
        // Its certificate's Secret too: prod runs mutual TLS.
        assert.deepEqual(result.added, [
            "ConfigMap/greeter-code",
            "Deployment/greeter",
            "NetworkPolicy/greeter",
            "Secret/greeter-tls",
            "Service/greeter",
        ]);
    });

    it("adding an agent on a port no other agent uses also opens that port in the agents' egress policy, nothing else", async () => {
        const result = await diff((c) => {
            (c.agents as unknown as Record<string, unknown>[]).push({
                name: "greeter",
                code: "agents/hello_world.py",
                service: { port: 9090 },
            });
        });
        assert.deepEqual(result.removed, []);
        assert.deepEqual(result.changed, { "NetworkPolicy/mcp-mesh-agents-egress": ["spec.egress[1].ports[1]"] });
    });

    it("a backup schedule edit changes only the CronJob's schedule", async () => {
        assert.deepEqual(await diff((c) => (c.backup.schedule = "15 1 * * *")), {
            added: [],
            removed: [],
            changed: { "CronJob/mcp-mesh-registry-backup": ["spec.schedule"] },
        });
    });

    it("a registry storage-size edit on PostgreSQL is refused: no claim exists to resize", async () => {
        await assert.rejects(
            diff((c) => (c.registry.storage = { size: "20Gi" })),
            /registry\.storage: got/,
        );
    });
});
