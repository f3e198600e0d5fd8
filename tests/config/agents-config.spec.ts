// Stack config for agents and shared storage: defaults, every rejection, secret names.
import { strict as assert } from "assert";
import { itRejects, problems, Rejection } from "../support/config-problems";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { AGENT_IMAGE } from "../../components/config/agents";
import { agentSecretProblems, presentAgentSecrets } from "../../components/config/agent-secrets";
import { ConfigError, parseMeshConfig } from "../../components/config/mesh-config";
import { PROJECT_DIR } from "../support/stacks";

const HELLO = "agents/hello_world.py";

const agent = (fields: Record<string, unknown> = {}) => ({ name: "a", code: HELLO, ...fields });
const withAgents = (...agents: Record<string, unknown>[]) => ({ agents });

describe("agents config", () => {
    it("defaults to no agents and no shared storage", () => {
        const config = parseMeshConfig({});
        assert.deepEqual(config.agents, []);
        assert.deepEqual(config.storage, {});
    });

    it("fills every default of an agent and reads its code file", () => {
        const [parsed] = parseMeshConfig(withAgents(agent())).agents;
        assert.equal(parsed.mode, "deployment");
        assert.equal(parsed.image, AGENT_IMAGE);
        assert.equal(parsed.imagePullPolicy, "IfNotPresent");
        assert.equal(parsed.replicas, 1);
        assert.equal(parsed.autoscaling, undefined);
        assert.deepEqual(parsed.service, { type: "ClusterIP", port: 8080, annotations: {} });
        assert.deepEqual(parsed.resources, {
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "128Mi" },
            limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "512Mi" },
        });
        assert.deepEqual(parsed.monitoring, { scrapeAnnotations: false, serviceMonitor: false, interval: "30s" });
        assert.deepEqual([parsed.env, parsed.secretEnv, parsed.capabilities, parsed.dependencies], [{}, [], [], []]);
        assert.deepEqual(parsed.source, {
            kind: "code",
            path: HELLO,
            fileName: "hello_world.py",
            content: fs.readFileSync(path.join(PROJECT_DIR, HELLO), "utf8"),
        });
    });

    it("takes code from an existing ConfigMap instead", () => {
        const [parsed] = parseMeshConfig(withAgents({ name: "a", scriptConfigMap: "team-code", script: "agent.py" })).agents;
        assert.deepEqual(parsed.source, { kind: "configMap", configMap: "team-code", fileName: "agent.py" });
    });

    it("normalizes the code path and stringifies plain env values", () => {
        const [parsed] = parseMeshConfig(
            withAgents(agent({ code: "./agents/../agents/hello_world.py", env: { A: 1, B: true, C: "x" } })),
        ).agents;
        assert.equal(parsed.source.kind === "code" && parsed.source.path, HELLO);
        assert.deepEqual(parsed.env, { A: "1", B: "true", C: "x" });
    });

    it("lets the HPA decide replicas when autoscaling is set", () => {
        const [parsed] = parseMeshConfig(withAgents(agent({ autoscaling: { minReplicas: 2, maxReplicas: 10 } }))).agents;
        assert.deepEqual(parsed.autoscaling, { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 80 });
        assert.equal(parsed.replicas, 2);
    });

    it("accepts the CRD's replica bounds, 0 and 100", () => {
        assert.doesNotThrow(() => parseMeshConfig(withAgents(agent({ replicas: 0 }))));
        assert.doesNotThrow(() => parseMeshConfig(withAgents(agent({ replicas: 100, persistence: { accessMode: "ReadWriteMany" } }))));
    });

    it("defaults shared volumes to ReadWriteMany with the seed's sizes", () => {
        const config = parseMeshConfig({ storage: { workspace: {}, sharedCache: { size: "20Gi", storageClass: "nfs" } } });
        assert.deepEqual(config.storage, {
            workspace: { size: "10Gi", accessMode: "ReadWriteMany" },
            sharedCache: { size: "20Gi", storageClass: "nfs", accessMode: "ReadWriteMany" },
        });
    });

    it("accepts a declared secretEnv whose encrypted value is set", () => {
        const raw = withAgents(agent({ secretEnv: ["API_KEY"] }));
        assert.doesNotThrow(() => parseMeshConfig(raw, { secretKeys: ["agentSecrets", "agentSecrets.a.API_KEY"] }));
    });

    const rejected: Rejection[] = [
        [
            "an unknown agent key",
            withAgents(agent({ replica: 3 })),
            "agents[0].replica: unknown key; allowed keys here: name, mode, image,",
        ],
        ["replicas above the CRD's 100", withAgents(agent({ replicas: 101 })), "agents[0].replicas: got 101; must be <= 100"],
        ["negative replicas", withAgents(agent({ replicas: -1 })), "agents[0].replicas: got -1; must be >= 0"],
        ["fractional replicas", withAgents(agent({ replicas: 1.5 })), "agents[0].replicas: got 1.5; must be a whole number"],
        [
            "a duplicate name",
            withAgents(agent({ name: "x" }), agent({ name: "y" }), agent({ name: "x" })),
            'agents[2].name: got "x"; duplicates agents[0].name (agent names must be unique in the stack)',
        ],
        [
            "a name that is not a DNS label",
            withAgents(agent({ name: "Hello_World" })),
            'agents[0].name: got "Hello_World"; must be a DNS-1123 label',
        ],
        ["a name starting with a digit", withAgents(agent({ name: "1st" })), 'agents[0].name: got "1st"; must start with a letter'],
        [
            "the registry's name",
            withAgents(agent({ name: "mcp-mesh-registry" })),
            'agents[0].name: got "mcp-mesh-registry"; must not be one of',
        ],
        [
            "the backup's name",
            withAgents(agent({ name: "mcp-mesh-registry-backup" })),
            'agents[0].name: got "mcp-mesh-registry-backup"; must not be one of',
        ],
        ["the mesh's own prefix", withAgents(agent({ name: "mcp-mesh" })), 'agents[0].name: got "mcp-mesh"; must not be one of'],
        ["a missing name", withAgents({ code: HELLO }), "agents[0].name: missing; must be a string"],
        [
            "an unknown mode",
            withAgents(agent({ mode: "operator" })),
            'agents[0].mode: got "operator"; must be one of: deployment, customResource',
        ],
        [
            "a code file that does not exist",
            withAgents(agent({ code: "agents/missing.py" })),
            'agents[0].code: got "agents/missing.py"; must be an existing file in this repository',
        ],
        [
            "an absolute code path",
            withAgents(agent({ code: "/etc/passwd.py" })),
            'agents[0].code: got "/etc/passwd.py"; must be a path relative to the project root',
        ],
        [
            "a code path outside the repository",
            withAgents(agent({ code: "../outside.py" })),
            'agents[0].code: got "../outside.py"; must be a file inside this repository',
        ],
        [
            "code that is not Python",
            withAgents(agent({ code: "README.md" })),
            'agents[0].code: got "README.md"; must be a Python file (.py)',
        ],
        [
            "both code and scriptConfigMap",
            withAgents(agent({ scriptConfigMap: "team-code", script: "a.py" })),
            `agents[0].code: got "${HELLO}"; set exactly one of code (a file in this repository) or scriptConfigMap with script, not both`,
        ],
        ["neither code nor scriptConfigMap", withAgents({ name: "a" }), "agents[0].code: got nothing; is required"],
        [
            "scriptConfigMap without script",
            withAgents({ name: "a", scriptConfigMap: "team-code" }),
            "agents[0].script: got nothing; is required with scriptConfigMap",
        ],
        [
            "script without scriptConfigMap",
            withAgents({ name: "a", script: "a.py" }),
            "agents[0].scriptConfigMap: got nothing; is required with script",
        ],
        [
            "a script path with a directory",
            withAgents({ name: "a", scriptConfigMap: "c", script: "dir/a.py" }),
            'agents[0].script: got "dir/a.py"; must be a file name inside the ConfigMap',
        ],
        [
            "autoscaling min above max",
            withAgents(agent({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })),
            "agents[0].autoscaling.minReplicas: got 5; must be <= autoscaling.maxReplicas (3)",
        ],
        [
            "autoscaling without max",
            withAgents(agent({ autoscaling: { minReplicas: 2 } })),
            "agents[0].autoscaling.maxReplicas: missing; must be a number",
        ],
        [
            "autoscaling max above 100",
            withAgents(agent({ autoscaling: { maxReplicas: 101 } })),
            "agents[0].autoscaling.maxReplicas: got 101; must be <= 100",
        ],
        [
            "autoscaling min of 0",
            withAgents(agent({ autoscaling: { minReplicas: 0, maxReplicas: 2 } })),
            "agents[0].autoscaling.minReplicas: got 0; must be >= 1",
        ],
        [
            "a CPU target above 100%",
            withAgents(agent({ autoscaling: { maxReplicas: 3, targetCPUUtilizationPercentage: 150 } })),
            "agents[0].autoscaling.targetCPUUtilizationPercentage: got 150; must be <= 100",
        ],
        [
            "replicas together with autoscaling",
            withAgents(agent({ replicas: 3, autoscaling: { maxReplicas: 5 } })),
            "agents[0].replicas: got 3; must not be set together with autoscaling",
        ],
        [
            "autoscaling in customResource mode",
            withAgents(agent({ mode: "customResource", autoscaling: { maxReplicas: 5 } })),
            'agents[0].autoscaling: got {"maxReplicas":5}; is only available with mode deployment',
        ],
        [
            "a service port above 65535",
            withAgents(agent({ service: { port: 70000 } })),
            "agents[0].service.port: got 70000; must be <= 65535",
        ],
        ["a service port of 0", withAgents(agent({ service: { port: 0 } })), "agents[0].service.port: got 0; must be >= 1"],
        [
            "an unknown service type",
            withAgents(agent({ service: { type: "ExternalName" } })),
            'agents[0].service.type: got "ExternalName"; must be one of: ClusterIP, NodePort, LoadBalancer',
        ],
        [
            "a secretEnv name that is not an environment variable name",
            withAgents(agent({ secretEnv: ["api-key"] })),
            'agents[0].secretEnv[0]: got "api-key"; must be an environment variable name',
        ],
        [
            "a secretEnv name listed twice",
            withAgents(agent({ secretEnv: ["TOKEN", "TOKEN"] })),
            'agents[0].secretEnv[1]: got "TOKEN"; is listed twice',
        ],
        [
            "a secretEnv name that is a shared agent setting (the pod would get it twice)",
            withAgents(agent({ secretEnv: ["MCP_MESH_DEBUG_MODE"] })),
            'agents[0].secretEnv[0]: got "MCP_MESH_DEBUG_MODE"; MCP_MESH_DEBUG_MODE is a shared agent setting (mcp-agent-config), not a secret; override it in plain env',
        ],
        [
            "a secretEnv name the program wires",
            withAgents(agent({ secretEnv: ["MCP_MESH_HTTP_PORT"] })),
            'agents[0].secretEnv[0]: got "MCP_MESH_HTTP_PORT"; MCP_MESH_HTTP_PORT is set by the program',
        ],
        [
            "a variable both plain and secret",
            withAgents(agent({ env: { TOKEN: "x" }, secretEnv: ["TOKEN"] })),
            'agents[0].secretEnv[0]: got "TOKEN"; is also set in env',
        ],
        [
            "an env name that is not an environment variable name",
            withAgents(agent({ env: { "log-level": "debug" } })),
            'agents[0].env.log-level: got "debug"; "log-level" must be an environment variable name',
        ],
        [
            "an env variable the program wires",
            withAgents(agent({ env: { MCP_MESH_REGISTRY_URL: "http://elsewhere:8000" } })),
            'agents[0].env.MCP_MESH_REGISTRY_URL: got "http://elsewhere:8000"; MCP_MESH_REGISTRY_URL is set by the program',
        ],
        [
            "an env value that is a mapping",
            withAgents(agent({ env: { A: { b: 1 } } })),
            'agents[0].env.A: got {"b":1}; must be a string, number or boolean',
        ],
        [
            "a capability version that is not semver",
            withAgents(agent({ capabilities: [{ name: "greeting", version: "1.0" }] })),
            'agents[0].capabilities[0].version: got "1.0"; must be a semantic version',
        ],
        [
            "a capability timeout above the CRD's 3600",
            withAgents(agent({ capabilities: [{ name: "g", timeout: 3601 }] })),
            "agents[0].capabilities[0].timeout: got 3601; must be <= 3600",
        ],
        [
            "a capability without a name",
            withAgents(agent({ capabilities: [{ version: "1.0.0" }] })),
            "agents[0].capabilities[0].name: missing; must be a string",
        ],
        [
            "a dependency constraint that is not one",
            withAgents(agent({ dependencies: [{ name: "db", version: "latest" }] })),
            'agents[0].dependencies[0].version: got "latest"; must be a version or constraint',
        ],
        [
            "a dependency field the CRD lacks",
            withAgents(agent({ dependencies: [{ name: "db", retries: 3 }] })),
            "agents[0].dependencies[0].retries: unknown key",
        ],
        [
            "a :latest image",
            withAgents(agent({ image: "mcpmesh/python-runtime:latest" })),
            "agents[0].image: got \"mcpmesh/python-runtime:latest\"; must not use the mutable tag ':latest'",
        ],
        [
            "a request above its limit",
            withAgents(agent({ resources: { requests: { memory: "1Gi" } } })),
            'agents[0].resources.requests.memory: got "1Gi"; must not exceed limits.memory (512Mi)',
        ],
        [
            "a single-node workspace for several replicas",
            withAgents(agent({ replicas: 3, persistence: { size: "5Gi" } })),
            'agents[0].persistence.accessMode: got "ReadWriteOnce"; cannot serve 3 pods spread over nodes; use ReadWriteMany',
        ],
        [
            "a bad persistence size",
            withAgents(agent({ persistence: { size: "5GB" } })),
            'agents[0].persistence.size: got "5GB"; must be a Kubernetes quantity',
        ],
        [
            "a shared volume the stack does not define",
            withAgents(agent({ sharedStorage: ["sharedCache"] })),
            'agents[0].sharedStorage[0]: got "sharedCache"; storage.sharedCache is not defined',
        ],
        [
            "an unknown shared volume",
            withAgents(agent({ sharedStorage: ["scratch"] })),
            'agents[0].sharedStorage[0]: got "scratch"; must be one of: workspace, sharedCache, logs',
        ],
        [
            "shared volumes in customResource mode",
            { storage: { logs: {} }, ...withAgents(agent({ mode: "customResource", sharedStorage: ["logs"] })) },
            'agents[0].sharedStorage: got ["logs"]; is only available with mode deployment',
        ],
        [
            "a single-node shared volume for several pods",
            { storage: { logs: { accessMode: "ReadWriteOnce" } }, ...withAgents(agent({ replicas: 2, sharedStorage: ["logs"] })) },
            'storage.logs.accessMode: got "ReadWriteOnce"; cannot serve the 2 agent pods that mount it (a); use ReadWriteMany',
        ],
        [
            "an unknown storage key",
            { storage: { cache: {} } },
            "storage.cache: unknown key; allowed keys here: workspace, sharedCache, logs",
        ],
        ["agents as a mapping", { agents: { a: agent() } }, "agents: got"],
    ];
    itRejects(rejected);

    describe("secret environment", () => {
        it("requires the encrypted value of every declared name, naming agent and variable and the command", () => {
            const found = problems(withAgents(agent({ name: "billing", secretEnv: ["STRIPE_KEY"] })));
            assert.deepEqual(found, [
                'agents[0].secretEnv[0]: got "STRIPE_KEY"; no encrypted value for agent billing; ' +
                    "set it: pulumi config set --secret --path 'agentSecrets.billing.STRIPE_KEY' <value>",
            ]);
        });

        it("rejects a value that no agent declares, without showing it", () => {
            const found = problems(withAgents(agent()), ["agentSecrets", "agentSecrets.a.OLD_TOKEN"]);
            assert.deepEqual(found, [
                "agentSecrets.a.OLD_TOKEN: set, but no agent named a lists OLD_TOKEN in secretEnv; " +
                    "add it there, or remove it: pulumi config rm --path 'agentSecrets.a.OLD_TOKEN'",
            ]);
        });

        it("reads which values are present from the structured key, never their content", () => {
            assert.deepEqual(presentAgentSecrets({ a: { TOKEN: "s3cret", PORT: 5 }, b: "not-a-mapping", c: { NESTED: { x: 1 } } }), [
                "agentSecrets.a.TOKEN",
                "agentSecrets.a.PORT",
            ]);
            assert.deepEqual(presentAgentSecrets("<redacted>"), []);
            assert.deepEqual(presentAgentSecrets(undefined), []);
            const lines = agentSecretProblems([{ name: "a", secretEnv: ["TOKEN"] }], presentAgentSecrets({ a: { OTHER: "s3cret" } }));
            assert.equal(lines.length, 2);
            assert.ok(lines.every((line) => !line.includes("s3cret")));
        });

        it("keeps the secret key out of the plain schema", () => {
            const raw = { ...withAgents(agent({ secretEnv: ["API_KEY"] })), agentSecrets: { a: { API_KEY: "s3cret" } } };
            assert.doesNotThrow(() => parseMeshConfig(raw, { secretKeys: ["agentSecrets", "agentSecrets.a.API_KEY"] }));
        });
    });

    it("reports every problem of every agent at once, one line each", () => {
        const found = problems(withAgents(agent({ replicas: 101, service: { port: 0 } }), { name: "a", code: "nope.py", mode: "x" }));
        assert.ok(found.length >= 4, found.join("\n"));
        for (const line of found) {
            assert.ok(!line.includes("\n"), line);
            assert.match(line, /^agents\[\d\][a-zA-Z.[\]0-9]*: /);
        }
    });

    it("answers any agent entry with a ConfigError or a config, never a crash", () => {
        const fieldValue = fc.oneof(fc.anything(), fc.constant(HELLO), fc.integer({ min: -5, max: 120 }));
        const entry = fc.record(
            {
                name: fc.oneof(fc.constant("a"), fc.anything()),
                code: fieldValue,
                mode: fc.oneof(fc.constantFrom("deployment", "customResource"), fc.anything()),
                replicas: fieldValue,
                scriptConfigMap: fieldValue,
                script: fieldValue,
                env: fc.oneof(fc.dictionary(fc.string(), fc.anything()), fc.anything()),
                secretEnv: fc.oneof(fc.array(fc.string()), fc.anything()),
                autoscaling: fc.oneof(fc.record({ minReplicas: fieldValue, maxReplicas: fieldValue }, { requiredKeys: [] }), fc.anything()),
                persistence: fc.oneof(
                    fc.record({ accessMode: fc.anything(), enabled: fc.anything() }, { requiredKeys: [] }),
                    fc.anything(),
                ),
                sharedStorage: fc.oneof(fc.array(fc.constantFrom("logs", "workspace")), fc.anything()),
            },
            { requiredKeys: [] },
        );
        fc.assert(
            fc.property(fc.array(entry, { maxLength: 3 }), fc.anything(), (agents, storage) => {
                try {
                    parseMeshConfig({ agents, storage });
                } catch (error) {
                    assert.ok(error instanceof ConfigError, String(error));
                }
            }),
            { numRuns: 300 },
        );
    });
});
