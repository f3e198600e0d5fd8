// The checks behind the policy pack, as pure functions over Kubernetes objects (the props a
// resource is created with), so the tests run them on rendered stacks without a Pulumi CLI.

export interface KubeObject {
    kind?: string;
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
    [field: string]: unknown;
}

interface Container {
    name?: string;
    image?: string;
    env?: { name: string; value?: string }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: {
        allowPrivilegeEscalation?: boolean;
        privileged?: boolean;
        runAsNonRoot?: boolean;
        runAsUser?: number;
        capabilities?: { drop?: string[]; add?: string[] };
        seccompProfile?: { type?: string };
    };
}

interface PodSpec {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
    containers?: Container[];
    initContainers?: Container[];
    volumes?: { name: string; hostPath?: unknown }[];
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec?: PodSpec;
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];
const CREDENTIAL_NAME = /(password|passwd|secret|token|api[-_]?key|credential|private[-_]?key)/i;
const CREDENTIAL_VALUE = /:\/\/[^/\s:@]+:[^/\s@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function podTemplate(object: KubeObject): PodTemplate | undefined {
    const spec = object.spec;
    if (!spec) return undefined;
    if (object.kind === "CronJob") {
        return (spec.jobTemplate as { spec?: { template?: PodTemplate } } | undefined)?.spec?.template ?? undefined;
    }
    if (object.kind === "Pod") return { metadata: object.metadata, spec: spec as PodSpec };
    return WORKLOADS.includes(object.kind ?? "") ? (spec.template as PodTemplate | undefined) : undefined;
}

function containersOf(pod: PodSpec): Container[] {
    return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

function label(object: KubeObject, container?: Container): string {
    return `${object.kind}/${object.metadata?.name ?? "?"}${container ? ` container ${container.name}` : ""}`;
}

/** Pod Security Standards "restricted", for every container including init containers. */
export function podSecurityViolations(object: KubeObject): string[] {
    const pod = podTemplate(object)?.spec;
    if (!pod) return [];
    const problems: string[] = [];
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${label(object)} shares host namespaces`);
    if ((pod.volumes ?? []).some((v) => v.hostPath)) problems.push(`${label(object)} mounts a hostPath volume`);
    for (const container of containersOf(pod)) {
        const context = container.securityContext ?? {};
        const where = label(object, container);
        if (context.privileged) problems.push(`${where} is privileged`);
        if (context.allowPrivilegeEscalation !== false) problems.push(`${where} must set allowPrivilegeEscalation: false`);
        if (!(context.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where} must drop ALL capabilities`);
        if ((context.capabilities?.add ?? []).some((c) => c !== "NET_BIND_SERVICE")) problems.push(`${where} adds capabilities`);
        if (!(context.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problems.push(`${where} must run as non-root`);
        if ((context.runAsUser ?? pod.securityContext?.runAsUser) === 0) problems.push(`${where} runs as uid 0`);
        const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where} must use the RuntimeDefault seccomp profile`);
    }
    return problems;
}

export function resourceLimitViolations(object: KubeObject): string[] {
    const pod = podTemplate(object)?.spec;
    if (!pod) return [];
    return containersOf(pod).flatMap((container) =>
        ["requests", "limits"].flatMap((kind) =>
            ["cpu", "memory"]
                .filter((resource) => !container.resources?.[kind as "requests" | "limits"]?.[resource])
                .map((resource) => `${label(object, container)} has no ${kind}.${resource}`),
        ),
    );
}

export function imageTagViolations(object: KubeObject): string[] {
    const pod = podTemplate(object)?.spec;
    if (!pod) return [];
    return containersOf(pod).flatMap((container) => {
        const image = container.image ?? "";
        if (image.includes("@sha256:")) return [];
        const tag = (image.split("/").pop() ?? "").split(":")[1];
        return !tag || tag === "latest" ? [`${label(object, container)} image '${image}' is not pinned to a version`] : [];
    });
}

/** Credentials belong in Secrets: not in ConfigMaps, not in plain env values. */
export function credentialViolations(object: KubeObject): string[] {
    const problems: string[] = [];
    if (object.kind === "ConfigMap") {
        for (const [key, value] of Object.entries(object.data ?? {})) {
            if (CREDENTIAL_NAME.test(key) || CREDENTIAL_VALUE.test(value))
                problems.push(`${label(object)} key ${key} looks like a credential`);
        }
    }
    const pod = podTemplate(object)?.spec;
    for (const container of pod ? containersOf(pod) : []) {
        for (const env of container.env ?? []) {
            // `<NAME>_FILE: /path` names a mounted file, the way to keep the credential out of env.
            const fileReference = env.name.endsWith("_FILE") && env.value?.startsWith("/") === true;
            if (env.value !== undefined && !fileReference && (CREDENTIAL_NAME.test(env.name) || CREDENTIAL_VALUE.test(env.value))) {
                problems.push(`${label(object, container)} env ${env.name} holds a credential in plain text; use a secretKeyRef`);
            }
        }
    }
    return problems;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    return selector !== undefined && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function replicasOf(object: KubeObject): number {
    const spec = object.spec ?? {};
    return typeof spec.replicas === "number" ? spec.replicas : 1;
}

/** Every workload running (or autoscaled to) more than one replica has a PDB. */
export function disruptionBudgetViolations(objects: readonly KubeObject[]): string[] {
    const budgets = objects
        .filter((o) => o.kind === "PodDisruptionBudget")
        .map((o) => (o.spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels);
    const autoscaled = new Map(
        objects
            .filter((o) => o.kind === "HorizontalPodAutoscaler")
            .map((o) => [(o.spec?.scaleTargetRef as { name?: string })?.name, (o.spec?.maxReplicas as number | undefined) ?? 1]),
    );
    return objects
        .filter((o) => ["Deployment", "StatefulSet"].includes(o.kind ?? ""))
        .filter((o) => Math.max(replicasOf(o), autoscaled.get(o.metadata?.name) ?? 0) > 1)
        .filter((o) => !budgets.some((selector) => matches(selector, podTemplate(o)?.metadata?.labels)))
        .map((o) => `${label(o)} runs several replicas without a PodDisruptionBudget`);
}

/** Every pod is selected by some NetworkPolicy, and by one that restricts its egress. */
export function networkPolicyViolations(objects: readonly KubeObject[]): string[] {
    const policies = objects
        .filter((o) => o.kind === "NetworkPolicy")
        .map((o) => ({
            selector: (o.spec?.podSelector as { matchLabels?: Record<string, string> })?.matchLabels ?? {},
            egress: ((o.spec?.policyTypes as string[] | undefined) ?? []).includes("Egress"),
        }));
    const pods = objects.filter((o) => podTemplate(o) !== undefined);
    const covered = (o: KubeObject, egressOnly: boolean) =>
        policies.some((p) => (!egressOnly || p.egress) && matches(p.selector, podTemplate(o)?.metadata?.labels));
    return [
        ...pods.filter((o) => !covered(o, false)).map((o) => `${label(o)} is not covered by any NetworkPolicy`),
        ...pods
            .filter((o) => covered(o, false) && !covered(o, true))
            .map((o) => `${label(o)} has unrestricted egress (no Egress NetworkPolicy)`),
    ];
}
