// The rendered MCPAgent CRD's schema as a validator, plus Kubernetes' structural-schema rules.
import Ajv, { ValidateFunction } from "ajv";
import type { RegExpEngine } from "ajv/dist/types";
import { K8sObject } from "./render";

export type JsonSchema = Record<string, unknown>;

export function openApiSchema(crd: K8sObject): JsonSchema {
    const spec = crd.spec as { versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] };
    return spec.versions[0].schema.openAPIV3Schema;
}

/**
 * The API server checks `pattern` with Go's RE2, whose inline flags JavaScript lacks: a leading
 * `(?i)` (the Prometheus Operator's CRDs have one) becomes the `i` flag.
 */
const goRegExp: RegExpEngine = Object.assign(
    (pattern: string, flags: string) => {
        const caseless = /^\^?\(\?i\)/.exec(pattern);
        return caseless ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags);
    },
    { code: "new RegExp" },
);

export function crdValidator(crd: K8sObject): ValidateFunction {
    // x-kubernetes-* are annotations to ajv; formats are checked by the API server, not here.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
    return ajv.compile(openApiSchema(crd));
}

const JUNCTORS = ["anyOf", "allOf", "oneOf", "not"] as const;
const FORBIDDEN_IN_JUNCTOR = ["type", "description", "default", "additionalProperties", "nullable"];

function isIntOrString(node: JsonSchema): boolean {
    return node["x-kubernetes-int-or-string"] === true;
}

/** Problems that would make the API server reject the schema as non-structural. */
export function structuralProblems(node: JsonSchema, path = "openAPIV3Schema", inJunctor = false): string[] {
    const problems: string[] = [];
    if (inJunctor) {
        for (const key of FORBIDDEN_IN_JUNCTOR) {
            if (key in node) {
                problems.push(`${path}: '${key}' is not allowed inside anyOf/allOf/oneOf/not`);
            }
        }
    } else if (!node.type && !isIntOrString(node) && node["x-kubernetes-preserve-unknown-fields"] !== true) {
        problems.push(`${path}: every schema node must specify a type`);
    }
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, child] of Object.entries(properties)) {
        problems.push(...structuralProblems(child, `${path}.properties.${name}`, inJunctor));
    }
    if (node.items) {
        problems.push(...structuralProblems(node.items as JsonSchema, `${path}.items`, inJunctor));
    }
    if (typeof node.additionalProperties === "object") {
        problems.push(...structuralProblems(node.additionalProperties as JsonSchema, `${path}.additionalProperties`, inJunctor));
    }
    for (const junctor of JUNCTORS) {
        const branches = node[junctor];
        if (!branches) {
            continue;
        }
        // int-or-string is the one allowed use of types inside anyOf.
        if (junctor === "anyOf" && isIntOrString(node)) {
            continue;
        }
        for (const [index, branch] of (Array.isArray(branches) ? branches : [branches]).entries()) {
            problems.push(...structuralProblems(branch as JsonSchema, `${path}.${junctor}[${index}]`, true));
        }
    }
    return problems;
}

/** Fields the API server would silently prune: present in the object, absent from the CRD's structural schema. */
export function prunedFields(schema: JsonSchema, value: unknown, at = ""): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"] === true || value === null || typeof value !== "object") {
        return [];
    }
    if (Array.isArray(value)) {
        const items = schema.items as JsonSchema | undefined;
        return items ? value.flatMap((item, index) => prunedFields(items, item, `${at}[${index}]`)) : [];
    }
    const properties = schema.properties as Record<string, JsonSchema> | undefined;
    const additional = schema.additionalProperties as JsonSchema | undefined;
    return Object.entries(value).flatMap(([key, child]) => {
        const childSchema = properties?.[key] ?? additional;
        if (!childSchema) {
            return properties ? [`${at}.${key}`] : [];
        }
        return prunedFields(childSchema, child, `${at}.${key}`);
    });
}
