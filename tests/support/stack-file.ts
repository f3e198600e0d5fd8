// Reads Pulumi.yaml and a Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a
// program: every value a string (objects as JSON), encrypted values as a placeholder.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { securePaths } from "../../components/config/secure-paths";

export const REDACTED = "<redacted>";

export interface StackConfig {
    project: string;
    /** `project:key` -> value as the language host passes it (strings; objects as JSON). */
    config: Record<string, string>;
    /** Keys whose value is encrypted (`secure:`) in the stack file. */
    secretKeys: string[];
    /** Full paths of the encrypted values (`agents[0].env.X`, project keys without their prefix). */
    securePaths?: string[];
}

function isSecure(value: unknown): value is { secure: string } {
    return typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value && Object.keys(value).length === 1;
}

/** Replaces encrypted leaves with the placeholder; reports whether any was found. */
function redactSecure(value: unknown, placeholder: string): { value: unknown; secret: boolean } {
    if (isSecure(value)) {
        return { value: placeholder, secret: true };
    }
    if (Array.isArray(value)) {
        const items = value.map((item) => redactSecure(item, placeholder));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value).map(([k, v]) => [k, redactSecure(v, placeholder)] as const);
        return { value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])), secret: entries.some(([, r]) => r.secret) };
    }
    return { value, secret: false };
}

export function projectName(projectDir: string): string {
    const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof project.name !== "string") {
        throw new Error("Pulumi.yaml has no project name");
    }
    return project.name;
}

/** Parses stack-file text; `placeholder` stands in for values the CLI would decrypt. */
export function parseStackConfig(text: string, project: string, placeholder = REDACTED): StackConfig {
    const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, rawValue] of Object.entries(doc.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        const { value, secret } = redactSecure(rawValue, placeholder);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) {
            secretKeys.push(key);
        }
    }
    return { project, config, secretKeys, securePaths: securePaths(doc.config ?? {}, project) };
}

/**
 * Project-level config of Pulumi.yaml as the CLI hands it to every stack: each key's `value`
 * (or `default`), strings as they are, anything else as JSON; a stack's own value wins.
 */
export function withProjectConfig(stack: StackConfig, projectDir: string): StackConfig {
    const project: unknown = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const declared = typeof project === "object" && project !== null && "config" in project ? project.config : undefined;
    const values: Record<string, string> = {};
    for (const [rawKey, declaration] of Object.entries(typeof declared === "object" && declared !== null ? declared : {})) {
        const key = rawKey.includes(":") ? rawKey : `${stack.project}:${rawKey}`;
        const value: unknown =
            typeof declaration === "object" && declaration !== null
                ? "value" in declaration
                    ? declaration.value
                    : "default" in declaration
                      ? declaration.default
                      : undefined
                : undefined;
        if (value !== undefined) {
            values[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { ...stack, config: { ...values, ...stack.config } };
}

export function readStackFile(file: string, projectDir: string, placeholder = REDACTED): StackConfig {
    return withProjectConfig(parseStackConfig(fs.readFileSync(file, "utf8"), projectName(projectDir), placeholder), projectDir);
}
