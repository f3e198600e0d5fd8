import { strict as assert } from "assert";
import { ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { K8sObject } from "../support/render";
import { crdValidator, openApiSchema, structuralProblems } from "../support/crd-schema";
import { find, renderFixture } from "../support/stacks";

// The seed README's two examples. The seed's own CRD marked `script` required, which
// rejected its Advanced Example; here one of script/scriptConfigMap is required.
const SEED_EXAMPLES = `
apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: hello-world
  namespace: mcp-mesh
spec:
  script: /app/agents/hello_world.py
  replicas: 2
  capabilities:
    - name: greeting
      version: "1.0.0"
---
apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: data-processor
  namespace: mcp-mesh
spec:
  scriptConfigMap: data-processor-code
  replicas: 3
  capabilities:
    - name: data_transformation
      version: "2.0.0"
  dependencies:
    - name: database-service
      version: ">=3.0.0"
  resources:
    requests:
      cpu: "500m"
      memory: "1Gi"
    limits:
      cpu: "2"
      memory: "4Gi"
`;

type Agent = {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: Record<string, unknown>;
    status?: Record<string, unknown>;
};

describe("MCPAgent CRD", () => {
    let crd: K8sObject;
    let validate: ValidateFunction;
    const examples = parseAllDocuments(SEED_EXAMPLES).map((doc) => doc.toJS() as Agent);
    const basic = examples[0];

    before(async () => {
        crd = find((await renderFixture("dev")).objects, "CustomResourceDefinition", "mcpagents.mesh.mcp.io");
        validate = crdValidator(crd);
    });

    it("is namespaced v1alpha1 in group mesh.mcp.io with short name mcpa and categories", () => {
        const spec = crd.spec as { group: string; scope: string; names: Record<string, unknown>; versions: Record<string, unknown>[] };
        assert.equal(spec.group, "mesh.mcp.io");
        assert.equal(spec.scope, "Namespaced");
        assert.deepEqual(spec.names.shortNames, ["mcpa"]);
        assert.deepEqual(spec.names.categories, ["mcp", "mesh"]);
        assert.equal(spec.names.kind, "MCPAgent");
        assert.equal(spec.versions.length, 1);
        assert.equal(spec.versions[0].name, "v1alpha1");
        assert.deepEqual(spec.versions[0].subresources, { status: {} });
        const columns = spec.versions[0].additionalPrinterColumns as { name: string; priority?: number }[];
        assert.deepEqual(
            columns.map((c) => `${c.name}${c.priority ? " (wide)" : ""}`),
            ["Status", "Replicas", "Available", "Age", "Version (wide)", "Registry (wide)"],
        );
    });

    it("has a structural schema", () => {
        assert.deepEqual(structuralProblems(openApiSchema(crd)), []);
    });

    it("the structural check catches a node without a type", () => {
        assert.equal(structuralProblems({ type: "object", properties: { x: { description: "untyped" } } }).length, 1);
    });

    for (const example of examples) {
        it(`accepts the seed example ${example.metadata.name}`, () => {
            assert.ok(validate(example), JSON.stringify(validate.errors));
        });
    }

    it("accepts script and scriptConfigMap together, and a full status", () => {
        const agent = {
            ...basic,
            spec: { ...basic.spec, scriptConfigMap: "hello-world-code", script: "hello_world.py" },
            status: { phase: "Running", replicas: 2, availableReplicas: 2, conditions: [{ type: "Ready", status: "True" }] },
        };
        assert.ok(validate(agent), JSON.stringify(validate.errors));
    });

    const invalid: [string, Record<string, unknown>][] = [
        ["neither script nor scriptConfigMap", { replicas: 1 }],
        ["replicas above 100", { script: "a.py", replicas: 101 }],
        ["negative replicas", { script: "a.py", replicas: -1 }],
        ["replicas as text", { script: "a.py", replicas: "2" }],
        ["an unknown imagePullPolicy", { script: "a.py", imagePullPolicy: "Sometimes" }],
        ["registryTimeout 0", { script: "a.py", registryTimeout: 0 }],
        ["registryTimeout above 300", { script: "a.py", registryTimeout: 301 }],
        ["a health-check interval below 5", { script: "a.py", healthCheck: { interval: 1 } }],
        ["a health-check timeout above 60", { script: "a.py", healthCheck: { timeout: 61 } }],
        ["an HTTP port above 65535", { script: "a.py", http: { port: 70000 } }],
        ["a capability without a name", { script: "a.py", capabilities: [{ version: "1.0.0" }] }],
        ["a dependency flag that is not boolean", { script: "a.py", dependencies: [{ name: "x", optional: "yes" }] }],
        ["an unknown service type", { script: "a.py", service: { type: "ExternalName" } }],
        ["an unknown persistence access mode", { script: "a.py", persistence: { accessMode: "ReadWriteSometimes" } }],
        ["an env entry without a name", { script: "a.py", env: [{ value: "x" }] }],
    ];
    for (const [what, spec] of invalid) {
        it(`rejects ${what}`, () => {
            assert.equal(validate({ ...basic, spec }), false, `${what} was accepted`);
        });
    }

    it("rejects an unknown status phase", () => {
        assert.equal(validate({ ...basic, status: { phase: "Done" } }), false);
    });

    it("rejects an object without a spec", () => {
        assert.equal(validate({ apiVersion: basic.apiVersion, kind: basic.kind, metadata: basic.metadata }), false);
    });
});
