// `npm run golden:update`: rewrites tests/golden/<stack>.yaml (manifests) and
// tests/golden/<stack>.urns.yaml (URNs and their engine options) from the current program.
import * as fs from "fs";
import { GOLDEN_DIR, goldenFile, renderGolden, renderUrnGolden, urnGoldenFile } from "../tests/support/golden";
import { STACKS } from "../tests/support/stacks";

async function main(): Promise<void> {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    for (const stack of STACKS) {
        fs.writeFileSync(goldenFile(stack), await renderGolden(stack));
        process.stdout.write(`wrote ${goldenFile(stack)}\n`);
        fs.writeFileSync(urnGoldenFile(stack), await renderUrnGolden(stack));
        process.stdout.write(`wrote ${urnGoldenFile(stack)}\n`);
    }
}

void main();
