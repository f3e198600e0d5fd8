// app.kubernetes.io/instance: the stack config's `instance`, else the stack name. It is part of
// every selector (immutable on a workload), so a stack that sets it survives `pulumi stack rename`.
import { strict as assert } from "assert";
import { ConfigError, parseMeshConfig } from "../components/config/mesh-config";
import { podTemplate } from "./support/pods";
import { K8sObject } from "./support/render";
import { FIXTURE_STACKS, renderConfig, renderFixture } from "./support/stacks";

const INSTANCE = "app.kubernetes.io/instance";
const agents = [{ name: "hello-world", code: "agents/hello_world.py" }];

function instances(objects: K8sObject[]): Set<string | undefined> {
    return new Set(
        objects.flatMap((object) => {
            const spec = object.spec;
            const selector = typeof spec === "object" && spec !== null && "selector" in spec ? JSON.stringify(spec.selector) : "";
            const matched = /"app\.kubernetes\.io\/instance":"([^"]*)"/.exec(selector);
            return [
                object.metadata.labels?.[INSTANCE],
                podTemplate(object)?.metadata.labels?.[INSTANCE],
                ...(matched ? [matched[1]] : []),
            ].filter((value) => value !== undefined);
        }),
    );
}

describe("instance (app.kubernetes.io/instance)", () => {
    it("defaults to the stack name", async () => {
        const { objects } = await renderConfig({ agents }, { stack: "staging" });
        assert.deepEqual([...instances(objects)], ["staging"]);
    });

    it("when set, labels and selects every object by it, whatever the stack is called (a renamed stack renders the same)", async () => {
        const before = await renderConfig({ agents, instance: "dev" }, { stack: "dev" });
        const renamed = await renderConfig({ agents, instance: "dev" }, { stack: "dev-eu" });
        assert.deepEqual([...instances(renamed.objects)], ["dev"]);
        assert.deepEqual(renamed.objects, before.objects);
    });

    it("the example stacks (as their fixtures show) pin it to their current names", async () => {
        for (const stack of FIXTURE_STACKS) {
            const { objects } = await renderFixture(stack, { stack: `${stack}-renamed` });
            assert.deepEqual([...instances(objects)], [stack]);
        }
    });

    it("refuses a value that is not a label value, with one line", () => {
        assert.throws(
            () => parseMeshConfig({ instance: "my stack" }),
            (error: unknown) =>
                error instanceof ConfigError &&
                error.problems.length === 1 &&
                error.problems[0].startsWith('instance: got "my stack"; must be a Kubernetes label value'),
        );
    });
});
