// Golden manifests: the reviewed render of each stack, kept in tests/golden/<stack>.yaml.
import * as path from "path";
import { renderRepoStack } from "./stacks";
import { toYamlStream } from "./render";

export const GOLDEN_DIR = path.resolve(__dirname, "../golden");

export function goldenFile(stack: string): string {
    return path.join(GOLDEN_DIR, `${stack}.yaml`);
}

export async function renderGolden(stack: string): Promise<string> {
    return toYamlStream((await renderRepoStack(stack)).objects);
}

/** The first differing lines, with context, as a reviewer would want to read them. */
export function describeDifference(expected: string, actual: string, context = 3): string {
    const want = expected.split("\n");
    const got = actual.split("\n");
    const first = want.findIndex((line, i) => line !== got[i]);
    const at = first === -1 ? Math.min(want.length, got.length) : first;
    const from = Math.max(0, at - context);
    const lines = [`first difference at line ${at + 1}:`];
    for (let i = from; i < at; i++) lines.push(`  ${want[i]}`);
    for (let i = at; i < Math.min(want.length, at + context + 1); i++) lines.push(`- ${want[i]}`);
    for (let i = at; i < Math.min(got.length, at + context + 1); i++) lines.push(`+ ${got[i]}`);
    return lines.join("\n");
}
