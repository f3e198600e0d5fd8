// The fixture stacks (tests/fixtures/stacks/): every stack's checks, and the behaviour the
// fixtures pin (the user's own stacks: tests/user-stacks.spec.ts).
import { strict as assert } from "assert";
import { podTemplate } from "./support/pods";
import { find, FIXTURE_STACKS, renderFixture } from "./support/stacks";
import { describeStackChecks } from "./support/stack-checks";
import { parseMeshConfig } from "../components/config/mesh-config";

for (const stack of FIXTURE_STACKS) {
    describe(`fixture stack ${stack}`, () => describeStackChecks(stack, "fixture"));
}

describe("stack prod", () => {
    it("runs a 3-replica registry on PostgreSQL, one replica per node, on the named storage class", async () => {
        const { objects } = await renderFixture("prod");
        const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
        const spec = statefulSet.spec as {
            replicas: number;
            volumeClaimTemplates: { spec: { storageClassName?: string } }[];
            template: {
                spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey: string }[] } } };
            };
        };
        assert.equal(spec.replicas, 3);
        assert.equal(spec.volumeClaimTemplates, undefined, "PostgreSQL: no per-replica claims");
        assert.equal(
            spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution?.[0].topologyKey,
            "kubernetes.io/hostname",
        );
        const env = podTemplate(statefulSet)?.spec.containers[0].env ?? [];
        assert.deepEqual(env.find((e) => e.name === "PGPASSWORD")?.valueFrom?.secretKeyRef, {
            name: "mcp-registry-secret",
            key: "database-password",
        });
        const dsn = (find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>).DATABASE_URL;
        // prod runs mutual TLS: the registry verifies its PostgreSQL's certificate and name.
        assert.equal(dsn, "postgres://mcp_mesh@mcp-mesh-postgres.mcp-mesh.svc.cluster.local:5432/mcp_mesh_registry?sslmode=verify-full");
    });

    it("dev stays on one SQLite replica", async () => {
        const { objects } = await renderFixture("dev");
        const data = find(objects, "ConfigMap", "mcp-registry-config").data as Record<string, string>;
        assert.equal(data.DATABASE_URL, "/data/registry.db");
        assert.equal((find(objects, "StatefulSet", "mcp-mesh-registry").spec as { replicas: number }).replicas, 1);
        assert.equal(parseMeshConfig({}).database.type, "sqlite");
    });
});
