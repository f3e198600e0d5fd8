// The Registry component's objects and wiring, under Pulumi mocks.
import { strict as assert } from "assert";
import { K8sObject } from "./support/render";
import { podTemplate } from "./support/pods";
import { find, ofKind, renderConfig } from "./support/stacks";
import { ConfigError } from "../components/config";

/** A release newer than the last one known to serve no /metrics (components/metrics.ts). */
const METRICS_IMAGE = "mcpmesh/registry:3.9.0";

const POSTGRES = { database: { type: "postgres", postgres: { mode: "provision" } } };

async function registryObjects(config: Record<string, unknown>): Promise<K8sObject[]> {
    return (await renderConfig(config)).objects;
}

function env(objects: K8sObject[]): Map<string, unknown> {
    const container = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec.containers[0];
    return new Map((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

describe("Registry component", () => {
    it("single SQLite replica: no PDB, no leader election, no API token mounted", async () => {
        const objects = await registryObjects({});
        assert.equal(ofKind(objects, "PodDisruptionBudget").length, 0);
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_LEADER_ELECTION, "false");
        assert.equal(settings.DATABASE_URL, "/data/registry.db");
        assert.equal(settings.DB_JOURNAL_MODE, "WAL");
        const pod = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec as unknown as Record<string, unknown>;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(ofKind(objects, "Secret").length, 0, "no credentials to hold");
        assert.equal(ofKind(objects, "Role").length, 0, "no leases to take");
    });

    it("several replicas: leader election on, leases-only Role, token mounted, PDB", async () => {
        const objects = await registryObjects({ ...POSTGRES, registry: { replicas: 3 } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_LEADER_ELECTION, "true");
        assert.equal(settings.MCP_MESH_LEADER_ELECTION_LEASE, "mcp-mesh-registry-leader");
        const role = find(objects, "Role", "mcp-mesh-registry-leader-election") as unknown as { rules: Record<string, string[]>[] };
        assert.deepEqual(role.rules, [
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
        ]);
        assert.equal(ofKind(objects, "ClusterRole").length, 0);
        const pdb = find(objects, "PodDisruptionBudget", "mcp-mesh-registry").spec as Record<string, unknown>;
        assert.equal(pdb.maxUnavailable, 1);
        const pod = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec as unknown as Record<string, unknown>;
        assert.equal(pod.automountServiceAccountToken, true);
    });

    it("takes its pod identity from the downward API", async () => {
        const vars = env(await registryObjects({}));
        assert.deepEqual(vars.get("POD_NAME"), { fieldRef: { fieldPath: "metadata.name" } });
        assert.deepEqual(vars.get("REGISTRY_INSTANCE_ID"), { fieldRef: { fieldPath: "metadata.name" } });
        assert.deepEqual(vars.get("POD_NAMESPACE"), { fieldRef: { fieldPath: "metadata.namespace" } });
    });

    it("on PostgreSQL reads DATABASE_URL from its Secret and waits for the database first", async () => {
        const rendered = await renderConfig({ ...POSTGRES }, { generated: () => "p@ss/word", redact: false });
        const secret = find(rendered.objects, "Secret", "mcp-registry-secret").stringData as Record<string, string>;
        assert.equal(
            secret["database-url"],
            "postgres://mcp_mesh:p%40ss%2Fword@mcp-mesh-postgres.mcp-mesh.svc.cluster.local:5432/mcp_mesh_registry?sslmode=disable",
        );
        const pod = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.equal(pod?.initContainers?.[0].name, "wait-for-postgres");
        assert.deepEqual(env(rendered.objects).get("DATABASE_URL"), { secretKeyRef: { name: "mcp-registry-secret", key: "database-url" } });
    });

    it("generates an API token into the Secret when auth is on", async () => {
        const rendered = await renderConfig(
            { registry: { auth: { enabled: true } } },
            { generated: (name) => `generated-${name}`, redact: false },
        );
        const secret = find(rendered.objects, "Secret", "mcp-registry-secret").stringData as Record<string, string>;
        assert.equal(secret["auth-token"], "generated-registry-auth-token");
        assert.ok(
            rendered.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "registry-auth-token"),
        );
        assert.deepEqual(env(rendered.objects).get("MCP_MESH_AUTH_TOKEN"), {
            secretKeyRef: { name: "mcp-registry-secret", key: "auth-token" },
        });
    });

    it("rolls its pods when a setting changes, and only then", async () => {
        const checksum = async (config: Record<string, unknown>) =>
            podTemplate(find(await registryObjects(config), "StatefulSet", "mcp-mesh-registry"))?.metadata.annotations?.["checksum/config"];
        const base = await checksum({});
        assert.match(base ?? "", /^[0-9a-f]{64}$/);
        assert.equal(await checksum({}), base);
        assert.notEqual(await checksum({ registry: { logLevel: "DEBUG" } }), base);
        assert.equal(await checksum({ registry: { storage: { size: "5Gi" } } }), base);
    });

    it("speaks HTTPS on probes and in its URL when TLS is on", async () => {
        const rendered = await renderConfig({ registry: { tls: { secretName: "registry-tls" } } });
        const container = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec.containers[0];
        for (const probe of [container?.startupProbe, container?.livenessProbe, container?.readinessProbe]) {
            assert.equal((probe as { httpGet: { scheme: string } }).httpGet.scheme, "HTTPS");
        }
        assert.equal(rendered.outputs.registryUrl, "https://mcp-mesh-registry.mcp-mesh.svc.cluster.local:8000");
    });

    it("rolls its pods when a credential in its Secret changes", async () => {
        const annotation = async (password: string) => {
            const { objects } = await renderConfig(POSTGRES, { generated: (name) => (name === "postgres-password" ? password : "key") });
            return podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.metadata.annotations?.["checksum/secret"];
        };
        const first = await annotation("one");
        assert.match(first ?? "", /^[0-9a-f]{64}$/);
        assert.equal(await annotation("one"), first);
        assert.notEqual(await annotation("two"), first);
    });

    it("mounts a TLS secret and points the image at it", async () => {
        const objects = await registryObjects({ registry: { tls: { secretName: "registry-tls" } } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_TLS_CERT, "/etc/mcp-mesh/tls/tls.crt");
        const pod = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.deepEqual(pod?.volumes?.find((v) => v.name === "tls")?.secret, { secretName: "registry-tls", defaultMode: 0o440 });
    });

    it("admits agents and registry peers on the API port, and the monitoring namespace only when scraped", async () => {
        const meshPeers = {
            from: [
                {
                    podSelector: {
                        matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["agent", "registry"] }],
                        matchLabels: { "app.kubernetes.io/part-of": "mcp-mesh" },
                    },
                },
            ],
            ports: [{ port: 8000, protocol: "TCP" }],
        };
        const plain = await registryObjects({ registry: { monitoring: { namespace: "observability" } } });
        const policy = find(plain, "NetworkPolicy", "mcp-mesh-registry").spec as { policyTypes: string[]; ingress: unknown[] };
        assert.deepEqual(policy.policyTypes, ["Ingress"]);
        assert.deepEqual(policy.ingress, [meshPeers]);

        const scraped = await registryObjects({
            registry: { image: METRICS_IMAGE, monitoring: { namespace: "observability", scrapeAnnotations: true } },
        });
        assert.deepEqual((find(scraped, "NetworkPolicy", "mcp-mesh-registry").spec as { ingress: unknown[] }).ingress, [
            meshPeers,
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }],
                ports: [{ port: 8000, protocol: "TCP" }],
            },
        ]);
    });

    it("neither annotates for scraping nor creates a ServiceMonitor by default (the pinned version serves no /metrics)", async () => {
        const objects = await registryObjects({});
        assert.equal(ofKind(objects, "ServiceMonitor").length, 0);
        const annotations = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.metadata.annotations ?? {};
        assert.deepEqual(
            Object.keys(annotations).filter((key) => key.startsWith("prometheus.io/")),
            [],
        );
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.ENABLE_METRICS, undefined);
    });

    it("refuses scrape settings for a registry version that serves no /metrics", async () => {
        for (const option of ["scrapeAnnotations", "serviceMonitor"]) {
            await assert.rejects(registryObjects({ registry: { monitoring: { [option]: true } } }), (error: unknown) => {
                assert.ok(error instanceof ConfigError);
                assert.deepEqual(
                    error.problems.filter((line) => line.startsWith(`registry.monitoring.${option}: got true;`)).length,
                    1,
                    error.problems.join("\n"),
                );
                assert.match(error.problems.join("\n"), /serves no \/metrics/);
                return true;
            });
        }
    });

    it("creates a ServiceMonitor only when asked, for a version that may serve /metrics", async () => {
        const objects = await registryObjects({ registry: { image: METRICS_IMAGE, monitoring: { serviceMonitor: true } } });
        const monitor = find(objects, "ServiceMonitor", "mcp-mesh-registry");
        const spec = monitor.spec as { endpoints: unknown[]; selector: { matchLabels: Record<string, string> } };
        assert.deepEqual(spec.endpoints, [{ port: "http", path: "/metrics", scheme: "http", interval: "30s" }]);
        // Only the client Service, not the headless one over the same pods (no doubled metrics).
        const selected = ofKind(objects, "Service").filter((svc) =>
            Object.entries(spec.selector.matchLabels).every(([key, value]) => svc.metadata.labels?.[key] === value),
        );
        assert.deepEqual(
            selected.map((svc) => svc.metadata.name),
            ["mcp-mesh-registry"],
        );
    });

    it("uses the stack's affinity instead of the generated anti-affinity", async () => {
        const affinity = {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "In", values: ["mesh"] }] }],
                },
            },
        };
        const pod = podTemplate(find(await registryObjects({ registry: { affinity } }), "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.deepEqual(pod?.affinity, affinity);
    });

    it("keeps a storage-size edit from replacing the StatefulSet, and shows it in an annotation", async () => {
        const rendered = await renderConfig({ registry: { storage: { size: "20Gi" } } });
        const statefulSet = find(rendered.objects, "StatefulSet", "mcp-mesh-registry");
        assert.equal(statefulSet.metadata.annotations?.["mcp-mesh.io/requested-storage"], "20Gi");
        const registered = rendered.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "mcp-mesh-registry");
        assert.deepEqual(registered?.options.ignoreChanges, ["spec.volumeClaimTemplates"]);
    });

    it("omits the Namespace and the CRD when the stack says so", async () => {
        const objects = await registryObjects({ createNamespace: false, installCrds: false, namespace: "shared" });
        assert.equal(ofKind(objects, "Namespace").length, 0);
        assert.equal(ofKind(objects, "CustomResourceDefinition").length, 0);
        assert.equal(find(objects, "StatefulSet", "mcp-mesh-registry").metadata.namespace, "shared");
    });

    it("labels the namespace for Pod Security Standards restricted", async () => {
        const labels = find(await registryObjects({}), "Namespace", "mcp-mesh").metadata.labels ?? {};
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted");
        }
    });
});
