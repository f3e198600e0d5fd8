// Evaluates the program under Pulumi's mock runtime and returns the Kubernetes objects it
// would apply: complete, deterministically ordered, Secret values redacted.
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { program } from "../../components/program";
import { RecordingMocks, RegisteredResource } from "./mocks";
import { REDACTED, StackConfig } from "./stack-file";

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: unknown;
}

export interface RenderOptions {
    /** Stack name (pulumi.getStack() inside the program). */
    stack: string;
    config: StackConfig;
    /** Value given to generated secrets (random passwords). Default: the redaction placeholder. */
    generated?: (resourceName: string) => string;
    /** Replace every Secret's values with the placeholder. Default: true. */
    redact?: boolean;
    /** What to evaluate instead of the whole program (e.g. one component). Default: the program. */
    program?: (opts: pulumi.ComponentResourceOptions) => object;
    /**
     * Evaluate as `pulumi preview` of a new stack does: no IDs, no computed outputs; a value
     * the program derives from one renders as UNKNOWN. Default: false.
     */
    preview?: boolean;
    /** Issue real certificates from the program's own CA (tls.source=pulumi) instead of placeholders. Default: false. */
    issueCertificates?: boolean;
}

/** How a preview render shows a value that is unknown until the update. */
export const UNKNOWN = "(known after update)";

export interface Rendered {
    objects: K8sObject[];
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
}

const KIND_ORDER = [
    "Namespace",
    "CustomResourceDefinition",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "Service",
    "StatefulSet",
    "Deployment",
    "CronJob",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
];

function kindRank(kind: string): number {
    const rank = KIND_ORDER.indexOf(kind);
    return rank === -1 ? KIND_ORDER.length : rank;
}

function compareObjects(a: K8sObject, b: K8sObject): number {
    return (
        kindRank(a.kind) - kindRank(b.kind) ||
        a.kind.localeCompare(b.kind) ||
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name)
    );
}

function wireKey(key: string): string {
    return key.startsWith("x_kubernetes_") ? key.replace(/_/g, "-") : key;
}

function isSecretValue(value: object): value is { value: unknown } {
    return (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/**
 * Sorted keys everywhere (stable output), the SDK's x_kubernetes_* names in their wire form,
 * and every secret-marked value replaced by the placeholder (or unwrapped when not redacting).
 */
function canonical(value: unknown, redact: boolean): unknown {
    if (pulumi.isUnknown(value) || value === pulumi.runtime.unknownValue) {
        return UNKNOWN;
    }
    if (Array.isArray(value)) {
        return value.map((item) => canonical(item, redact));
    }
    if (typeof value === "object" && value !== null) {
        if (isSecretValue(value)) {
            return redact ? REDACTED : canonical(value.value, redact);
        }
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((key) => [wireKey(key), canonical((value as Record<string, unknown>)[key], redact)]),
        );
    }
    return value;
}

function redactValues(values: unknown): unknown {
    if (typeof values !== "object" || values === null) {
        return values;
    }
    return Object.fromEntries(Object.keys(values).map((key) => [key, REDACTED]));
}

function toObject(resource: RegisteredResource, redact: boolean): K8sObject {
    // A Secret's values are redacted per key below, so its keys stay visible.
    const isSecret = resource.inputs.kind === "Secret";
    const { apiVersion, kind, metadata, ...rest } = canonical(resource.inputs, redact && !isSecret) as K8sObject;
    const object: K8sObject = { apiVersion, kind, metadata, ...rest };
    if (redact && isSecret) {
        for (const field of ["data", "stringData"]) {
            if (field in object) {
                object[field] = redactValues(object[field]);
            }
        }
    }
    return object;
}

function isKubernetesObject(resource: RegisteredResource): boolean {
    return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}

/**
 * The stack outputs of a preview, each known or UNKNOWN: an apply never runs on an unknown
 * value, so each output reports itself, and whatever has not once every registration is
 * done is unknown.
 */
async function previewOutputs(outputs: object): Promise<Record<string, unknown>> {
    const resolved: Record<string, unknown> = Object.fromEntries(Object.keys(outputs).map((key) => [key, UNKNOWN]));
    for (const [key, value] of Object.entries(outputs)) {
        pulumi.output(value).apply((known) => (resolved[key] = known));
    }
    await pulumi.runtime.disconnect();
    await new Promise((resolve) => setImmediate(resolve));
    return resolved;
}

export async function renderStack(options: RenderOptions): Promise<Rendered> {
    const preview = options.preview ?? false;
    const mocks = new RecordingMocks(options.generated ?? (() => REDACTED), preview, options.issueCertificates);
    pulumi.runtime.setAllConfig(options.config.config, options.config.secretKeys);
    // The language host hands the program its secret keys in this variable; so does the render.
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(options.config.secretKeys);
    await pulumi.runtime.setMocks(mocks, options.config.project, options.stack, preview);
    const opts = { transformations: [mocks.recordOptions] };
    const outputs = options.program ? options.program(opts) : program(opts, options.config.securePaths);
    let resolved: Record<string, unknown>;
    if (preview) {
        resolved = await previewOutputs(outputs);
    } else {
        resolved = await new Promise<Record<string, unknown>>((resolve) =>
            pulumi.output(outputs).apply((values) => resolve(values as Record<string, unknown>)),
        );
        await pulumi.runtime.disconnect();
    }
    const redact = options.redact ?? true;
    const objects = mocks.resources
        .filter(isKubernetesObject)
        .map((resource) => toObject(resource, redact))
        .sort(compareObjects);
    return { objects, resources: mocks.resources, outputs: resolved };
}

export function toYamlStream(objects: readonly K8sObject[]): string {
    return objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
}
