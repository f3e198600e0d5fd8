// The render of every stack equals its reviewed golden manifest.
import { strict as assert } from "assert";
import * as fs from "fs";
import { describeDifference, goldenFile, renderGolden } from "./support/golden";
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
    }
});
