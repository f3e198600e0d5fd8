// What changes between two renders: objects added or removed, and the changed field paths.
import { K8sObject } from "./render";

export interface RenderDiff {
    added: string[];
    removed: string[];
    /** `Kind/name` -> changed field paths, e.g. `spec.replicas`. */
    changed: Record<string, string[]>;
}

export function objectId(object: K8sObject): string {
    return `${object.kind}/${object.metadata.name}`;
}

export function fieldPaths(before: unknown, after: unknown, path: string): string[] {
    if (before === after) {
        return [];
    }
    const bothObjects = typeof before === "object" && before !== null && typeof after === "object" && after !== null;
    if (!bothObjects || Array.isArray(before) !== Array.isArray(after)) {
        return [path];
    }
    const left = before as Record<string, unknown>;
    const right = after as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((key) => {
        const child = Array.isArray(before) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        return fieldPaths(left[key], right[key], child);
    });
}

export function diffRenders(before: readonly K8sObject[], after: readonly K8sObject[]): RenderDiff {
    const beforeById = new Map(before.map((o) => [objectId(o), o]));
    const afterById = new Map(after.map((o) => [objectId(o), o]));
    const changed: Record<string, string[]> = {};
    for (const [id, object] of afterById) {
        const previous = beforeById.get(id);
        const paths = previous ? fieldPaths(previous, object, "") : [];
        if (paths.length > 0) {
            changed[id] = paths;
        }
    }
    return {
        added: [...afterById.keys()].filter((id) => !beforeById.has(id)).sort(),
        removed: [...beforeById.keys()].filter((id) => !afterById.has(id)).sort(),
        changed,
    };
}
