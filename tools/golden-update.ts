// `npm run golden:update`: rewrites tests/golden/<stack>.yaml from the current program.
import * as fs from "fs";
import { GOLDEN_DIR, goldenFile, renderGolden } from "../tests/support/golden";
import { STACKS } from "../tests/support/stacks";

async function main(): Promise<void> {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    for (const stack of STACKS) {
        fs.writeFileSync(goldenFile(stack), await renderGolden(stack));
        process.stdout.write(`wrote ${goldenFile(stack)}\n`);
    }
}

void main();
