// customTimeouts of the workloads: derived from their probes and pod counts, clamped to 5–30 minutes.
import { strict as assert } from "assert";
import { probeBudgetSeconds, rolloutTimeouts } from "../../components/k8s/rollout";
import { Rendered } from "../support/render";
import { renderFixture } from "../support/stacks";

function timeoutsOf(rendered: Rendered, type: string, name: string) {
    const resource = rendered.resources.find((r) => r.type === type && r.name === name);
    assert.ok(resource, `no ${type} ${name}`);
    return resource.options.customTimeouts;
}

describe("rollout timeouts (customTimeouts)", () => {
    it("allow each pod its whole probe budget plus a start margin, one pod after another", () => {
        assert.equal(probeBudgetSeconds({ periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 }), 240);
        assert.equal(probeBudgetSeconds({ initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 3 }), 28);
        const probes = {
            startup: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 },
            readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        };
        assert.deepEqual(rolloutTimeouts(3, probes), { create: "1152s", update: "1152s" });
        // A replica that drains before it stops (registry.drain.gracePeriodSeconds) may take that much longer.
        assert.deepEqual(rolloutTimeouts(3, probes, 0, 120), { create: "1512s", update: "1512s" });
    });

    it("never go below 5 minutes nor above 30", () => {
        const quick = { readiness: { periodSeconds: 1, failureThreshold: 1 } };
        assert.deepEqual(rolloutTimeouts(1, quick), { create: "300s", update: "300s" });
        const slow = { startup: { periodSeconds: 10, failureThreshold: 100 }, readiness: { periodSeconds: 10, failureThreshold: 3 } };
        assert.deepEqual(rolloutTimeouts(100, slow), { create: "1800s", update: "1800s" });
    });

    it("are set on every workload of dev and prod, and only there", async () => {
        const dev = await renderFixture("dev");
        assert.deepEqual(timeoutsOf(dev, "kubernetes:apps/v1:StatefulSet", "mcp-mesh-registry-statefulset"), {
            create: "504s",
            update: "504s",
        });
        assert.deepEqual(timeoutsOf(dev, "kubernetes:apps/v1:Deployment", "mcp-mesh-agent-hello-world-deployment"), {
            create: "778s",
            update: "778s",
        });
        const prod = await renderFixture("prod");
        assert.deepEqual(timeoutsOf(prod, "kubernetes:apps/v1:StatefulSet", "mcp-mesh-registry-statefulset"), {
            create: "1512s",
            update: "1512s",
        });
        assert.deepEqual(timeoutsOf(prod, "kubernetes:apps/v1:StatefulSet", "mcp-mesh-postgres-statefulset"), {
            create: "510s",
            update: "510s",
        });
        for (const rendered of [dev, prod]) {
            const timed = rendered.resources.filter((r) => r.options.customTimeouts !== undefined).map((r) => r.type);
            assert.deepEqual([...new Set(timed)].sort(), ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"]);
        }
    });
});
