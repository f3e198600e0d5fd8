// The Agent component in both modes, its wiring, secrets, scaling and rollouts, under Pulumi mocks.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { createAgents } from "../../components/agents/agents";
import { ConfigError, parseMeshConfig } from "../../components/config/mesh-config";
import { crdValidator, openApiSchema, prunedFields } from "../support/crd-schema";
import { ContainerView, podTemplate } from "../support/pods";
import { K8sObject, Rendered, renderStack, toYamlStream } from "../support/render";
import { configFrom, find, ofKind, PROJECT_DIR, renderConfig } from "../support/stacks";

/** A release newer than the last one known to serve no /metrics (components/k8s/metrics.ts). */
const METRICS_RUNTIME = "mcpmesh/python-runtime:3.9.0";

const HELLO = "agents/hello_world.py";
const hello = (fields: Record<string, unknown> = {}) => ({ name: "hello-world", code: HELLO, ...fields });
const withAgents = (...agents: Record<string, unknown>[]) => ({ agents });

async function objectsOf(config: Record<string, unknown>): Promise<K8sObject[]> {
    return (await renderConfig(config)).objects;
}

function agentContainer(objects: K8sObject[], name: string): ContainerView {
    const container = podTemplate(find(objects, "Deployment", name))?.spec.containers[0];
    assert.ok(container, `Deployment ${name} has no container`);
    return container;
}

