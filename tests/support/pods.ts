// Typed access to the pod templates inside rendered workloads.
import { K8sObject } from "./render";

export interface ContainerView {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    ports?: { name?: string; containerPort: number; protocol?: string }[];
    env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string } | undefined> }[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
    startupProbe?: unknown;
    livenessProbe?: unknown;
    readinessProbe?: unknown;
    lifecycle?: { preStop?: { exec?: { command: string[] } } };
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpecView {
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    imagePullSecrets?: { name: string }[];
    securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
    containers: ContainerView[];
    initContainers?: ContainerView[];
    volumes?: {
        name: string;
        configMap?: { name: string };
        secret?: { secretName: string; items?: { key: string; path: string }[] };
        emptyDir?: { sizeLimit?: string };
        persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
    }[];
    affinity?: unknown;
}

export interface PodTemplateView {
    metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpecView;
}

/** The pod template of a workload (Deployment, StatefulSet, Job, CronJob), or undefined. */
export function podTemplate(object: K8sObject): PodTemplateView | undefined {
    const spec = object.spec as Record<string, unknown> | undefined;
    if (!spec) {
        return undefined;
    }
    if (object.kind === "CronJob") {
        const jobSpec = (spec.jobTemplate as { spec: { template: PodTemplateView } }).spec;
        return jobSpec.template;
    }
    if (["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"].includes(object.kind)) {
        return spec.template as PodTemplateView;
    }
    return undefined;
}

export function allContainers(pod: PodSpecView): ContainerView[] {
    return [...(pod.initContainers ?? []), ...pod.containers];
}
