// Where a stack file holds encrypted values: the full key path of every `secure:` leaf
// (`agents[0].env.API_KEY`), so a misplaced secret is named exactly, never shown.
import { formatPath } from "./errors";

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).join() === "secure";
}

function leaves(value: unknown, path: (string | number)[]): string[] {
    if (isSecure(value)) {
        return [formatPath(path)];
    }
    if (Array.isArray(value)) {
        return value.flatMap((item, index) => leaves(item, [...path, index]));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
    }
    return [];
}

/** The paths of a stack file's `config:` section (project keys without their `project:` prefix). */
export function securePaths(config: Readonly<Record<string, unknown>>, project: string): string[] {
    return Object.entries(config).flatMap(([key, value]) => {
        const own = key.startsWith(`${project}:`) ? key.slice(project.length + 1) : key.includes(":") ? undefined : key;
        return own === undefined ? [] : leaves(value, [own]);
    });
}
