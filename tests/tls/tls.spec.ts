// tls.enabled: the config's rules (one line per mistake), and what the render holds for each
// certificate source (the contract tests run it: tests/contract/mesh-tls.spec.ts).
import { strict as assert } from "assert";
import { itRejects, problems } from "../support/config-problems";
import { parseMeshConfig } from "../../components/config/mesh-config";
import { K8sObject } from "../support/render";
import { configFrom, find, ofKind, renderConfig } from "../support/stacks";
import { meshConfigFrom } from "../../components/config/stack-config";
import { podTemplate } from "../support/pods";
import { Certificate, ICertificate, IIssuer, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { CertificateSpec, IssuerSpec } from "../../components/k8s/cert-manager";

// Compile-time: the program's cert-manager specs are cert-manager's own types (schemas: @kubernetes-models/cert-manager).
export const certificateSpecFits = (spec: CertificateSpec): NonNullable<ICertificate["spec"]> => spec;
export const issuerSpecFits = (spec: IssuerSpec): NonNullable<IIssuer["spec"]> => spec;

/** Validates a rendered object against cert-manager's own schema (throws on the first violation). */
function validateCertManager(object: K8sObject): void {
    const model = object.kind === "Certificate" ? new Certificate() : new Issuer();
    Object.assign(model, object);
    model.validate();
}

const AGENT = { name: "hello-world", code: "agents/hello_world.py" };

describe("tls config", () => {
    it("is off by default; on, its source defaults to the program's own CA with 90-day certificates renewed 30 days ahead", () => {
        assert.equal(parseMeshConfig({}).tls.enabled, false);
        const tls = parseMeshConfig({ tls: { enabled: true } }).tls;
        assert.deepEqual(tls, { enabled: true, source: "pulumi", duration: "2160h", renewBefore: "720h" });
    });

    itRejects([
        ["an unknown source", { tls: { enabled: true, source: "vault" } }, 'tls.source: got "vault"'],
        [
            "registry.tls together with tls.enabled",
            { tls: { enabled: true }, registry: { tls: { secretName: "x" } } },
            'registry.tls.secretName: got "x"; cannot be combined with tls.enabled=true',
        ],
        [
            "an MCPAgent custom resource under mesh TLS",
            { tls: { enabled: true }, agents: [{ ...AGENT, mode: "customResource" }] },
            'agents[0].mode: got "customResource"; must be deployment with tls.enabled=true',
        ],
        ["an issuer with source secrets", { tls: { enabled: true, source: "secrets", issuer: { name: "ca" } } }, "tls.issuer: got"],
        ["a renewal window as long as the lifetime", { tls: { renewBefore: "2160h" } }, 'tls.renewBefore: got "2160h"; must be shorter'],
        ["a duration in days", { tls: { duration: "90d" } }, 'tls.duration: got "90d"; must be a duration in hours or minutes'],
        [
            "verify-full against an external server without its CA",
            { database: { type: "postgres", postgres: { host: "db", sslmode: "verify-full" } } },
            'database.postgres.sslmode: got "verify-full"; needs the CA that signed the server\'s certificate',
        ],
        [
            "verify-ca against the provisioned server without tls.enabled",
            { database: { type: "postgres", postgres: { mode: "provision", sslmode: "verify-ca" } } },
            'database.postgres.sslmode: got "verify-ca"; needs tls.enabled=true',
        ],
        [
            "sslRootCert for the provisioned server",
            { tls: { enabled: true }, database: { type: "postgres", postgres: { mode: "provision", sslRootCert: { secretName: "x" } } } },
            "database.postgres.sslRootCert: got",
        ],
    ]);

    it("verifies the provisioned server (verify-full) once tls.enabled, unless the stack sets sslmode", () => {
        const provision = { type: "postgres", postgres: { mode: "provision" } };
        assert.equal(parseMeshConfig({ database: provision }).database.postgres.sslmode, "disable");
        assert.equal(parseMeshConfig({ tls: { enabled: true }, database: provision }).database.postgres.sslmode, "verify-full");
        const explicit = { type: "postgres", postgres: { mode: "provision", sslmode: "require" } };
        assert.equal(parseMeshConfig({ tls: { enabled: true }, database: explicit }).database.postgres.sslmode, "require");
    });

    it("reports each mistake on one line", () => {
        for (const line of problems({ tls: { enabled: "yes" } })) {
            assert.ok(!line.includes("\n"), line);
        }
    });
});

function container(workload: K8sObject) {
    const found = podTemplate(workload)?.spec.containers[0];
    assert.ok(found);
    return found;
}

describe("tls render", () => {
    it("source secrets: mounts <workload>-tls in every mesh pod, exec probes only, https URLs; creates no certificate objects", async () => {
        const rendered = await renderConfig({ tls: { enabled: true, source: "secrets" }, agents: [AGENT] });
        assert.equal(ofKind(rendered.objects, "Certificate").length, 0);
        for (const [workload, secret] of [
            [find(rendered.objects, "StatefulSet", "mcp-mesh-registry"), "mcp-mesh-registry-tls"],
            [find(rendered.objects, "Deployment", "hello-world"), "hello-world-tls"],
        ] as const) {
            const volumes = podTemplate(workload)?.spec.volumes ?? [];
            assert.ok(
                volumes.some((v) => v.secret?.secretName === secret),
                `${workload.metadata.name} mounts ${secret}`,
            );
            const c = container(workload);
            for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
                const text = JSON.stringify(probe ?? {});
                assert.ok(text.includes('"exec"') && !text.includes('"httpGet"'), `${workload.metadata.name}: exec probes`);
            }
        }
        const registryVolumes = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec.volumes ?? [];
        assert.deepEqual(
            registryVolumes.find((v) => v.name === "mesh-trust")?.secret?.items,
            [{ key: "ca.crt", path: "ca.pem" }],
            "the filestore loads *.pem only",
        );
        const env = container(find(rendered.objects, "Deployment", "hello-world")).env ?? [];
        assert.equal(env.find((e) => e.name === "MCP_MESH_TLS_MODE")?.value, "strict");
        assert.match(String(env.find((e) => e.name === "MCP_MESH_REGISTRY_URL")?.value), /^https:\/\//);
    });

    it("source cert-manager, no issuer: SelfSigned → CA Certificate → CA Issuer, and a Certificate per workload for its Service names", async () => {
        const rendered = await renderConfig({ namespace: "mesh", tls: { enabled: true, source: "cert-manager" }, agents: [AGENT] });
        const issuers = ofKind(rendered.objects, "Issuer").map((o) => [o.metadata.name, Object.keys(o.spec as object)[0]]);
        assert.deepEqual(issuers.sort(), [
            ["mcp-mesh-ca", "ca"],
            ["mcp-mesh-selfsigned", "selfSigned"],
        ]);
        const certificates = Object.fromEntries(
            ofKind(rendered.objects, "Certificate").map((o) => [o.metadata.name, o.spec as Record<string, unknown>]),
        );
        assert.deepEqual(Object.keys(certificates).sort(), ["hello-world", "mcp-mesh-ca", "mcp-mesh-registry"]);
        assert.match(JSON.stringify(rendered.outputs.kubectl), /kubectl get certificates,issuers -n mesh/);
        assert.equal(certificates["mcp-mesh-ca"].isCA, true);
        assert.equal(certificates["hello-world"].secretName, "hello-world-tls");
        assert.deepEqual((certificates["hello-world"].issuerRef as { name: string }).name, "mcp-mesh-ca");
        assert.ok((certificates["hello-world"].dnsNames as string[]).includes("hello-world.mesh.svc.cluster.local"));
        assert.ok((certificates["mcp-mesh-registry"].dnsNames as string[]).includes("mcp-mesh-registry.mesh.svc.cluster.local"));
        assert.deepEqual(certificates["hello-world"].usages, ["digital signature", "key encipherment", "server auth", "client auth"]);
        for (const object of [...ofKind(rendered.objects, "Certificate"), ...ofKind(rendered.objects, "Issuer")]) {
            validateCertManager(object);
        }
        // The schema check can fail: a usage cert-manager does not know.
        const broken = structuredClone(find(rendered.objects, "Certificate", "hello-world"));
        Object.assign(broken, { spec: { ...(broken.spec as object), usages: ["mesh auth"] } });
        assert.throws(() => validateCertManager(broken));
    });

    it("the provisioned PostgreSQL serves TLS with its certificate; the registry and the backup verify it against the mesh CA", async () => {
        const rendered = await renderConfig({
            namespace: "mesh",
            tls: { enabled: true, source: "cert-manager" },
            database: { type: "postgres", postgres: { mode: "provision" } },
        });
        const server = container(find(rendered.objects, "StatefulSet", "mcp-mesh-postgres"));
        assert.ok(server.args?.includes("ssl=on"), JSON.stringify(server.args));
        const settings = find(rendered.objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.match(settings.DATABASE_URL, /sslmode=verify-full$/);
        assert.equal(settings.PGSSLROOTCERT, "/etc/mcp-mesh/postgres-ca/ca.crt");
        const registryVolumes = podTemplate(find(rendered.objects, "StatefulSet", "mcp-mesh-registry"))?.spec.volumes ?? [];
        assert.equal(registryVolumes.find((v) => v.name === "postgres-ca")?.secret?.secretName, "mcp-mesh-registry-tls");
        const backup = find(rendered.objects, "CronJob", "mcp-mesh-registry-backup");
        assert.ok(JSON.stringify(backup).includes('"PGSSLROOTCERT"'), "the backup job verifies too");
        const certificate = find(rendered.objects, "Certificate", "mcp-mesh-postgres").spec as { dnsNames: string[]; secretName: string };
        assert.ok(certificate.dnsNames.includes("mcp-mesh-postgres.mesh.svc.cluster.local"));
        assert.equal(certificate.secretName, "mcp-mesh-postgres-tls");
    });

    it("source cert-manager with a named issuer: no CA chain of its own, every Certificate against that issuer", async () => {
        const rendered = await renderConfig({
            tls: { enabled: true, source: "cert-manager", issuer: { name: "corp-ca", kind: "ClusterIssuer" } },
            agents: [AGENT],
        });
        assert.equal(ofKind(rendered.objects, "Issuer").length, 0);
        for (const certificate of ofKind(rendered.objects, "Certificate")) {
            assert.deepEqual((certificate.spec as { issuerRef: unknown }).issuerRef, {
                name: "corp-ca",
                kind: "ClusterIssuer",
                group: "cert-manager.io",
            });
        }
    });

    it("source pulumi: the program's CA issues each workload's Secret (keys secret), and a renewal rolls registry and agents, not PostgreSQL", async () => {
        const rendered = await renderConfig({
            namespace: "mesh",
            tls: { enabled: true, source: "pulumi" },
            database: { type: "postgres", postgres: { mode: "provision" } },
            agents: [AGENT],
        });
        assert.equal(
            ofKind(rendered.objects, "Certificate").length + ofKind(rendered.objects, "Issuer").length,
            0,
            "no cert-manager objects",
        );
        const workloads = ["hello-world", "mcp-mesh-postgres", "mcp-mesh-registry"];
        for (const workload of workloads) {
            const secret = find(rendered.objects, "Secret", `${workload}-tls`) as K8sObject & { type: string; stringData: object };
            assert.equal(secret.type, "kubernetes.io/tls");
            assert.deepEqual(Object.keys(secret.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
            const resource = rendered.resources.find(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    r.inputs.metadata !== undefined &&
                    JSON.stringify(r.inputs.metadata).includes(`"${workload}-tls"`),
            );
            assert.ok(resource);
            const secretInputs = await resource.secretInputs;
            assert.ok(
                secretInputs.some((at) => at === "stringData" || at === "stringData.tls.key"),
                `${workload}-tls: the key is not a secret input: ${secretInputs.join(", ")}`,
            );
        }
        const issued = rendered.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/tls:"));
        assert.deepEqual(issued.map((r) => r.type.split(":").pop()).sort(), [
            "Certificate",
            "Certificate",
            "Certificate",
            "CertificateAuthority",
        ]);
        for (const resource of issued) {
            assert.deepEqual(resource.options.additionalSecretOutputs, ["keyPem"], `${resource.name}: its key is a secret output`);
        }
        const fingerprint = (kind: string, name: string) =>
            (find(rendered.objects, kind, name).spec as { template: { metadata: { annotations?: Record<string, string> } } }).template
                .metadata.annotations?.["checksum/certificate"];
        assert.match(String(fingerprint("StatefulSet", "mcp-mesh-registry")), /^[0-9a-f]{64}$/);
        assert.match(String(fingerprint("Deployment", "hello-world")), /^[0-9a-f]{64}$/);
        // PostgreSQL reloads a renewed certificate itself: no restart of the database.
        assert.equal(fingerprint("StatefulSet", "mcp-mesh-postgres"), undefined);
    });
});

describe("production stacks run mutual TLS", () => {
    const config = (tls: boolean) => configFrom({ tls: { enabled: tls } });
    for (const stack of ["prod", "production", "prod-eu", "production-2"]) {
        it(`stack ${stack} without tls.enabled is refused with one line naming the key, the stack and the way`, () => {
            assert.throws(
                () => meshConfigFrom({ values: config(false).config, secretKeys: [], stack }),
                (error: Error) =>
                    error.message.includes(`tls.enabled: got false; stack "${stack}" is a production stack`) &&
                    error.message.includes("pulumi config set --path tls.enabled true"),
            );
            assert.doesNotThrow(() => meshConfigFrom({ values: config(true).config, secretKeys: [], stack }));
        });
    }
    for (const stack of ["dev", "staging", "products", "preprod"]) {
        it(`stack ${stack} may run without it`, () => {
            assert.doesNotThrow(() => meshConfigFrom({ values: config(false).config, secretKeys: [], stack }));
        });
    }
});