function envOf(container: ContainerView): Map<string, unknown> {
    return new Map((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

function registered(rendered: Rendered, type: string, name: string) {
    const resource = rendered.resources.find((r) => r.type === type && r.name === name);
    assert.ok(resource, `no ${type} ${name} registered`);
    return resource;
}

describe("Agent component, mode deployment", () => {
    let rendered: Rendered;
    let objects: K8sObject[];

    before(async () => {
        rendered = await renderConfig(withAgents(hello({ replicas: 2 })));
        objects = rendered.objects;
    });

    it("creates the Deployment, its Service, code ConfigMap, PDB and NetworkPolicy, and no MCPAgent", () => {
        const kinds = objects.filter((o) => o.metadata.name.startsWith("hello-world")).map((o) => `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(kinds.sort(), [
            "ConfigMap/hello-world-code",
            "Deployment/hello-world",
            "NetworkPolicy/hello-world",
            "PodDisruptionBudget/hello-world",
            "Service/hello-world",
        ]);
        assert.equal(ofKind(objects, "MCPAgent").length, 0);
        assert.ok(registered(rendered, "mcp-mesh:index:Agent", "mcp-mesh-agent-hello-world"));
    });

    it("labels the Deployment and its pods as the seed's kubectl commands expect", () => {
        const deployment = find(objects, "Deployment", "hello-world");
        for (const labels of [deployment.metadata.labels, podTemplate(deployment)?.metadata.labels]) {
            assert.equal(labels?.["app.kubernetes.io/component"], "agent");
            assert.equal(labels?.["app.kubernetes.io/name"], "hello-world");
        }
        assert.deepEqual((deployment.spec as { selector: unknown }).selector, {
            matchLabels: { "app.kubernetes.io/name": "hello-world", "app.kubernetes.io/instance": "test" },
        });
    });

    it("keeps its ready capacity during a rollout", () => {
        const spec = find(objects, "Deployment", "hello-world").spec as Record<string, unknown>;
        assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        assert.ok((spec.minReadySeconds as number) > 0);
        assert.equal(spec.replicas, 2);
    });

    it("packs the code file into <agent>-code and runs it from /app/agent, read-only", () => {
        const configMap = find(objects, "ConfigMap", "hello-world-code");
        assert.deepEqual(configMap.data, { "hello_world.py": fs.readFileSync(path.join(PROJECT_DIR, HELLO), "utf8") });
        const pod = podTemplate(find(objects, "Deployment", "hello-world"))?.spec;
        const container = agentContainer(objects, "hello-world") as ContainerView & {
            args: string[];
            volumeMounts: { readOnly?: boolean }[];
        };
        assert.deepEqual(container.args, ["/app/agent/hello_world.py"]);
        assert.deepEqual(pod?.volumes?.find((v) => v.name === "code")?.configMap, { name: "hello-world-code", defaultMode: 0o444 });
        assert.deepEqual(
            container.volumeMounts.find((m) => (m as { name: string }).name === "code"),
            { name: "code", mountPath: "/app/agent", readOnly: true },
        );
    });

    it("sets the runtime contract's environment, advertising its own Service name", () => {
        const env = envOf(agentContainer(objects, "hello-world"));
        assert.equal(env.get("MCP_MESH_REGISTRY_URL"), rendered.outputs.registryUrl);
        assert.equal(env.get("MCP_MESH_REGISTRY_URL"), "http://mcp-mesh-registry.mcp-mesh.svc.cluster.local:8000");
        assert.equal(env.get("MCP_MESH_AGENT_NAME"), "hello-world");
        assert.equal(env.get("MCP_MESH_HTTP_HOST"), "hello-world.mcp-mesh.svc.cluster.local");
        assert.equal(env.get("MCP_MESH_HTTP_PORT"), "8080");
        assert.equal(env.get("HOST"), "0.0.0.0");
        assert.deepEqual(env.get("POD_IP"), { fieldRef: { fieldPath: "status.podIP" } });
        for (const key of ["MCP_MESH_LOG_LEVEL", "MCP_MESH_DEBUG_MODE", "PYTHONUNBUFFERED"]) {
            assert.deepEqual(env.get(key), { configMapKeyRef: { name: "mcp-agent-config", key } });
        }
    });

    it("derives the registry URL from the registry's rendered Service", () => {
        const service = find(objects, "Service", "mcp-mesh-registry");
        const port = (service.spec as { ports: { port: number }[] }).ports[0].port;
        const expected = `http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${port}`;
        assert.equal(envOf(agentContainer(objects, "hello-world")).get("MCP_MESH_REGISTRY_URL"), expected);
    });

    it("probes startup, liveness and readiness on the runtime's own endpoints", () => {
        const container = agentContainer(objects, "hello-world");
        const httpGet = (probe: unknown) => (probe as { httpGet: unknown }).httpGet;
        assert.deepEqual(httpGet(container.startupProbe), { path: "/startupz", port: "http" });
        assert.deepEqual(httpGet(container.livenessProbe), { path: "/livez", port: "http" });
        assert.deepEqual(httpGet(container.readinessProbe), { path: "/ready", port: "http" });
    });

    it("runs restricted as uid 999 on a read-only root, with /tmp writable, no API token", () => {
        const pod = podTemplate(find(objects, "Deployment", "hello-world"))?.spec as unknown as Record<string, unknown> & {
            securityContext: Record<string, unknown>;
            volumes: { name: string; emptyDir?: unknown }[];
        };
        assert.equal(pod.securityContext.runAsUser, 999);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(agentContainer(objects, "hello-world").securityContext?.readOnlyRootFilesystem, true);
        assert.ok(pod.volumes.find((v) => v.name === "tmp")?.emptyDir);
        assert.deepEqual(agentContainer(objects, "hello-world").resources, {
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "128Mi" },
            limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "512Mi" },
        });
    });

    it("spreads its pods over nodes and zones", () => {
        const pod = podTemplate(find(objects, "Deployment", "hello-world"))?.spec as unknown as {
            affinity: {
                podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { topologyKey: string } }[] };
            };
            topologySpreadConstraints: { topologyKey: string; whenUnsatisfiable: string }[];
        };
        assert.equal(
            pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
            "kubernetes.io/hostname",
        );
        assert.deepEqual(
            pod.topologySpreadConstraints.map((c) => c.topologyKey),
            ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
    });

    it("serves on a Service named after the agent", () => {
        const service = find(objects, "Service", "hello-world");
        assert.deepEqual(service.spec, {
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": "hello-world", "app.kubernetes.io/instance": "test" },
            ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
        });
    });

    it("admits agents and the registry on its port, nothing else", () => {
        const policy = find(objects, "NetworkPolicy", "hello-world").spec as Record<string, unknown>;
        assert.deepEqual(policy.policyTypes, ["Ingress"]);
        assert.deepEqual(policy.ingress, [
            {
                from: [
                    {
                        podSelector: {
                            matchLabels: { "app.kubernetes.io/part-of": "mcp-mesh" },
                            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["agent", "registry"] }],
                        },
                    },
                ],
                ports: [{ port: 8080, protocol: "TCP" }],
            },
        ]);
    });

    it("does not annotate its pods for Prometheus (the runtime serves no /metrics), and describes its capabilities", async () => {
        const annotations = podTemplate(find(objects, "Deployment", "hello-world"))?.metadata.annotations ?? {};
        assert.deepEqual(
            Object.keys(annotations).filter((key) => key.startsWith("prometheus.io/")),
            [],
        );
        const withCapability = await objectsOf(withAgents(hello({ capabilities: [{ name: "greeting", version: "1.0.0" }] })));
        assert.equal(
            find(withCapability, "Deployment", "hello-world").metadata.annotations?.["mcp-mesh.io/capabilities"],
            '[{"name":"greeting","version":"1.0.0"}]',
        );
    });

    it("shares mcp-agent-config: the runtime's defaults, independent of the registry, overridable per agent", async () => {
        const objects = await objectsOf({
            registry: { logLevel: "WARNING" },
            ...withAgents(hello(), hello({ name: "chatty", env: { MCP_MESH_LOG_LEVEL: "DEBUG", FEATURE: true } })),
        });
        const settings = find(objects, "ConfigMap", "mcp-agent-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_LOG_LEVEL, "INFO");
        assert.equal(settings.MCP_MESH_DEBUG_MODE, "false");
        assert.equal(settings.PYTHONUNBUFFERED, "1");
        const chatty = envOf(agentContainer(objects, "chatty"));
        assert.equal(chatty.get("MCP_MESH_LOG_LEVEL"), "DEBUG");
        assert.equal(chatty.get("FEATURE"), "true");
        assert.deepEqual(envOf(agentContainer(objects, "hello-world")).get("MCP_MESH_LOG_LEVEL"), {
            configMapKeyRef: { name: "mcp-agent-config", key: "MCP_MESH_LOG_LEVEL" },
        });
        const names = (agentContainer(objects, "chatty").env ?? []).map((e) => e.name);
        assert.equal(new Set(names).size, names.length, `duplicate env names: ${names.join(", ")}`);
    });

    it("creates no agent objects for a stack without agents", async () => {
        const objects = await objectsOf({});
        assert.equal(objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "agent").length, 0);
    });
});

describe("Agent component: scaling", () => {
    it("hands replicas to an HPA when autoscaling is set, and never sets them itself", async () => {
        const rendered = await renderConfig(
            withAgents(hello({ autoscaling: { minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 70 } })),
        );
        const hpa = find(rendered.objects, "HorizontalPodAutoscaler", "hello-world");
        assert.equal(hpa.apiVersion, "autoscaling/v2");
        assert.deepEqual(hpa.spec, {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "hello-world" },
            minReplicas: 2,
            maxReplicas: 8,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
        const deployment = find(rendered.objects, "Deployment", "hello-world");
        assert.ok(!("replicas" in (deployment.spec as object)), "the Deployment must leave replicas to the HPA");
        assert.equal(
            registered(rendered, "kubernetes:apps/v1:Deployment", "mcp-mesh-agent-hello-world-deployment").options.ignoreChanges,
            undefined,
        );
        assert.ok(find(rendered.objects, "PodDisruptionBudget", "hello-world"));
    });

    it("scales by config: `agents[0].replicas` is the Deployment's replica count, and nothing else changes", async () => {
        const two = await objectsOf(withAgents(hello({ replicas: 2 })));
        const five = await objectsOf(withAgents(hello({ replicas: 5 })));
        assert.equal((find(five, "Deployment", "hello-world").spec as { replicas: number }).replicas, 5);
        const without = (objects: K8sObject[]) =>
            toYamlStream(objects.map((o) => (o.kind === "Deployment" ? { ...o, spec: { ...(o.spec as object), replicas: 0 } } : o)));
        assert.equal(without(five), without(two));
        assert.equal(ofKind(five, "HorizontalPodAutoscaler").length, 0);
    });

    const pdbCases: [string, Record<string, unknown>, boolean][] = [
        ["one replica", { replicas: 1 }, false],
        ["no replicas", { replicas: 0 }, false],
        ["two replicas", { replicas: 2 }, true],
        ["autoscaling up to one", { autoscaling: { maxReplicas: 1 } }, false],
        ["autoscaling up to three", { autoscaling: { maxReplicas: 3 } }, true],
    ];
    for (const [what, fields, expected] of pdbCases) {
        it(`${expected ? "adds" : "omits"} a PodDisruptionBudget with ${what}`, async () => {
            const pdbs = ofKind(await objectsOf(withAgents(hello(fields))), "PodDisruptionBudget").filter(
                (p) => p.metadata.name === "hello-world",
            );
            assert.equal(pdbs.length, expected ? 1 : 0);
            if (expected) {
                assert.equal((pdbs[0].spec as { maxUnavailable: number }).maxUnavailable, 1);
            }
        });
    }
});

describe("Agent component: storage, service and monitoring options", () => {
    it("mounts its own workspace claim, recreating pods on a single-node volume", async () => {
        const objects = await objectsOf(withAgents(hello({ persistence: { size: "5Gi", storageClass: "fast-ssd" } })));
        const claim = find(objects, "PersistentVolumeClaim", "hello-world-workspace");
        assert.deepEqual(claim.spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "fast-ssd",
            resources: { requests: { storage: "5Gi" } },
        });
        const deployment = find(objects, "Deployment", "hello-world");
        assert.deepEqual((deployment.spec as { strategy: unknown }).strategy, { type: "Recreate" });
        assert.ok(
            agentContainer(objects, "hello-world").volumeMounts?.some((m) => m.name === "workspace" && m.mountPath === "/app/workspace"),
        );
        const shared = await objectsOf(withAgents(hello({ replicas: 3, persistence: { accessMode: "ReadWriteMany" } })));
        assert.equal((find(shared, "Deployment", "hello-world").spec as { strategy: { type: string } }).strategy.type, "RollingUpdate");
    });

    it("protects and retains the agents' claims when the stack protects its data", async () => {
        const config = { protectData: true, storage: { logs: {} }, ...withAgents(hello({ persistence: {}, sharedStorage: ["logs"] })) };
        const rendered = await renderConfig(config);
        for (const name of ["mcp-mesh-agent-hello-world-workspace", "mcp-mesh-shared-storage-logs"]) {
            const options = registered(rendered, "kubernetes:core/v1:PersistentVolumeClaim", name).options;
            assert.deepEqual([options.protect, options.retainOnDelete], [true, true], name);
        }
        const unprotected = await renderConfig({ ...config, protectData: false });
        assert.equal(
            registered(unprotected, "kubernetes:core/v1:PersistentVolumeClaim", "mcp-mesh-agent-hello-world-workspace").options.protect,
            undefined,
        );
    });

    it("creates the shared claims the stack defines and mounts the ones an agent lists", async () => {
        const objects = await objectsOf({
            storage: { sharedCache: { size: "2Gi", storageClass: "nfs" }, logs: {} },
            ...withAgents(hello({ sharedStorage: ["sharedCache"] })),
        });
        assert.deepEqual(find(objects, "PersistentVolumeClaim", "mcp-mesh-shared-cache").spec, {
            accessModes: ["ReadWriteMany"],
            storageClassName: "nfs",
            resources: { requests: { storage: "2Gi" } },
        });
        find(objects, "PersistentVolumeClaim", "mcp-mesh-logs");
        assert.equal(
            ofKind(objects, "PersistentVolumeClaim").some((c) => c.metadata.name === "mcp-mesh-workspace"),
            false,
        );
        const pod = podTemplate(find(objects, "Deployment", "hello-world"))?.spec;
        assert.deepEqual(pod?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim, { claimName: "mcp-mesh-shared-cache" });
        assert.ok(agentContainer(objects, "hello-world").volumeMounts?.some((m) => m.mountPath === "/shared/cache"));
    });

    it("exposes a LoadBalancer with its annotations, and admits outside traffic on the agent's port only", async () => {
        const objects = await objectsOf(
            withAgents(hello({ service: { type: "LoadBalancer", port: 9090, annotations: { "lb.example/internal": "true" } } })),
        );
        const service = find(objects, "Service", "hello-world");
        assert.equal((service.spec as { type: string }).type, "LoadBalancer");
        assert.equal(service.metadata.annotations?.["lb.example/internal"], "true");
        assert.equal(envOf(agentContainer(objects, "hello-world")).get("MCP_MESH_HTTP_PORT"), "9090");
        const ingress = (find(objects, "NetworkPolicy", "hello-world").spec as { ingress: unknown[] }).ingress;
        assert.deepEqual(ingress[ingress.length - 1], { ports: [{ port: 9090, protocol: "TCP" }] });
    });

    it("refuses scrape settings for a runtime version that serves no /metrics", async () => {
        for (const option of ["scrapeAnnotations", "serviceMonitor"]) {
            await assert.rejects(objectsOf(withAgents(hello({ monitoring: { [option]: true } }))), (error: unknown) => {
                assert.ok(error instanceof ConfigError);
                assert.ok(
                    error.problems.some(
                        (line) => line.startsWith(`agents[0].monitoring.${option}: got true;`) && line.includes("serves no /metrics"),
                    ),
                    error.problems.join("\n"),
                );
                return true;
            });
        }
    });

    it("admits the stack's monitoring namespace, and creates a ServiceMonitor only when asked, for a version that may serve /metrics", async () => {
        const plain = await objectsOf({ registry: { monitoring: { namespace: "observability" } }, ...withAgents(hello()) });
        assert.equal(ofKind(plain, "ServiceMonitor").filter((m) => m.metadata.name === "hello-world").length, 0);
        assert.equal((find(plain, "NetworkPolicy", "hello-world").spec as { ingress: unknown[] }).ingress.length, 1);
        const monitored = await objectsOf({
            registry: { monitoring: { namespace: "observability" } },
            ...withAgents(hello({ image: METRICS_RUNTIME, monitoring: { serviceMonitor: true } })),
        });
        const monitor = find(monitored, "ServiceMonitor", "hello-world");
        assert.deepEqual((monitor.spec as { endpoints: unknown }).endpoints, [{ port: "http", path: "/metrics", interval: "30s" }]);
        assert.equal(podTemplate(find(monitored, "Deployment", "hello-world"))?.metadata.annotations?.["prometheus.io/scrape"], undefined);
        const ingress = (find(monitored, "NetworkPolicy", "hello-world").spec as { ingress: { from: { namespaceSelector?: unknown }[] }[] })
            .ingress;
        assert.deepEqual(ingress[1].from[0].namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "observability" } });
    });

    it("mounts an existing scriptConfigMap instead of packing code", async () => {
        const objects = await objectsOf(withAgents({ name: "team", scriptConfigMap: "team-code", script: "main.py" }));
        assert.equal(
            ofKind(objects, "ConfigMap").some((c) => c.metadata.name === "team-code"),
            false,
        );
        assert.deepEqual(podTemplate(find(objects, "Deployment", "team"))?.spec.volumes?.[0].configMap, {
            name: "team-code",
            defaultMode: 0o444,
        });
        assert.deepEqual((agentContainer(objects, "team") as ContainerView & { args: string[] }).args, ["/app/agent/main.py"]);
        assert.equal(podTemplate(find(objects, "Deployment", "team"))?.metadata.annotations?.["checksum/code"], undefined);
    });

    it("uses the stack's affinity, node selector and tolerations", async () => {
        const affinity = {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "In", values: ["agents"] }] }],
                },
            },
        };
        const tolerations = [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }];
        const objects = await objectsOf(withAgents(hello({ affinity, tolerations, nodeSelector: { "kubernetes.io/arch": "arm64" } })));
        const pod = podTemplate(find(objects, "Deployment", "hello-world"))?.spec as unknown as Record<string, unknown>;
        assert.deepEqual(pod.affinity, affinity);
        assert.deepEqual(pod.tolerations, tolerations);
        assert.deepEqual(pod.nodeSelector, { "kubernetes.io/arch": "arm64" });
    });
});

describe("Agent component: rollouts", () => {
    const scratch = path.join(PROJECT_DIR, "tests", ".scratch");
    const relative = (file: string) => path.relative(PROJECT_DIR, path.join(scratch, file));

    before(() => fs.mkdirSync(scratch, { recursive: true }));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    async function renderTwo(codeA: string): Promise<K8sObject[]> {
        fs.writeFileSync(path.join(scratch, "agent_a.py"), codeA);
        fs.writeFileSync(path.join(scratch, "agent_b.py"), "print('b')\n");
        return objectsOf(withAgents({ name: "agent-a", code: relative("agent_a.py") }, { name: "agent-b", code: relative("agent_b.py") }));
    }

    it("rolls only the agent whose code file changed", async () => {
        const before = await renderTwo("print('a, version 1')\n");
        const after = await renderTwo("print('a, version 2')\n");
        const changed = after
            .filter((object, index) => toYamlStream([object]) !== toYamlStream([before[index]]))
            .map((o) => `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(changed.sort(), ["ConfigMap/agent-a-code", "Deployment/agent-a"]);
        const checksum = (objects: K8sObject[], name: string) =>
            podTemplate(find(objects, "Deployment", name))?.metadata.annotations?.["checksum/code"];
        assert.notEqual(checksum(after, "agent-a"), checksum(before, "agent-a"));
        assert.equal(checksum(after, "agent-b"), checksum(before, "agent-b"));
    });

    it("rolls an agent when its env changes, not when the registry's settings or its replica count do", async () => {
        const config = (objects: K8sObject[]) =>
            podTemplate(find(objects, "Deployment", "hello-world"))?.metadata.annotations?.["checksum/config"];
        const base = config(await objectsOf(withAgents(hello())));
        assert.match(base ?? "", /^[0-9a-f]{64}$/);
        assert.notEqual(config(await objectsOf(withAgents(hello({ env: { A: "1" } })))), base);
        assert.equal(config(await objectsOf({ registry: { logLevel: "ERROR" }, ...withAgents(hello()) })), base);
        assert.equal(config(await objectsOf(withAgents(hello({ replicas: 4 })))), base);
    });
});

describe("Agent component: secret environment", () => {
    const SENTINEL = "SENTINEL-agent-secret-4b1d";
    const secretConfig = {
        ...withAgents(hello({ secretEnv: ["API_KEY"] }), { name: "reporter", mode: "customResource", code: HELLO, secretEnv: ["API_KEY"] }),
        agentSecrets: { "hello-world": { API_KEY: { secure: "v1:ciphertext" } }, reporter: { API_KEY: { secure: "v1:other" } } },
    };
    const render = (options: { redact?: boolean; placeholder?: string }) =>
        renderStack({ stack: "test", config: configFrom(secretConfig, options.placeholder ?? SENTINEL), redact: options.redact });

    it("stores the values in <agent>-secrets and references them by key", async () => {
        const { objects } = await render({ redact: false });
        assert.deepEqual(find(objects, "Secret", "hello-world-secrets").stringData, { API_KEY: SENTINEL });
        assert.deepEqual(envOf(agentContainer(objects, "hello-world")).get("API_KEY"), {
            secretKeyRef: { name: "hello-world-secrets", key: "API_KEY" },
        });
        const spec = find(objects, "MCPAgent", "reporter").spec as { env: { name: string; valueFrom?: unknown }[] };
        assert.deepEqual(spec.env.find((e) => e.name === "API_KEY")?.valueFrom, {
            secretKeyRef: { name: "reporter-secrets", key: "API_KEY" },
        });
        assert.deepEqual(find(objects, "Secret", "reporter-secrets").stringData, { API_KEY: SENTINEL });
    });

    it("never puts a value anywhere but inside a Secret: no ConfigMap, env value, annotation or label", async () => {
        const { objects, resources } = await render({ redact: false });
        const elsewhere = objects.filter((o) => o.kind !== "Secret");
        assert.doesNotMatch(toYamlStream(elsewhere), new RegExp(SENTINEL));
        const inputs = resources
            .filter((r) => r.inputs.kind !== "Secret" && !r.type.startsWith("random:"))
            .map((r) => JSON.stringify(r.inputs));
        assert.ok(inputs.every((text) => !text.includes(SENTINEL)));
    });

    it("prints no value at all when redacting", async () => {
        const { objects } = await render({});
        assert.doesNotMatch(toYamlStream(objects), new RegExp(SENTINEL));
        assert.deepEqual(find(objects, "Secret", "hello-world-secrets").stringData, { API_KEY: "<redacted>" });
    });

    it("rolls the pods when a value changes, through a keyed checksum", async () => {
        const checksum = async (placeholder: string) =>
            podTemplate(find((await render({ redact: false, placeholder })).objects, "Deployment", "hello-world"))?.metadata.annotations?.[
                "checksum/secret"
            ];
        const first = await checksum(SENTINEL);
        assert.match(first ?? "", /^[0-9a-f]{64}$/);
        assert.equal(await checksum(SENTINEL), first);
        assert.notEqual(await checksum(`${SENTINEL}-rotated`), first);
    });

    it("keeps the pod spec reviewable in a redacted render (the checksum is not secret)", async () => {
        const { objects } = await render({});
        assert.notEqual(find(objects, "Deployment", "hello-world").spec, "<redacted>");
    });
});

describe("Agent component, mode customResource", () => {
    let rendered: Rendered;
    let objects: K8sObject[];
    const reporter = {
        name: "reporter",
        mode: "customResource",
        code: HELLO,
        replicas: 3,
        capabilities: [{ name: "report_generation", version: "1.0.0", timeout: 60 }],
        dependencies: [{ name: "data_transformation", version: ">=2.0.0" }],
        env: { REPORT_FORMAT: "markdown" },
        persistence: { size: "2Gi", accessMode: "ReadWriteMany" },
        service: { annotations: { team: "reports" } },
        tolerations: [{ key: "dedicated", operator: "Exists" }],
    };

    before(async () => {
        rendered = await renderConfig(withAgents(reporter));
        objects = rendered.objects;
    });

    it("creates an MCPAgent and the code ConfigMap, and no pods, Service or policy of its own", () => {
        const own = objects
            .filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === "reporter")
            .map((o) => `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(own.sort(), ["ConfigMap/reporter-code", "MCPAgent/reporter"]);
        const agent = find(objects, "MCPAgent", "reporter");
        assert.equal(agent.apiVersion, "mesh.mcp.io/v1alpha1");
        assert.equal(agent.metadata.labels?.["app.kubernetes.io/component"], "agent");
    });

    it("carries the same spec: code, replicas, image, registry, capabilities, env, service, storage, monitoring", () => {
        const spec = find(objects, "MCPAgent", "reporter").spec as Record<string, unknown>;
        assert.equal(spec.scriptConfigMap, "reporter-code");
        assert.equal(spec.script, "hello_world.py");
        assert.equal(spec.replicas, 3);
        assert.equal(spec.image, "mcpmesh/python-runtime:3.7");
        assert.equal(spec.registryURL, rendered.outputs.registryUrl);
        assert.deepEqual(spec.capabilities, reporter.capabilities);
        assert.deepEqual(spec.dependencies, [{ name: "data_transformation", version: ">=2.0.0", optional: false }]);
        assert.deepEqual(spec.http, { enabled: true, port: 8080 });
        assert.deepEqual(spec.service, { enabled: true, type: "ClusterIP", port: 8080, annotations: { team: "reports" } });
        assert.deepEqual(spec.persistence, { enabled: true, size: "2Gi", accessMode: "ReadWriteMany" });
        assert.deepEqual(spec.monitoring, { enabled: false, serviceMonitor: false });
        assert.deepEqual(spec.tolerations, reporter.tolerations);
        assert.deepEqual(spec.resources, {
            requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "128Mi" },
            limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "512Mi" },
        });
        const env = spec.env as { name: string; value?: string }[];
        assert.equal(env.find((e) => e.name === "REPORT_FORMAT")?.value, "markdown");
        assert.ok(env.some((e) => e.name === "MCP_MESH_LOG_LEVEL"));
    });

    it("is valid against the rendered CRD's schema, with no field the API server would prune", () => {
        const crd = find(objects, "CustomResourceDefinition", "mcpagents.mesh.mcp.io");
        const validate = crdValidator(crd);
        const agent = find(objects, "MCPAgent", "reporter");
        assert.ok(validate(agent), JSON.stringify(validate.errors));
        assert.deepEqual(prunedFields(openApiSchema(crd), agent), []);
    });

    it("the pruning check catches a field the CRD does not define", () => {
        const crd = find(objects, "CustomResourceDefinition", "mcpagents.mesh.mcp.io");
        const agent = find(objects, "MCPAgent", "reporter");
        assert.deepEqual(prunedFields(openApiSchema(crd), { ...agent, spec: { ...(agent.spec as object), autoscaling: {} } }), [
            ".spec.autoscaling",
        ]);
    });

    it("is created after the CRD when the stack installs it, and without it otherwise", async () => {
        const options = registered(rendered, "kubernetes:mesh.mcp.io/v1alpha1:MCPAgent", "mcp-mesh-agent-reporter-mcpagent").options;
        const dependsOn = (options.dependsOn ?? []) as pulumi.Resource[];
        const urns = await Promise.all(dependsOn.map((resource) => new Promise<string>((resolve) => resource.urn.apply(resolve))));
        assert.ok(
            urns.some((urn) => urn.endsWith("CustomResourceDefinition::mcp-mesh-mcpagents-crd")),
            urns.join(", "),
        );
        const elsewhere = await renderConfig({ installCrds: false, ...withAgents(reporter) });
        assert.equal(ofKind(elsewhere.objects, "CustomResourceDefinition").length, 0);
        find(elsewhere.objects, "MCPAgent", "reporter");
    });

    it("points at an existing scriptConfigMap when the stack names one", async () => {
        const objects = await objectsOf(
            withAgents({ name: "team", mode: "customResource", scriptConfigMap: "team-code", script: "main.py" }),
        );
        const spec = find(objects, "MCPAgent", "team").spec as Record<string, unknown>;
        assert.deepEqual([spec.scriptConfigMap, spec.script], ["team-code", "main.py"]);
        assert.equal(
            ofKind(objects, "ConfigMap").some((c) => c.metadata.name.startsWith("team")),
            false,
        );
    });
});

describe("Agent wiring to the registry", () => {
    it("follows the registry's URL, whatever its Service is called: env and spec.registryURL", async () => {
        const renamed = "http://mesh-directory.platform.svc.cluster.local:9000";
        const config = parseMeshConfig(withAgents(hello(), { name: "reporter", mode: "customResource", code: HELLO }));
        const { objects } = await renderStack({
            stack: "test",
            config: configFrom({}),
            program: (opts) => {
                const agents = createAgents(
                    "mesh",
                    { agents: config.agents, namespace: "platform", instance: "test", registryUrl: pulumi.output(renamed), secrets: {} },
                    opts,
                );
                return { urls: agents.map((agent) => agent.url) };
            },
        });
        assert.equal(envOf(agentContainer(objects, "hello-world")).get("MCP_MESH_REGISTRY_URL"), renamed);
        assert.equal((find(objects, "MCPAgent", "reporter").spec as { registryURL: string }).registryURL, renamed);
        assert.equal(envOf(agentContainer(objects, "hello-world")).get("MCP_MESH_HTTP_HOST"), "hello-world.platform.svc.cluster.local");
    });
});
