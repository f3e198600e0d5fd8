// Small Kubernetes builders for what several components need alike, so each decision (who may
// connect, how pods spread, what a disruption budget allows, how a claim is asked for) has
// one home. Each returns a typed object literal; the components turn them into resources.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageVersion, labels, PART_OF, selectorLabels } from "./labels";
import {
    Affinity,
    LocalObjectReference,
    NetworkPolicyIngressRule,
    NetworkPolicyPeer,
    PersistentVolumeClaimSpec,
    PodDisruptionBudgetSpec,
    TopologySpreadConstraint,
} from "./types";

/**
 * A pod spec's `imagePullSecrets` from Secret names (duplicates dropped, order kept); no field at
 * all when there are none, so a stack without pull secrets renders as before.
 */
export function pullSecrets(...lists: (readonly string[] | undefined)[]): { imagePullSecrets?: LocalObjectReference[] } {
    const names = [...new Set(lists.flatMap((list) => list ?? []))];
    return names.length > 0 ? { imagePullSecrets: names.map((name) => ({ name })) } : {};
}

export interface ObjectLabels {
    /** Labels of every object of the component (no version: an image edit touches only the workload). */
    common: Record<string, string>;
    /** Labels of the workload and its pods: common plus app.kubernetes.io/version from the image. */
    workload: Record<string, string>;
    /** The immutable subset pods are selected by (name, instance). */
    selector: Record<string, string>;
    /** Metadata of one of the component's objects: its name, the namespace, the common labels. */
    meta: (objectName: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
}

/** The recommended labels of one component's objects, and their metadata. */
export function objectLabels(args: {
    name: string;
    component: string;
    instance: string;
    image: string;
    namespace: pulumi.Input<string>;
}): ObjectLabels {
    const common = labels({ name: args.name, component: args.component, instance: args.instance });
    return {
        common,
        workload: labels({ name: args.name, component: args.component, instance: args.instance, version: imageVersion(args.image) }),
        selector: selectorLabels({ name: args.name, instance: args.instance }),
        meta: (objectName) => ({ name: objectName, namespace: args.namespace, labels: common }),
    };
}

/** Agents and registry pods of this namespace (the mesh): who may call the registry and agents. */
export const MESH_PEERS: NetworkPolicyPeer = {
    podSelector: {
        matchLabels: { "app.kubernetes.io/part-of": PART_OF },
        matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["agent", "registry"] }],
    },
};

/** Ingress on `port` from these peers; no peers at all means from anywhere. */
export function allowFrom(peers: NetworkPolicyPeer[], port: number): NetworkPolicyIngressRule {
    const ports = [{ port, protocol: "TCP" }];
    return peers.length > 0 ? { from: peers, ports } : { ports };
}

/** Pods of the namespace Prometheus runs in. */
export function namespacePeer(namespace: string): NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** prometheus.io/* pod annotations for a scrape of /metrics on `port`. */
export function scrapeAnnotations(port: number): Record<string, string> {
    return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" };
}

/**
 * One pod down at a time; a pod that is not Ready serves nothing, so a drain may evict it
 * (`unhealthyPodEvictionPolicy: AlwaysAllow`).
 */
export function disruptionBudget(selector: Record<string, string>): PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: selector } };
}

/**
 * A Prometheus Operator ServiceMonitor (needs its CRD in the cluster): the Services of
 * `namespace` labelled `selector`, scraped on port `http` at /metrics.
 */
export function serviceMonitor(
    resourceName: string,
    args: {
        metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
        selector: Record<string, string>;
        interval: string;
        scheme?: string;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    const { metadata } = args;
    return new k8s.apiextensions.CustomResource(
        resourceName,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata,
            spec: {
                selector: { matchLabels: args.selector },
                namespaceSelector: { matchNames: [metadata.namespace] },
                endpoints: [{ port: "http", path: "/metrics", ...(args.scheme ? { scheme: args.scheme } : {}), interval: args.interval }],
            },
        },
        opts,
    );
}

/** Replicas on different nodes: `required` refuses to co-locate, `preferred` only tries. */
export function spreadOverNodes(selector: Record<string, string>, spread: "preferred" | "required" = "preferred"): Affinity {
    const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    return spread === "required"
        ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
        : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/**
 * Soft spread over each topology key (one pod of skew). `matchLabelKeys` counts only pods
 * that share those labels' values (e.g. a Deployment's `pod-template-hash`: one revision).
 */
export function topologySpread(
    selector: Record<string, string>,
    topologyKeys: string[],
    matchLabelKeys?: string[],
): TopologySpreadConstraint[] {
    return topologyKeys.map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
        ...(matchLabelKeys ? { matchLabelKeys } : {}),
    }));
}

/** A claim's spec: one access mode, the storage class when set (else the cluster default), the size. */
export function claimSpec(storage: { size: string; storageClass?: string; accessMode?: string }): PersistentVolumeClaimSpec {
    return {
        accessModes: [storage.accessMode ?? "ReadWriteOnce"],
        ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
        resources: { requests: { storage: storage.size } },
    };
}
