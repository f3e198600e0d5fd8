// Edits a stack file the way `pulumi config set|rm [--path] [--secret]` writes it, so specs can
// make the README's edits without the CLI (the e2e runs the same commands with the real CLI and
// compares the files): without --path a value is stored as a string (`protectData: "true"`);
// with --path, a value Go's strconv reads as an int or a bool is stored typed (`replicas: 5`),
// an index one past a list's end appends, and a missing parent is created (a list for `[n]`);
// --secret stores `{ secure: <ciphertext> }`.
import { parseDocument, isMap, isSeq, YAMLMap, YAMLSeq } from "yaml";

export interface ConfigEdit {
    /** `registry.replicas`, `agents[1].name`, `agentSecrets.hello-world.API_KEY` (project keys) or `kubernetes:context`. */
    key: string;
    /** Absent for `config rm`. */
    value?: string;
    path?: boolean;
    secret?: boolean;
}

/** The ciphertext the specs store for `--secret` (the reader redacts every `secure:` value). */
export const FAKE_CIPHERTEXT = "v1:c3BlY3MtZG8tbm90LWVuY3J5cHQ=";

type Segment = string | number;

function parsePath(key: string): Segment[] {
    const segments: Segment[] = [];
    for (const part of key.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g)) {
        segments.push(part[2] !== undefined ? Number(part[2]) : (part[1] ?? part[3]));
    }
    return segments;
}

/** Go's strconv.Atoi, then strconv.ParseBool: what the CLI types a --path value as. */
function typed(value: string): string | number | boolean {
    if (/^[+-]?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    return value;
}

function child(node: YAMLMap | YAMLSeq, segment: Segment, next: Segment | undefined): YAMLMap | YAMLSeq {
    const existing: unknown = node.get(segment, true);
    if (isMap(existing) || isSeq(existing)) return existing;
    const created = typeof next === "number" ? new YAMLSeq() : new YAMLMap();
    setIn(node, segment, created);
    return created;
}

function setIn(node: YAMLMap | YAMLSeq, segment: Segment, value: unknown): void {
    if (isSeq(node)) {
        if (typeof segment !== "number" || segment > node.items.length) {
            throw new Error(`config set: index ${String(segment)} is past the end of a list of ${node.items.length}`);
        }
        if (segment === node.items.length) node.add(value);
        else node.set(segment, value);
    } else {
        node.set(segment, value);
    }
}

/** Applies one `pulumi config set|rm` to a stack file's text (project `project`), returning the new text. */
export function applyConfigEdit(text: string, project: string, edit: ConfigEdit): string {
    const doc = parseDocument(text);
    if (!isMap(doc.get("config", true))) doc.set("config", new YAMLMap());
    const config = doc.get("config", true) as YAMLMap;
    const segments = edit.path ? parsePath(edit.key) : [edit.key];
    const [first, ...rest] = segments;
    const topKey = String(first).includes(":") ? String(first) : `${project}:${String(first)}`;
    const leafValue =
        edit.value === undefined ? undefined : edit.secret ? { secure: FAKE_CIPHERTEXT } : edit.path ? typed(edit.value) : edit.value;
    if (rest.length === 0) {
        if (leafValue === undefined) config.delete(topKey);
        else config.set(topKey, leafValue);
        return doc.toString();
    }
    let node: YAMLMap | YAMLSeq = child(config, topKey, rest[0]);
    for (let i = 0; i < rest.length - 1; i++) node = child(node, rest[i], rest[i + 1]);
    const last = rest[rest.length - 1];
    if (leafValue === undefined) node.delete(last);
    else setIn(node, last, leafValue);
    return doc.toString();
}
