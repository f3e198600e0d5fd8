import { strict as assert } from "assert";
import { itRejects, problems, Rejection } from "../support/config-problems";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig, SECRET_KEYS } from "../../components/config/mesh-config";
import { REGISTRY_IMAGE } from "../../components/config/registry";
import { PROJECT_DIR } from "../support/stacks";

describe("stack config", () => {
    it("declares in Pulumi.yaml exactly the schema's own defaults (the CLI passes them to every stack)", () => {
        const declared = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { default?: unknown }>;
        };
        const defaults = Object.fromEntries(
            Object.entries(declared.config)
                .filter(([key, declaration]) => !key.includes(":") && declaration.default !== undefined)
                .map(([key, declaration]) => [key, declaration.default]),
        );
        assert.ok(Object.keys(defaults).length >= 9, Object.keys(defaults).join(", "));
        assert.deepEqual(parseMeshConfig(defaults), parseMeshConfig({}));
        for (const secret of SECRET_KEYS) {
            assert.ok(!(secret in declared.config), `${secret} is declared: its default would be a plain-text value`);
        }
    });

    it("fills every default from an empty config", () => {
        const config = parseMeshConfig({});
        assert.equal(config.namespace, "mcp-mesh");
        assert.equal(config.createNamespace, true);
        assert.equal(config.installCrds, true);
        assert.equal(config.registry.replicas, 1);
        assert.equal(config.registry.image, REGISTRY_IMAGE);
        assert.equal(config.registry.port, 8000);
        assert.equal(config.registry.logLevel, "INFO");
        assert.deepEqual(config.registry.resources, {
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
            limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" },
        });
        assert.equal(config.registry.storage.size, "1Gi");
        assert.equal(config.registry.storage.storageClass, undefined);
        assert.equal(config.database.type, "sqlite");
    });

    it("keeps defaults for the resource fields a stack leaves out", () => {
        const config = parseMeshConfig({ registry: { resources: { limits: { memory: "1Gi" } } } });
        assert.deepEqual(config.registry.resources, {
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "64Mi" },
            limits: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "256Mi" },
        });
    });

    it("defaults sslmode by PostgreSQL mode", () => {
        const provision = parseMeshConfig({ database: { type: "postgres", postgres: { mode: "provision" } } });
        assert.equal(provision.database.postgres.sslmode, "disable");
        const external = parseMeshConfig(
            { database: { type: "postgres", postgres: { host: "db.example.com" } } },
            { secretKeys: ["databasePassword"] },
        );
        assert.equal(external.database.postgres.sslmode, "require");
    });

    const rejected: Rejection[] = [
        ["an unknown key", { registry: { replica: 3 } }, "registry.replica: unknown key; allowed keys here: replicas, image,"],
        ["an unknown top-level key", { namespaces: "x" }, "namespaces: unknown key; allowed keys here: namespace,"],
        ["a string for a number", { registry: { replicas: "three" } }, 'registry.replicas: got "three"; must be a number'],
        ["negative replicas", { registry: { replicas: -1 } }, "registry.replicas: got -1; must be >= 1"],
        ["fractional replicas", { registry: { replicas: 1.5 } }, "registry.replicas: got 1.5; must be a whole number"],
        [
            "an invalid quantity",
            { registry: { storage: { size: "10Gb" } } },
            'registry.storage.size: got "10Gb"; must be a Kubernetes quantity',
        ],
        ["an invalid namespace", { namespace: "MCP_Mesh" }, 'namespace: got "MCP_Mesh"; must be a DNS-1123 label'],
        [
            "a request above its limit",
            { registry: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } } },
            'registry.resources.requests.memory: got "2Gi"; must not exceed limits.memory (1Gi)',
        ],
        [
            "a default request above a lowered limit",
            { registry: { resources: { limits: { cpu: "50m" } } } },
            'registry.resources.requests.cpu: got "100m"; must not exceed limits.cpu (50m)',
        ],
        [
            "an untagged image",
            { registry: { image: "mcpmesh/registry" } },
            'registry.image: got "mcpmesh/registry"; must pin a version tag',
        ],
        [
            "a :latest image",
            { registry: { image: "mcpmesh/registry:latest" } },
            "registry.image: got \"mcpmesh/registry:latest\"; must not use the mutable tag ':latest'",
        ],
        [
            "an unknown log level",
            { registry: { logLevel: "VERBOSE" } },
            'registry.logLevel: got "VERBOSE"; must be one of: TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL',
        ],
        [
            "several replicas on SQLite",
            { registry: { replicas: 3 } },
            "registry.replicas: got 3; requires database.type=postgres (SQLite is single-writer",
        ],
        ["an unknown database type", { database: { type: "mysql" } }, 'database.type: got "mysql"; must be one of: sqlite, postgres'],
        [
            "an external PostgreSQL without a host",
            { database: { type: "postgres" } },
            "database.postgres.host: got nothing; is required when database.type=postgres",
        ],
        ["a port out of range", { registry: { port: 70000 } }, "registry.port: got 70000; must be <= 65535"],
        [
            "an eviction before the timeout",
            { registry: { heartbeat: { timeoutThreshold: 30, evictionThreshold: 20 } } },
            "registry.heartbeat.evictionThreshold: got 20; must be greater than registry.heartbeat.timeoutThreshold (30)",
        ],
        [
            "a misspelled affinity field",
            { registry: { affinity: { podAntiAfinity: {} } } },
            "registry.affinity.podAntiAfinity: unknown key",
        ],
        [
            "a bad toleration effect",
            { registry: { tolerations: [{ key: "dedicated", effect: "Never" }] } },
            'registry.tolerations[0].effect: got "Never"; must be one of: NoSchedule, PreferNoSchedule, NoExecute',
        ],
        ["a boolean given as text", { createNamespace: "yes" }, 'createNamespace: got "yes"; must be a boolean'],
    ];
    itRejects(rejected);

    it("reports every problem at once, one line each", () => {
        const found = problems({
            namespace: "Bad",
            registry: { replica: 3, logLevel: "LOUD", image: "x:latest", storage: { size: "1GB" } },
        });
        assert.equal(found.length, 5, found.join("\n"));
        for (const line of found) {
            assert.ok(!line.includes("\n"), line);
            assert.match(line, /^[a-zA-Z.[\]0-9]+: /);
        }
    });

    it("requires the external database password as a secret key", () => {
        const raw = { database: { type: "postgres", postgres: { host: "db.internal" } } };
        assert.deepEqual(problems(raw), [
            "databasePassword: not set; required when database.type=postgres and database.postgres.mode=external " +
                "(set it encrypted: pulumi config set --secret databasePassword <password>)",
        ]);
        assert.doesNotThrow(() => parseMeshConfig(raw, { secretKeys: ["databasePassword"] }));
    });

    it("never prints the value of an unknown key (it may be a misspelled secret)", () => {
        const found = problems({ databasePasword: "s3cr3t-value", database: { postgres: { password: "s3cr3t-value" } } });
        assert.equal(found.length, 2);
        for (const line of found) assert.doesNotMatch(line, /s3cr3t/);
    });

    it("keeps secret keys out of the plain schema", () => {
        assert.doesNotThrow(() => parseMeshConfig({ databasePassword: "<redacted>" }));
    });
});
