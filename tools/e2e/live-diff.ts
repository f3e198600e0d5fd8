// Does the live object hold every field the program asked for, with the value it asked for?
// A field the API server drops or rewrites (an empty list, a non-canonical quantity) makes
// anything that applies the render see a change on every run, even where Pulumi does not.
import { SECRET_SIGNATURE } from "./pulumi-cli";

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fields whose live form is not the input by design: write-only or stored elsewhere. */
const SKIPPED = [/^stringData(\.|$)/, /^data\./, /^status(\.|$)/];

/** Every path where `live` lacks or differs from what `asked` holds; `at` is the path so far. */
export function liveDifferences(asked: unknown, live: unknown, at = ""): string[] {
    if (SKIPPED.some((pattern) => pattern.test(at))) return [];
    if (isRecord(asked) && SECRET_SIGNATURE in asked) return [];
    if (Array.isArray(asked)) {
        if (!Array.isArray(live))
            return [`${at}: asked ${JSON.stringify(asked)}, live has ${live === undefined ? "no such field" : JSON.stringify(live)}`];
        if (asked.length !== live.length) return [`${at}: asked ${asked.length} items, live has ${live.length}`];
        return asked.flatMap((item, i) => liveDifferences(item, live[i], `${at}[${i}]`));
    }
    if (isRecord(asked)) {
        if (!isRecord(live))
            return [`${at}: asked ${JSON.stringify(asked)}, live has ${live === undefined ? "no such field" : JSON.stringify(live)}`];
        return Object.entries(asked).flatMap(([key, value]) => liveDifferences(value, live[key], at ? `${at}.${key}` : key));
    }
    return asked === live
        ? []
        : [`${at}: asked ${JSON.stringify(asked)}, live has ${live === undefined ? "no such field" : JSON.stringify(live)}`];
}
