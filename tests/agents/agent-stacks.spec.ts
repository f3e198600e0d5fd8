// The agents dev and prod deploy (the seed's basic and advanced examples), and the sample code they run.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseMeshConfig } from "../../components/config/mesh-config";
import { crdValidator, openApiSchema, prunedFields } from "../support/crd-schema";
import { podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack } from "../support/render";
import { readStackFile } from "../support/stack-file";
import { find, FIXTURE_STACKS, ofKind, PROJECT_DIR, projectConfigOf, renderFixture } from "../support/stacks";

function deploymentReplicas(objects: K8sObject[], name: string): number | undefined {
    return (find(objects, "Deployment", name).spec as { replicas?: number }).replicas;
}

function annotationJson(object: K8sObject, key: string): unknown {
    return JSON.parse(object.metadata.annotations?.[key] ?? "null");
}

describe("stack agents", () => {
    const rendered: Partial<Record<(typeof FIXTURE_STACKS)[number], Rendered>> = {};

    before(async () => {
        for (const stack of FIXTURE_STACKS) {
            rendered[stack] = await renderFixture(stack);
        }
    });
    const objectsOf = (stack: (typeof FIXTURE_STACKS)[number]) => rendered[stack]?.objects ?? [];

    it("dev runs the seed's basic example: hello-world, 2 replicas, greeting 1.0.0", () => {
        const objects = objectsOf("dev");
        const deployment = find(objects, "Deployment", "hello-world");
        assert.equal(deploymentReplicas(objects, "hello-world"), 2);
        assert.deepEqual(annotationJson(deployment, "mcp-mesh.io/capabilities"), [{ name: "greeting", version: "1.0.0" }]);
        assert.ok(find(objects, "ConfigMap", "hello-world-code").data);
        assert.ok(find(objects, "PodDisruptionBudget", "hello-world"));
        assert.equal(podTemplate(deployment)?.spec.containers[0].image, "mcpmesh/python-runtime:3.7");
        assert.equal(ofKind(objects, "MCPAgent").length, 0);
    });

    it("dev's hello-world logs at DEBUG through its own env; prod agents keep the shared INFO", () => {
        const hello = podTemplate(find(objectsOf("dev"), "Deployment", "hello-world"))?.spec.containers[0].env ?? [];
        assert.equal(hello.find((e) => e.name === "MCP_MESH_LOG_LEVEL")?.value, "DEBUG");
        assert.equal(hello.find((e) => e.name === "MCP_MESH_DEBUG_MODE")?.value, "true");
        const settings = find(objectsOf("prod"), "ConfigMap", "mcp-agent-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_LOG_LEVEL, "INFO");
    });

    it("prod runs the seed's advanced example: data-processor, 3 replicas, its capability, dependency and resources", () => {
        const objects = objectsOf("prod");
        const deployment = find(objects, "Deployment", "data-processor");
        assert.equal(deploymentReplicas(objects, "data-processor"), 3);
        assert.deepEqual(annotationJson(deployment, "mcp-mesh.io/capabilities"), [{ name: "data_transformation", version: "2.0.0" }]);
        assert.deepEqual(annotationJson(deployment, "mcp-mesh.io/dependencies"), [
            { name: "database-service", version: ">=3.0.0", optional: false },
        ]);
        assert.deepEqual(podTemplate(deployment)?.spec.containers[0].resources, {
            requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "128Mi" },
            limits: { cpu: "2", memory: "4Gi", "ephemeral-storage": "512Mi" },
        });
        // Neither the registry nor the runtime serves /metrics: nothing for the Prometheus Operator.
        assert.equal(objects.filter((o) => o.kind === "ServiceMonitor").length, 0);
    });

    it("an agent in mode customResource goes to the controller as an MCPAgent, with no Deployment (good-config/agents-both-modes.yaml)", async () => {
        const both = await renderStack({
            stack: "good",
            config: readStackFile(path.join(__dirname, "..", "fixtures", "good-config", "agents-both-modes.yaml"), PROJECT_DIR),
        });
        const agent = find(both.objects, "MCPAgent", "reporter");
        const spec = agent.spec as Record<string, unknown>;
        assert.equal(spec.scriptConfigMap, "reporter-code");
        assert.equal(spec.script, "report_generator.py");
        assert.equal(spec.registryURL, both.outputs.registryUrl);
        assert.ok(find(both.objects, "ConfigMap", "reporter-code"));
        assert.equal(
            ofKind(both.objects, "Deployment").some((d) => d.metadata.name === "reporter"),
            false,
        );
        const crd = find(both.objects, "CustomResourceDefinition", "mcpagents.mesh.mcp.io");
        const validate = crdValidator(crd);
        assert.ok(validate(agent), JSON.stringify(validate.errors));
        assert.deepEqual(prunedFields(openApiSchema(crd), agent), []);
    });

    for (const stack of FIXTURE_STACKS) {
        it(`${stack}: every MCPAgent is valid against the rendered CRD, and nothing in it would be pruned`, () => {
            const objects = objectsOf(stack);
            const crd = find(objects, "CustomResourceDefinition", "mcpagents.mesh.mcp.io");
            const validate = crdValidator(crd);
            for (const agent of ofKind(objects, "MCPAgent")) {
                assert.ok(validate(agent), `${agent.metadata.name}: ${JSON.stringify(validate.errors)}`);
                assert.deepEqual(prunedFields(openApiSchema(crd), agent), [], agent.metadata.name);
            }
        });

        it(`${stack}: outputs every agent's endpoint`, () => {
            const outputs = rendered[stack]?.outputs.agents as Record<string, string>;
            const names = parseMeshConfig(configOf(stack)).agents.map((a) => a.name);
            assert.deepEqual(Object.keys(outputs), names);
        });

        it(`${stack}: each agent's code registers the name and capabilities its stack config declares`, () => {
            for (const agent of parseMeshConfig(configOf(stack)).agents) {
                assert.equal(agent.source.kind, "code");
                const code = agent.source.kind === "code" ? agent.source.content : "";
                assert.match(code, new RegExp(`@mesh\\.agent\\([^)]*name="${agent.name}"`), `${agent.name}: @mesh.agent name`);
                for (const capability of agent.capabilities) {
                    assert.match(
                        code,
                        new RegExp(`capability="${capability.name}",\\s*version="${capability.version ?? ""}`),
                        `${agent.name}: ${capability.name}`,
                    );
                }
            }
        });
    }

    it("the sample agents are valid Python", function () {
        const python = spawnSync("python3", ["--version"]);
        if (python.status !== 0) {
            this.skip();
        }
        const files = fs.readdirSync(path.join(PROJECT_DIR, "agents")).filter((f) => f.endsWith(".py"));
        assert.ok(files.length >= 3);
        for (const file of files) {
            const source = fs.readFileSync(path.join(PROJECT_DIR, "agents", file), "utf8");
            // Compile only (the mesh and fastmcp packages live in the runtime image, not here).
            const result = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", file], {
                input: source,
                encoding: "utf8",
            });
            assert.equal(result.status, 0, `${file}: ${result.stderr}`);
        }
    });
});

const configOf = (stack: string) => projectConfigOf(stack, "fixture");
