// The render of every stack equals its reviewed golden manifest, and its URNs (with their
// engine options) the reviewed list.
import { strict as assert } from "assert";
import * as fs from "fs";
import { describeDifference, goldenFile, renderGolden, renderUrnGolden, urnGoldenFile } from "./support/golden";
import { STACKS } from "./support/stacks";

describe("golden manifests", () => {
    for (const stack of STACKS) {
        it(`${stack} renders exactly tests/golden/${stack}.yaml (npm run golden:update to accept a change)`, async () => {
            assert.ok(fs.existsSync(goldenFile(stack)), `${goldenFile(stack)} is missing: run npm run golden:update`);
            const expected = fs.readFileSync(goldenFile(stack), "utf8");
            const actual = await renderGolden(stack);
            if (actual !== expected) {
                assert.fail(`${stack} differs from its golden manifest\n${describeDifference(expected, actual)}`);
            }
        });
        it(`${stack} registers exactly the URNs and options of tests/golden/${stack}.urns.yaml (a rename needs aliases)`, async () => {
            assert.ok(fs.existsSync(urnGoldenFile(stack)), `${urnGoldenFile(stack)} is missing: run npm run golden:update`);
            const expected = fs.readFileSync(urnGoldenFile(stack), "utf8");
            const actual = await renderUrnGolden(stack);
            if (actual !== expected) {
                assert.fail(`${stack}'s URNs differ from the golden list\n${describeDifference(expected, actual)}`);
            }
        });
    }
});
