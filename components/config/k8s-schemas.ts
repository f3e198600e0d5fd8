// Zod schemas for the Kubernetes snippets that stack config may carry (resources,
// scheduling, images, names), shared by every section of the config schema.
import { parseFamiliarName, Reference } from "@swimlane/docker-reference";
import { z } from "zod";
import { cidrProblem } from "../k8s/cidr";
import { isQuantity, quantityValue } from "../k8s/quantity";

export const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
        error: "must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
    })
    .max(63, { error: "must be at most 63 characters (DNS-1123 label)" });

/**
 * A DNS-1123 subdomain, what Kubernetes requires of most object names (StorageClass,
 * Secret, ConfigMap): apimachinery's IsDNS1123Subdomain, the same pattern and 253 characters.
 */
export const dnsSubdomain = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        error: "must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit)",
    })
    .max(253, { error: "must be at most 253 characters (DNS-1123 subdomain)" });

/**
 * Names of image pull Secrets (`kubernetes.io/dockerconfigjson`) the user creates in the
 * namespace: DNS-1123 subdomains (Secret names), each listed once.
 */
export const imagePullSecrets = z.array(dnsSubdomain).superRefine((names, ctx) => {
    names.forEach((name, index) => {
        if (names.indexOf(name) !== index) {
            ctx.addIssue({ code: "custom", path: [index], input: name, message: "is listed twice" });
        }
    });
});

/** A label value (at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit). */
export const labelValue = z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    error: "must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)",
});

/** A sha256 digest as go-digest accepts it; the reference parser checks only its length. */
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A label value: at most 63 characters, starting and ending with a letter or digit. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * An image reference pinned to an explicit tag or digest; never `:latest`. Parsed by the
 * distribution/reference grammar (familiar names such as `postgres:17.2` included), which
 * is what the container runtime applies to a pod's image; Kubernetes itself checks nothing.
 */
export const pinnedImage = z.string().superRefine((image, ctx) => {
    let reference: Reference;
    try {
        reference = parseFamiliarName(image);
    } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        ctx.addIssue({
            code: "custom",
            message: `must be an image reference ([registry/]name[:tag][@digest], name in lower case): ${why}`,
        });
        return;
    }
    const { tag, digest } = reference;
    if (digest !== undefined && !SHA256_DIGEST.test(digest)) {
        ctx.addIssue({ code: "custom", message: "must have a digest of the form sha256:<64 lower-case hex digits>" });
    } else if (tag === "latest") {
        ctx.addIssue({ code: "custom", message: "must not use the mutable tag ':latest'; pin a version tag (e.g. :3.7) or a digest" });
    } else if (tag === undefined && digest === undefined) {
        ctx.addIssue({ code: "custom", message: "must pin a version tag (e.g. :3.7) or a digest" });
    } else if (tag !== undefined && digest === undefined && !LABEL_VALUE.test(tag)) {
        // Without a digest the tag becomes the app.kubernetes.io/version label (labels.ts).
        ctx.addIssue({
            code: "custom",
            message: "must have a tag of at most 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
        });
    }
});

export const imagePullPolicy = z.enum(["IfNotPresent", "Always", "Never"]);

/** YAML reads `cpu: 2` as a number; Kubernetes accepts it, so do we (as the string "2"). */
export const quantity = z.preprocess(
    (value) => (typeof value === "number" ? String(value) : value),
    z.string().refine((value) => isQuantity(value) && !value.startsWith("-"), {
        error: "must be a Kubernetes quantity, not negative (e.g. 500m, 2, 128Mi, 10Gi; binary suffixes are Ki Mi Gi Ti)",
    }),
);

/** `ephemeral-storage` covers the pod's emptyDir volumes, logs and writable layer. */
const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional(), "ephemeral-storage": quantity.optional() });

const resourcesShape = z.strictObject({ requests: resourceList.prefault({}), limits: resourceList.prefault({}) });

export interface ResourcesConfig {
    requests: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
    limits: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
}

/**
 * requests/limits with defaults for whatever the stack leaves out; checked after the
 * merge, so a lowered limit below a default request is caught too.
 */
export function withDefaultResources(defaults: ResourcesConfig) {
    return resourcesShape
        .prefault({})
        .transform((value): ResourcesConfig => ({
            requests: { ...defaults.requests, ...value.requests },
            limits: { ...defaults.limits, ...value.limits },
        }))
        .superRefine((value, ctx) => {
            for (const name of ["cpu", "memory", "ephemeral-storage"] as const) {
                const request = value.requests[name];
                const limit = value.limits[name];
                if (request && limit && (quantityValue(request) ?? 0) > (quantityValue(limit) ?? 0)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", name],
                        input: request,
                        message: `must not exceed limits.${name} (${limit})`,
                    });
                }
            }
        });
}

export const nodeSelector = z.record(z.string(), z.string());

export const toleration = z.strictObject({
    key: z.string().optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
});

const labelSelectorRequirement = z.strictObject({
    key: z.string(),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string()).optional(),
});
const labelSelector = z.strictObject({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z.array(labelSelectorRequirement).optional(),
});
const nodeSelectorRequirement = z.strictObject({
    key: z.string(),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
    values: z.array(z.string()).optional(),
});
const nodeSelectorTerm = z.strictObject({
    matchExpressions: z.array(nodeSelectorRequirement).optional(),
    matchFields: z.array(nodeSelectorRequirement).optional(),
});
const podAffinityTerm = z.strictObject({
    labelSelector: labelSelector.optional(),
    namespaceSelector: labelSelector.optional(),
    namespaces: z.array(z.string()).optional(),
    topologyKey: z.string(),
});
const weight = z.number().int().min(1).max(100);
const podAffinity = z.strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, podAffinityTerm })).optional(),
});

export const affinity = z.strictObject({
    nodeAffinity: z
        .strictObject({
            requiredDuringSchedulingIgnoredDuringExecution: z
                .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) })
                .optional(),
            preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, preference: nodeSelectorTerm })).optional(),
        })
        .optional(),
    podAffinity: podAffinity.optional(),
    podAntiAffinity: podAffinity.optional(),
});

export const port = z.number().int().min(1).max(65535);

/** A CIDR block for a NetworkPolicy ipBlock, canonical (see components/k8s/cidr.ts). */
export const cidr = z.string().superRefine((value, ctx) => {
    const problem = cidrProblem(value);
    if (problem) {
        ctx.addIssue({ code: "custom", input: value, message: problem });
    }
});

export type Toleration = z.output<typeof toleration>;
export type Affinity = z.output<typeof affinity>;

/**
 * The scrape settings of a workload's `monitoring`: prometheus.io/* pod annotations and a
 * Prometheus Operator ServiceMonitor (needs its CRD in the cluster); both only for an image that
 * serves /metrics (see k8s/metrics.ts).
 */
export const scrapeSettings = {
    scrapeAnnotations: z.boolean().default(false),
    serviceMonitor: z.boolean().default(false),
    interval: z
        .string()
        .regex(/^\d+[smh]$/, { error: "must be a duration such as 30s or 1m" })
        .default("30s"),
};
