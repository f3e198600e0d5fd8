// The policy pack: each rule catches what it should, and dev and prod pass it.
import { strict as assert } from "assert";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../policy/policies";
import * as rules from "../policy/rules";
import { K8sObject } from "./support/render";
import { find, FIXTURE_STACKS, renderFixture } from "./support/stacks";

function policyResource(object: K8sObject): PolicyResource {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
    return {
        type: `kubernetes:${group}/${version}:${object.kind}`,
        props: object,
        urn: `urn:pulumi:test::mcp-mesh::${object.kind}::${object.metadata.name}`,
        name: object.metadata.name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

/** Runs every policy of the pack the way the engine would, collecting violations. */
async function runPack(objects: K8sObject[]): Promise<string[]> {
    const violations: string[] = [];
    const resources = objects.map(policyResource);
    const common = {
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>(): T => {
            throw new Error("the pack has no config");
        },
        notApplicable: (): never => {
            throw new Error("not applicable");
        },
    };
    for (const policy of policies) {
        const report = (message: string) => violations.push(`${policy.name}: ${message}`);
        if ("validateStack" in policy) {
            await (policy as StackValidationPolicy).validateStack({ resources, ...common }, report);
            continue;
        }
        const validations = (policy as ResourceValidationPolicy).validateResource;
        for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
            for (const resource of resources) {
                const { type, props, urn, name, opts } = resource;
                await validate({ type, props, urn, name, opts, isType: () => false, asType: () => undefined, ...common }, report);
            }
        }
    }
    return violations;
}

describe("policy pack", () => {
    let registry: K8sObject;
    before(async () => {
        registry = find((await renderFixture("prod")).objects, "StatefulSet", "mcp-mesh-registry");
    });

    function withContainer(change: (c: Record<string, unknown>) => void): K8sObject {
        const copy = JSON.parse(JSON.stringify(registry)) as K8sObject;
        const pod = (copy.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
        change(pod.containers[0]);
        return copy;
    }

    for (const stack of FIXTURE_STACKS) {
        it(`passes the rendered fixture stack ${stack} with zero violations`, async () => {
            assert.deepEqual(await runPack((await renderFixture(stack)).objects), []);
        });
    }

    it("catches privilege escalation, kept capabilities and root", () => {
        const bad = withContainer((c) => (c.securityContext = { allowPrivilegeEscalation: true, runAsUser: 0 }));
        const found = rules.podSecurityViolations(bad);
        assert.ok(found.some((p) => p.includes("allowPrivilegeEscalation")));
        assert.ok(found.some((p) => p.includes("drop ALL")));
        assert.ok(found.some((p) => p.includes("uid 0")));
        assert.deepEqual(rules.podSecurityViolations(registry), []);
    });

    it("catches a container without limits", () => {
        const bad = withContainer((c) => (c.resources = { requests: { cpu: "1", memory: "1Gi" } }));
        assert.deepEqual(rules.resourceLimitViolations(bad), [
            "StatefulSet/mcp-mesh-registry container registry has no limits.cpu",
            "StatefulSet/mcp-mesh-registry container registry has no limits.memory",
        ]);
    });

    it("catches :latest and untagged images, accepts digests", () => {
        assert.equal(rules.imageTagViolations(withContainer((c) => (c.image = "mcpmesh/registry:latest"))).length, 1);
        assert.equal(rules.imageTagViolations(withContainer((c) => (c.image = "mcpmesh/registry"))).length, 1);
        assert.equal(rules.imageTagViolations(withContainer((c) => (c.image = `mcpmesh/registry@sha256:${"a".repeat(64)}`))).length, 0);
        assert.equal(rules.imageTagViolations(withContainer((c) => (c.image = "registry.local:5000/registry"))).length, 1);
    });

    it("catches credentials in ConfigMaps and plain env values", () => {
        const configMap = {
            kind: "ConfigMap",
            metadata: { name: "settings" },
            data: { DATABASE_URL: "postgres://mesh:hunter2@db:5432/mesh", LOG: "INFO" },
        };
        assert.deepEqual(rules.credentialViolations(configMap), ["ConfigMap/settings key DATABASE_URL looks like a credential"]);
        const bad = withContainer((c) => (c.env = [{ name: "API_TOKEN", value: "abc" }]));
        assert.equal(rules.credentialViolations(bad).length, 1);
    });

    it("counts an autoscaled workload by the most pods its HPA may run", () => {
        const deployment = { kind: "Deployment", metadata: { name: "web" }, spec: { template: { metadata: { labels: { app: "web" } } } } };
        const hpa = (maxReplicas: number) => ({
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "web" },
            spec: { scaleTargetRef: { name: "web" }, minReplicas: 1, maxReplicas },
        });
        assert.deepEqual(rules.disruptionBudgetViolations([deployment, hpa(3)]), [
            "Deployment/web runs several replicas without a PodDisruptionBudget",
        ]);
        assert.deepEqual(rules.disruptionBudgetViolations([deployment, hpa(1)]), []);
    });

    it("catches a multi-replica workload without a PDB, and a pod without a NetworkPolicy", async () => {
        const { objects } = await renderFixture("prod");
        const withoutPdb = objects.filter((o) => !(o.kind === "PodDisruptionBudget" && o.metadata.name === "mcp-mesh-registry"));
        assert.deepEqual(rules.disruptionBudgetViolations(withoutPdb), [
            "StatefulSet/mcp-mesh-registry runs several replicas without a PodDisruptionBudget",
        ]);
        // The namespace-wide default deny covers every pod: remove it and the registry's own policies.
        const registryPolicies = ["mcp-mesh-registry", "mcp-mesh-default-deny", "mcp-mesh-allow-dns", "mcp-mesh-registry-egress"];
        const withoutPolicies = objects.filter((o) => !(o.kind === "NetworkPolicy" && registryPolicies.includes(o.metadata.name)));
        assert.deepEqual(rules.networkPolicyViolations(withoutPolicies), [
            "StatefulSet/mcp-mesh-registry is not covered by any NetworkPolicy",
            "StatefulSet/mcp-mesh-postgres has unrestricted egress (no Egress NetworkPolicy)",
        ]);
        const ingressOnly = objects.filter((o) => !(o.kind === "NetworkPolicy" && registryPolicies.slice(1).includes(o.metadata.name)));
        assert.deepEqual(rules.networkPolicyViolations(ingressOnly), [
            "StatefulSet/mcp-mesh-postgres has unrestricted egress (no Egress NetworkPolicy)",
            "StatefulSet/mcp-mesh-registry has unrestricted egress (no Egress NetworkPolicy)",
        ]);
        assert.ok((await runPack(withoutPdb)).some((v) => v.startsWith("pdb-for-multi-replica:")));
    });
});
