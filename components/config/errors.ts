// Turns zod issues into one line per problem: `key.path: got <value>; <what is allowed>`.
import { z } from "zod";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
    return path.reduce<string>((text, segment) => {
        if (typeof segment === "number") {
            return `${text}[${segment}]`;
        }
        return text ? `${text}.${String(segment)}` : String(segment);
    }, "");
}

function valueAt(root: unknown, path: Path): unknown {
    let node = root;
    for (const segment of path) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = Reflect.get(node, segment);
    }
    return node;
}

function show(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The schema found at `path`, looking through defaults, optionals, pipes, arrays and records. */
function schemaAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType | undefined {
    let node: z.core.$ZodType | undefined = schema;
    let rest = [...path];
    while (node) {
        if (
            node instanceof z.ZodOptional ||
            node instanceof z.ZodDefault ||
            node instanceof z.ZodPrefault ||
            node instanceof z.ZodNullable
        ) {
            node = node.unwrap();
        } else if (node instanceof z.ZodPipe) {
            node = node.in;
        } else if (rest.length === 0) {
            return node;
        } else if (node instanceof z.ZodObject) {
            node = node.shape[String(rest[0])];
            rest = rest.slice(1);
        } else if (node instanceof z.ZodArray) {
            node = node.element;
            rest = rest.slice(1);
        } else if (node instanceof z.ZodRecord) {
            node = node.valueType;
            rest = rest.slice(1);
        } else {
            return undefined;
        }
    }
    return undefined;
}

function allowedKeys(schema: z.core.$ZodType, path: Path): string {
    const node = schemaAt(schema, path);
    return node instanceof z.ZodObject ? Object.keys(node.shape).join(", ") : "see the config reference in README.md";
}

function reason(issue: Issue): string {
    switch (issue.code) {
        case "invalid_type":
            if (issue.expected === "int") {
                return "must be a whole number";
            }
            return `must be ${issue.expected === "object" ? "a mapping" : `a ${issue.expected}`}`;
        case "too_small":
            if (issue.origin === "array") {
                return `must have at least ${issue.minimum} item(s)`;
            }
            if (issue.origin === "string") {
                return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
            }
            return `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
        case "too_big":
            if (issue.origin === "array") {
                return `must have at most ${issue.maximum} item(s)`;
            }
            if (issue.origin === "string") {
                return `must be at most ${issue.maximum} characters`;
            }
            return `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
        case "invalid_value":
            return `must be one of: ${issue.values.map((v) => String(v)).join(", ")}`;
        default:
            return issue.message;
    }
}

/** Set in a custom issue's params to keep the value out of the message (it holds a credential). */
export const HIDE_VALUE = "hideValue";

export function formatIssues(issues: readonly Issue[], raw: unknown, schema: z.core.$ZodType): string[] {
    const lines: string[] = [];
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) {
                const path = [...issue.path, key];
                // No value: a misspelled secret key would print its decrypted value.
                lines.push(`${formatPath(path)}: unknown key; allowed keys here: ${allowedKeys(schema, issue.path)}`);
            }
            continue;
        }
        const value = valueAt(raw, issue.path) ?? issue.input;
        // A check that found a credential in the value says so without printing it.
        const hidden = issue.code === "custom" && issue.params?.[HIDE_VALUE] === true;
        const got = hidden
            ? "got a value not shown here"
            : value === undefined && issue.code === "invalid_type"
              ? "missing"
              : `got ${show(value)}`;
        lines.push(`${formatPath(issue.path) || "(config)"}: ${got}; ${reason(issue)}`);
    }
    return lines;
}
