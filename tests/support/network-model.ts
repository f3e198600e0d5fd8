// Evaluates rendered NetworkPolicies the way the Kubernetes network model defines them: a
// connection passes when the source's egress and the destination's ingress both allow it; a
// pod selected by no policy of a direction is unrestricted in that direction.
import { K8sObject } from "./render";

export interface Endpoint {
    /** Pod labels; undefined for an address outside the cluster. */
    labels?: Record<string, string>;
    /** The IPv4 address of an endpoint outside the cluster; undefined: any (an ipBlock matches it). */
    ip?: string;
    namespace?: string;
}

interface Requirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
}

interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Requirement[];
}

interface Peer {
    podSelector?: Selector;
    namespaceSelector?: Selector;
    ipBlock?: { cidr: string };
}

interface Rule {
    ports?: { port?: number | string; protocol?: string }[];
    to?: Peer[];
    from?: Peer[];
}

interface PolicySpec {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
}

export function selects(selector: Selector, labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    const byExpressions = (selector.matchExpressions ?? []).every((requirement) => {
        const value = labels[requirement.key];
        switch (requirement.operator) {
            case "In":
                return value !== undefined && (requirement.values ?? []).includes(value);
            case "NotIn":
                return value === undefined || !(requirement.values ?? []).includes(value);
            case "Exists":
                return value !== undefined;
            case "DoesNotExist":
                return value === undefined;
        }
        return false;
    });
    return byLabels && byExpressions;
}

export class NetworkModel {
    private readonly policies: { namespace: string; spec: PolicySpec }[];

    constructor(objects: readonly K8sObject[]) {
        this.policies = objects
            .filter((o) => o.kind === "NetworkPolicy")
            .map((o) => ({ namespace: o.metadata.namespace ?? "", spec: o.spec as PolicySpec }));
    }

    allows(from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): boolean {
        return this.direction(from, to, port, protocol, "Egress") && this.direction(to, from, port, protocol, "Ingress");
    }

    /** Whether `pod`'s policies of `type` admit `peer` on the port (true for an address outside the cluster). */
    private direction(pod: Endpoint, peer: Endpoint, port: number, protocol: string, type: "Ingress" | "Egress"): boolean {
        if (!pod.labels) {
            return true;
        }
        const labels = pod.labels;
        const governing = this.policies.filter(
            (p) =>
                p.namespace === pod.namespace && selects(p.spec.podSelector, labels) && (p.spec.policyTypes ?? ["Ingress"]).includes(type),
        );
        if (governing.length === 0) {
            return true;
        }
        return governing.some(({ namespace, spec }) =>
            ((type === "Ingress" ? spec.ingress : spec.egress) ?? []).some(
                (rule) => this.portMatches(rule, port, protocol) && this.peerMatches(rule, type, peer, namespace),
            ),
        );
    }

    private portMatches(rule: Rule, port: number, protocol: string): boolean {
        return (
            rule.ports === undefined ||
            rule.ports.some((p) => (p.port === undefined || p.port === port) && (p.protocol ?? "TCP") === protocol)
        );
    }

    private peerMatches(rule: Rule, type: "Ingress" | "Egress", peer: Endpoint, policyNamespace: string): boolean {
        const peers = type === "Ingress" ? rule.from : rule.to;
        if (peers === undefined) {
            return true;
        }
        return peers.some((entry) => {
            if (entry.ipBlock) {
                return peer.labels === undefined && (peer.ip === undefined || inBlock(peer.ip, entry.ipBlock.cidr));
            }
            if (!peer.labels) {
                return false;
            }
            const namespaceOk = entry.namespaceSelector
                ? selects(entry.namespaceSelector, { "kubernetes.io/metadata.name": peer.namespace ?? "" })
                : peer.namespace === policyNamespace;
            return namespaceOk && (entry.podSelector === undefined || selects(entry.podSelector, peer.labels));
        });
    }
}

function ipv4(address: string): number {
    return address.split(".").reduce((total, octet) => total * 256 + Number(octet), 0);
}

/** Whether an IPv4 address lies in an IPv4 CIDR block (an IPv6 block holds no IPv4 address here). */
function inBlock(address: string, block: string): boolean {
    const [network, prefixText] = block.split("/");
    if (network.includes(":")) return false;
    const size = 2 ** (32 - Number(prefixText));
    return Math.floor(ipv4(address) / size) === Math.floor(ipv4(network) / size);
}
