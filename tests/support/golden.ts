// Golden manifests: the reviewed render of each stack, kept in tests/golden/<stack>.yaml.
import * as path from "path";
import { stringify } from "yaml";
import { RegisteredResource } from "./mocks";
import { renderStackOf } from "./stacks";
import { toYamlStream } from "./render";

/** The user stacks' reviewed renders (MCP_MESH_GOLDEN_DIR: another directory, beside MCP_MESH_STACK_DIR). */
export const GOLDEN_DIR = path.resolve(process.env.MCP_MESH_GOLDEN_DIR ?? path.join(__dirname, "../golden"));

export function goldenFile(stack: string): string {
    return path.join(GOLDEN_DIR, `${stack}.yaml`);
}

/** The reviewed URNs of a stack, with the options that decide what the engine does to each. */
export function urnGoldenFile(stack: string): string {
    return path.join(GOLDEN_DIR, `${stack}.urns.yaml`);
}

export async function renderGolden(stack: string): Promise<string> {
    return toYamlStream((await renderStackOf(stack, "user")).objects);
}

/**
 * Options that change what the engine does to a resource: any change to them is a reviewed
 * change. (Not `aliases`: the Kubernetes SDK adds its own, one per older API version of a type.)
 */
function engineOptions(resource: RegisteredResource): Record<string, unknown> {
    const { protect, retainOnDelete, deleteBeforeReplace, ignoreChanges } = resource.options;
    return {
        ...(protect !== undefined ? { protect } : {}),
        ...(retainOnDelete !== undefined ? { retainOnDelete } : {}),
        ...(resource.dependsOn.length > 0 ? { dependsOn: resource.dependsOn } : {}),
        ...(deleteBeforeReplace !== undefined ? { deleteBeforeReplace } : {}),
        ...(ignoreChanges?.length ? { ignoreChanges } : {}),
    };
}

/**
 * Every URN of a stack (components included), sorted, each with its engine options: a rename
 * shows here as a removed and an added URN, which on a deployed stack is a delete and a create.
 */
export async function renderUrnGolden(stack: string): Promise<string> {
    const { resources } = await renderStackOf(stack, "user");
    const entries = resources
        .map((resource) => ({ urn: resource.urn, ...engineOptions(resource) }))
        .sort((a, b) => a.urn.localeCompare(b.urn));
    return stringify(entries, { lineWidth: 0 });
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
