// The user's stacks (every Pulumi.<stack>.yaml beside Pulumi.yaml; MCP_MESH_STACK_DIR for
// another directory): held only to what any stack must satisfy, and to their reviewed golden
// manifests and URNs. An intended edit needs one step, `npm run golden:update`; the tests that
// pin values run on their own fixtures (tests/fixtures/stacks/).
import { strict as assert } from "assert";
import * as fs from "fs";
import { describeDifference, goldenFile, renderGolden, renderUrnGolden, urnGoldenFile } from "./support/golden";
import { describeStackChecks } from "./support/stack-checks";
import { USER_STACK_DIR, USER_STACKS } from "./support/stacks";

describe(`user stacks (${USER_STACK_DIR})`, () => {
    it("has at least one stack file", () => {
        assert.ok(USER_STACKS.length > 0, `no Pulumi.<stack>.yaml in ${USER_STACK_DIR}`);
    });

    for (const stack of USER_STACKS) {
        describe(`user stack ${stack}`, () => {
            describeStackChecks(stack, "user");

            it(`renders exactly its golden manifest, ${stack}.yaml (npm run golden:update to accept a change)`, async () => {
                assert.ok(fs.existsSync(goldenFile(stack)), `${goldenFile(stack)} is missing: run npm run golden:update`);
                const expected = fs.readFileSync(goldenFile(stack), "utf8");
                const actual = await renderGolden(stack);
                if (actual !== expected) {
                    assert.fail(
                        `${stack} differs from its golden manifest (npm run golden:update to accept)\n${describeDifference(expected, actual)}`,
                    );
                }
            });

            it(`registers exactly the URNs and options of ${stack}.urns.yaml (a rename needs aliases)`, async () => {
                assert.ok(fs.existsSync(urnGoldenFile(stack)), `${urnGoldenFile(stack)} is missing: run npm run golden:update`);
                const expected = fs.readFileSync(urnGoldenFile(stack), "utf8");
                const actual = await renderUrnGolden(stack);
                if (actual !== expected) {
                    assert.fail(
                        `${stack}'s URNs differ from the golden list (npm run golden:update to accept)\n${describeDifference(expected, actual)}`,
                    );
                }
            });
        });
    }
});
