// Secret in, secret out: every value set with --secret reaches Kubernetes only through a
// Secret, as a secret Output (encrypted in state); a secret under any other key is refused.
import { strict as assert } from "assert";
import { ConfigError, misplacedSecrets } from "../components/config/mesh-config";
import { renderStack } from "./support/render";
import { configFrom } from "./support/stacks";
import { RegisteredResource } from "./support/mocks";

/** Stands in for every decrypted value, so each place a secret reaches can be found. */
const CANARY = "canary-e3b0c442-secret";

const SECRET_STACK = {
    agents: [{ name: "hello-world", code: "agents/hello_world.py", secretEnv: ["OPENAI_API_KEY"] }],
    agentSecrets: { "hello-world": { OPENAI_API_KEY: { secure: "v1:AAAA" } } },
    registry: { replicas: 2 },
    database: { type: "postgres", postgres: { host: "db.example.internal" } },
    databasePassword: { secure: "v1:AAAA" },
};

/** Every input path of `resource` whose value contains the canary. */
function canaryPaths(value: unknown, at: string): string[] {
    if (typeof value === "string") return value.includes(CANARY) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((item, i) => canaryPaths(item, `${at}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([key, item]) => canaryPaths(item, at ? `${at}.${key}` : key));
    }
    return [];
}

const describeResource = (r: RegisteredResource) => `${r.type} ${r.name}`;

describe("secrets", () => {
    it("reach only Secrets' data, each as a secret Output", async () => {
        const { resources } = await renderStack({ stack: "test", config: configFrom(SECRET_STACK, CANARY), redact: false });
        const reached = resources
            .map((resource) => ({ resource, paths: canaryPaths(resource.inputs, "") }))
            .filter((r) => r.paths.length > 0);
        assert.ok(reached.length >= 2, "the canary reached neither the database nor the agent Secret: the test would prove nothing");
        for (const { resource, paths } of reached) {
            assert.equal(
                resource.type,
                "kubernetes:core/v1:Secret",
                `${describeResource(resource)} carries a secret at ${paths.join(", ")}`,
            );
            const secret = await resource.secretInputs;
            for (const at of paths) {
                assert.ok(/^(stringData|data)\./.test(at), `${describeResource(resource)}: secret outside data, at ${at}`);
                assert.ok(
                    secret.some((s) => at === s || at.startsWith(`${s}.`)),
                    `${describeResource(resource)}: ${at} is not a secret Output (it would be plain in state); secret: ${secret.join(", ")}`,
                );
            }
        }
    });

    it("refuses a value set with --secret under a plain key, naming its full key path and never the value", async () => {
        const config = configFrom(
            { agents: [{ name: "hello-world", code: "agents/hello_world.py", env: { OPENAI_API_KEY: { secure: "v1:AAAA" } } }] },
            CANARY,
        );
        await assert.rejects(renderStack({ stack: "test", config }), (error: unknown) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.equal(error.problems.length, 1, error.problems.join("\n"));
            assert.match(
                error.problems[0],
                /^agents\[0\]\.env\.OPENAI_API_KEY: holds a value set with --secret.*agentSecrets\.<agent>\.<NAME>.*databasePassword/,
            );
            assert.ok(!error.message.includes(CANARY), "the refusal printed the secret value");
            return true;
        });
    });

    it("refuses secret keys set in plain text, with the command that encrypts them", () => {
        assert.deepEqual(misplacedSecrets(["databasePassword", "agentSecrets", "registry"], []), [
            "databasePassword: set in plain text; set it encrypted: pulumi config set --secret databasePassword <value>",
            "agentSecrets: set in plain text; set it encrypted: pulumi config set --secret --path 'agentSecrets.<agent>.<NAME>' <value>",
        ]);
        assert.deepEqual(misplacedSecrets(["databasePassword", "agentSecrets"], ["databasePassword", "agentSecrets"]), []);
    });
});
