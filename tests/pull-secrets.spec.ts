// imagePullSecrets: the stack's for every pod it runs, an agent's own on top, under Pulumi mocks.
import { strict as assert } from "assert";
import { ConfigError, parseMeshConfig } from "../components/config/mesh-config";
import { podTemplate } from "./support/pods";
import { K8sObject } from "./support/render";
import { find, renderConfig } from "./support/stacks";

const hello = (fields: Record<string, unknown> = {}) => ({ name: "hello-world", code: "agents/hello_world.py", ...fields });
const PROVISIONED = { type: "postgres", postgres: { mode: "provision" } };

function pullSecretsOf(objects: K8sObject[], kind: string, name: string): string[] | undefined {
    const pod = podTemplate(find(objects, kind, name));
    assert.ok(pod, `${kind} ${name} has no pod template`);
    return pod.spec.imagePullSecrets?.map((ref) => ref.name);
}

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        parseMeshConfig(raw);
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
    return [];
}

describe("imagePullSecrets", () => {
    it("renders none by default: no field on any pod", async () => {
        const { objects } = await renderConfig({ agents: [hello()] });
        for (const [kind, name] of [
            ["StatefulSet", "mcp-mesh-registry"],
            ["Deployment", "hello-world"],
            ["CronJob", "mcp-mesh-registry-backup"],
        ]) {
            assert.equal(pullSecretsOf(objects, kind, name), undefined, `${kind} ${name}`);
        }
    });

    it("gives the stack's Secrets to every pod it runs, and an agent's own after them (each once)", async () => {
        const { objects } = await renderConfig({
            imagePullSecrets: ["corp-registry"],
            database: PROVISIONED,
            registry: { replicas: 1 },
            agents: [hello({ imagePullSecrets: ["team-a", "corp-registry"] }), { name: "other", code: "agents/hello_world.py" }],
        });
        assert.deepEqual(pullSecretsOf(objects, "StatefulSet", "mcp-mesh-registry"), ["corp-registry"]);
        assert.deepEqual(pullSecretsOf(objects, "StatefulSet", "mcp-mesh-postgres"), ["corp-registry"]);
        assert.deepEqual(pullSecretsOf(objects, "CronJob", "mcp-mesh-registry-backup"), ["corp-registry"]);
        assert.deepEqual(pullSecretsOf(objects, "Deployment", "hello-world"), ["corp-registry", "team-a"]);
        assert.deepEqual(pullSecretsOf(objects, "Deployment", "other"), ["corp-registry"]);
    });

    it("refuses a name that is not a Secret name, a name listed twice, and an agent's own in customResource mode", () => {
        assert.deepEqual(problemsOf({ imagePullSecrets: ["Corp_Registry"] }), [
            "imagePullSecrets[0]: got \"Corp_Registry\"; must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit)",
        ]);
        assert.deepEqual(problemsOf({ agents: [hello({ imagePullSecrets: ["a", "a"] })] }), [
            'agents[0].imagePullSecrets[1]: got "a"; is listed twice',
        ]);
        const [problem] = problemsOf({ agents: [hello({ mode: "customResource", imagePullSecrets: ["a"] })] });
        assert.match(problem, /^agents\[0\]\.imagePullSecrets: got \["a"\]; is only available with mode deployment/);
    });
});
