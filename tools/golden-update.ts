// `npm run golden:update`: rewrites tests/golden/<stack>.yaml (manifests) and
// tests/golden/<stack>.urns.yaml (URNs and their engine options) of every user stack
// (each Pulumi.<stack>.yaml beside Pulumi.yaml) from the current program.
import * as fs from "fs";
import { ConfigError } from "../components/config/mesh-config";
import { GOLDEN_DIR, goldenFile, renderGolden, renderUrnGolden, urnGoldenFile } from "../tests/support/golden";
import { USER_STACKS } from "../tests/support/stacks";

async function main(): Promise<void> {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    for (const stack of USER_STACKS) {
        fs.writeFileSync(goldenFile(stack), await renderGolden(stack));
        process.stdout.write(`wrote ${goldenFile(stack)}\n`);
        fs.writeFileSync(urnGoldenFile(stack), await renderUrnGolden(stack));
        process.stdout.write(`wrote ${urnGoldenFile(stack)}\n`);
    }
}

main().catch((error: unknown) => {
    // A stack the program refuses: its one-line problems, no stack trace.
    if (error instanceof ConfigError) {
        process.stderr.write(`invalid stack config:\n${error.problems.join("\n")}\n`);
        process.exit(2);
    }
    throw error;
});
