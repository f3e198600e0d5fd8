// The Registry component's objects and wiring, under Pulumi mocks.
import { strict as assert } from "assert";
import { K8sObject } from "../support/render";
import { podTemplate } from "../support/pods";
import { find, ofKind, renderConfig } from "../support/stacks";
import { ConfigError } from "../../components/config/mesh-config";

/** A release newer than the last one known to serve no /metrics (components/k8s/metrics.ts). */
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
    it("single SQLite replica: no PDB, no API token mounted, its own data volume", async () => {
        const objects = await registryObjects({});
        assert.equal(ofKind(objects, "PodDisruptionBudget").length, 0);
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.DATABASE_URL, "/data/registry.db");
        assert.equal(settings.DB_JOURNAL_MODE, "WAL");
        const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
        const pod = podTemplate(statefulSet)?.spec;
        assert.equal((pod as unknown as Record<string, unknown>).automountServiceAccountToken, false);
        assert.deepEqual(
            pod?.containers[0].volumeMounts?.map((m) => m.mountPath),
            ["/data", "/tmp"],
        );
        const claims = (statefulSet.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates;
        assert.deepEqual(
            claims?.map((c) => c.metadata.name),
            ["data"],
        );
        assert.equal(ofKind(objects, "Secret").length, 0, "no credentials to hold");
    });

    it("several replicas: all active on PostgreSQL, started one at a time, no RBAC, no token, no claims, a PDB", async () => {
        const objects = await registryObjects({ ...POSTGRES, registry: { replicas: 3 } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.deepEqual(
            Object.keys(settings).filter((key) => key.includes("LEADER")),
            [],
        );
        for (const kind of ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]) {
            assert.equal(ofKind(objects, kind).length, 0, kind);
        }
        const pdb = find(objects, "PodDisruptionBudget", "mcp-mesh-registry").spec as Record<string, unknown>;
        assert.equal(pdb.maxUnavailable, 1);
        const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
        const spec = statefulSet.spec as { podManagementPolicy: string; volumeClaimTemplates?: unknown[] };
        assert.equal(spec.podManagementPolicy, "OrderedReady");
        assert.equal(spec.volumeClaimTemplates, undefined, "on PostgreSQL the registry writes nothing locally");
        assert.equal(statefulSet.metadata.annotations?.["mcp-mesh.io/requested-storage"], undefined);
        const pod = podTemplate(statefulSet)?.spec;
        assert.equal((pod as unknown as Record<string, unknown>).automountServiceAccountToken, false);
        assert.deepEqual(
            pod?.containers[0].volumeMounts?.map((m) => m.mountPath),
            ["/tmp"],
        );
        assert.equal(find(objects, "ServiceAccount", "mcp-mesh-registry").automountServiceAccountToken, false);
    });

    it("sets only variables the registry reads, and passes its port as args (the image's CMD overrides PORT)", async () => {
        const objects = await registryObjects({ registry: { port: 9100 } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        for (const unread of ["HOST", "PORT", "ACCESS_LOG", "ENABLE_CORS", "ALLOWED_ORIGINS", "REGISTRY_NAME", "ENABLE_METRICS"]) {
            assert.equal(settings[unread], undefined, unread);
        }
        const container = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec.containers[0];
        assert.deepEqual(container?.args, ["--host", "0.0.0.0", "--port", "9100"]);
        assert.deepEqual(container?.ports, [{ name: "http", containerPort: 9100, protocol: "TCP" }]);
        assert.equal(container?.env, undefined, "no POD_* or REGISTRY_INSTANCE_ID: the registry reads none");
    });

    it("refuses the settings the registry never read (CORS, access log)", async () => {
        await assert.rejects(registryObjects({ registry: { cors: { enabled: false }, accessLog: false } }), (error: unknown) => {
            assert.ok(error instanceof ConfigError);
            assert.ok(error.problems.some((line) => line.startsWith("registry.cors: unknown key")));
            assert.ok(error.problems.some((line) => line.startsWith("registry.accessLog: unknown key")));
            return true;
        });
    });

    it("is ready only while it can serve: readiness asks /agents (/health stays 200 with the database down)", async () => {
        const container = podTemplate(find(await registryObjects({}), "StatefulSet", "mcp-mesh-registry"))?.spec.containers[0];
        assert.equal((container?.readinessProbe as { httpGet: { path: string } }).httpGet.path, "/agents");
        assert.equal((container?.livenessProbe as { httpGet: { path: string } }).httpGet.path, "/health");
        assert.equal((container?.startupProbe as { httpGet: { path: string } }).httpGet.path, "/health");
    });

    it("on PostgreSQL: a DSN without the password, the password as PGPASSWORD from its Secret, waits for the database", async () => {
        const rendered = await renderConfig({ ...POSTGRES }, { generated: () => "p@ss/word", redact: false });
        const settings = find(rendered.objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(
            settings.DATABASE_URL,
            "postgres://mcp_mesh@mcp-mesh-postgres.mcp-mesh.svc.cluster.local:5432/mcp_mesh_registry?sslmode=disable",
        );
        const secret = find(rendered.objects, "Secret", "mcp-registry-secret").stringData as Record<string, string>;
        assert.equal(secret["database-password"], "p@ss/word");
        assert.equal(
            secret["pg_service.conf"],
            [
                "[registry]",
                "host=mcp-mesh-postgres.mcp-mesh.svc.cluster.local",
                "port=5432",
                "dbname=mcp_mesh_registry",
                "user=mcp_mesh",
                "sslmode=disable",
                "password=p@ss/word",
                "",
            ].join("\n"),
        );
        const pod = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.equal(pod?.initContainers?.[0].name, "wait-for-postgres");
        assert.deepEqual(env(rendered.objects).get("PGPASSWORD"), {
            secretKeyRef: { name: "mcp-registry-secret", key: "database-password" },
        });
        assert.equal(env(rendered.objects).get("DATABASE_URL"), undefined);
    });

    it("refuses registry.storage on PostgreSQL, where no volume would hold anything", async () => {
        await assert.rejects(registryObjects({ ...POSTGRES, registry: { storage: { size: "5Gi" } } }), (error: unknown) => {
            assert.ok(error instanceof ConfigError);
            assert.ok(
                error.problems.some((line) => line.startsWith('registry.storage: got {"size":"5Gi"}; unused with database.type=postgres')),
            );
            return true;
        });
    });

    it("refuses registry.auth: the registry reads no token (MCP_MESH_AUTH_TOKEN is read nowhere)", async () => {
        await assert.rejects(registryObjects({ registry: { auth: { enabled: true } } }), /registry\.auth: unknown key/);
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
            const { objects } = await renderConfig(POSTGRES, {
                generated: (name) => (name === "mcp-mesh-postgres-password" ? password : "key"),
            });
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
        assert.equal(settings.MCP_MESH_TLS_MODE, "auto", "without a mode the registry ignores the certificate");
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

    it("runs SQLite backups with sqlite3 from the registry's own image unless backup.sqliteImage names another", async () => {
        const objects = await registryObjects({ registry: { image: "mcpmesh/registry:3.7.1" } });
        const backup = podTemplate(find(objects, "CronJob", "mcp-mesh-registry-backup"))?.spec.containers[0];
        assert.equal(backup?.image, "mcpmesh/registry:3.7.1");
        assert.deepEqual(
            backup?.command?.slice(0, 1),
            ["sh"],
            "the registry image's entrypoint is the registry: the command must replace it",
        );
    });

    it("takes images by digest, keeping the tag as the version label", async () => {
        const digest = `sha256:${"ab".repeat(32)}`;
        const objects = await registryObjects({
            registry: { image: `mcpmesh/registry:3.7@${digest}` },
            backup: { sqliteImage: `keinos/sqlite3:3.46.1@${digest}` },
        });
        const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
        assert.equal(podTemplate(statefulSet)?.spec.containers[0].image, `mcpmesh/registry:3.7@${digest}`);
        assert.equal(statefulSet.metadata.labels?.["app.kubernetes.io/version"], "3.7");
        const backup = podTemplate(find(objects, "CronJob", "mcp-mesh-registry-backup"))?.spec.containers[0];
        assert.equal(backup?.image, `keinos/sqlite3:3.46.1@${digest}`);
        const bare = await registryObjects({ registry: { image: `mcpmesh/registry@${digest}` } });
        assert.equal(find(bare, "StatefulSet", "mcp-mesh-registry").metadata.labels?.["app.kubernetes.io/version"], "abababababab");
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
        const registered = rendered.resources.find(
            (r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "mcp-mesh-registry-statefulset",
        );
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

    it("drains before it stops: the admin port in its settings, a preStop hook that POSTs /admin/drain on it, the grace period from config", async () => {
        const objects = await registryObjects({ registry: { drain: { adminPort: 9001, gracePeriodSeconds: 300 } } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_ADMIN_PORT, "9001");
        const pod = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.equal(pod?.terminationGracePeriodSeconds, 300);
        const hook = pod?.containers[0].lifecycle?.preStop?.exec?.command.join(" ") ?? "";
        assert.match(hook, /wget .*--post-data= http:\/\/127\.0\.0\.1:9001\/admin\/drain/);
        assert.match(hook, /live_claims/, "and waits while jobs are claimed");
        // The admin port is for the pod itself: no Service and no policy opens it.
        for (const service of ofKind(objects, "Service").filter((o) => o.metadata.name.startsWith("mcp-mesh-registry"))) {
            const ports = (service.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
            assert.deepEqual(ports, [8000], service.metadata.name);
        }
        const policy = find(objects, "NetworkPolicy", "mcp-mesh-registry").spec as { ingress: { ports: { port: number }[] }[] };
        assert.ok(policy.ingress.every((rule) => rule.ports.every((p) => p.port !== 9001)));
    });

    it("drain on by default (8001, 120 s); off: no admin port, no hook, the default 30 s grace", async () => {
        const on = podTemplate(find(await registryObjects({}), "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.equal(on?.terminationGracePeriodSeconds, 120);
        const objects = await registryObjects({ registry: { drain: { enabled: false } } });
        const settings = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(settings.MCP_MESH_ADMIN_PORT, undefined);
        const pod = podTemplate(find(objects, "StatefulSet", "mcp-mesh-registry"))?.spec;
        assert.equal(pod?.terminationGracePeriodSeconds, 30);
        assert.equal(pod?.containers[0].lifecycle, undefined);
    });

    it("refuses an admin port equal to registry.port, and a grace period of 0, one line each", async () => {
        await assert.rejects(
            registryObjects({ registry: { port: 8100, drain: { adminPort: 8100, gracePeriodSeconds: 0 } } }),
            (error: unknown) => {
                assert.ok(error instanceof ConfigError, String(error));
                assert.ok(
                    error.problems.some((line) =>
                        line.startsWith("registry.drain.adminPort: got 8100; must differ from registry.port (8100)"),
                    ),
                    error.problems.join("\n"),
                );
                assert.ok(
                    error.problems.some((line) => line.startsWith("registry.drain.gracePeriodSeconds: got 0")),
                    error.problems.join("\n"),
                );
                return true;
            },
        );
    });
});
