// Namespace-wide network policy: deny every connection in and out, then allow only what the
// mesh needs. Ingress allows live with each component (registry, agents, PostgreSQL); the
// egress allows live here: DNS for every pod, agents to the registry and to other agents,
// the registry and the backup job to PostgreSQL. Pods a controller creates for MCPAgents are
// covered too (the default deny and DNS select every pod of the namespace; the agent egress
// selects the labels README.md asks the controller to set). No rule list is ever empty.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels, PART_OF, selectorLabels } from "./labels";
import {
    AGENT_EGRESS_POLICY,
    BACKUP_EGRESS_POLICY,
    DEFAULT_DENY_POLICY,
    DNS_POLICY,
    MESH,
    POSTGRES_NAME,
    REGISTRY_EGRESS_POLICY,
} from "./names";
import { LabelSelector, NetworkPolicyEgressRule } from "./types";

export interface NetworkPoliciesArgs {
    /** Namespace the policies govern, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every policy. Default: the stack name. */
    instance?: string;
    /**
     * Whether the mesh owns the namespace (`createNamespace`): then the default deny and the DNS
     * allow select every pod; in a shared namespace only the mesh's own (`part-of: mcp-mesh`).
     * Default: true.
     */
    ownsNamespace?: boolean;
    /** Where the cluster DNS runs (the stack config's `network.dns`): every pod may reach it. */
    dns: { namespace: string; podLabels: Record<string, string>; port: number; ipBlock?: string };
    /** The registry's port, which agents may reach. */
    registryPort: number;
    /** The agents' ports, which agents may reach on each other. Default: none. */
    agentPorts?: number[];
    /**
     * PostgreSQL, when the registry uses it: its port, and its pods' labels when it runs in this
     * namespace (an external server is a host name a policy cannot name: the port only).
     * Default: none (SQLite).
     */
    postgres?: { port: number; pods?: Record<string, string> };
    /** Whether a backup job runs (it then reaches PostgreSQL too). Default: false. */
    backup?: boolean;
    /** Selector labels of the registry pods and the backup pods. */
    registryPods: Record<string, string>;
    backupPods: Record<string, string>;
}

/** The policies above, children of `opts.parent` whose Pulumi names start with `prefix`; returns nothing. */
export function meshNetworkPolicies(prefix: string, args: NetworkPoliciesArgs, opts: pulumi.CustomResourceOptions): void {
    const { namespace } = args;
    const instance = args.instance ?? pulumi.getStack();
    const commonLabels = labels({ name: MESH, component: "network-policy", instance });
    const meta = (name: string) => ({ name, namespace, labels: commonLabels });
    // A namespace this stack owns: every pod. A shared one: only the mesh's own pods.
    const everyMeshPod: LabelSelector = (args.ownsNamespace ?? true) ? {} : { matchLabels: { "app.kubernetes.io/part-of": PART_OF } };

    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-default-deny`,
        { metadata: meta(DEFAULT_DENY_POLICY), spec: { podSelector: everyMeshPod, policyTypes: ["Ingress", "Egress"] } },
        opts,
    );

    const dns = args.dns;
    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-allow-dns`,
        {
            metadata: meta(DNS_POLICY),
            spec: {
                podSelector: everyMeshPod,
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dns.namespace } },
                                podSelector: { matchLabels: dns.podLabels },
                            },
                            // A node-local cache (NodeLocal DNSCache) listens on a link-local address.
                            ...(dns.ipBlock ? [{ ipBlock: { cidr: dns.ipBlock } }] : []),
                        ],
                        ports: [
                            { port: dns.port, protocol: "UDP" },
                            { port: dns.port, protocol: "TCP" },
                        ],
                    },
                ],
            },
        },
        opts,
    );

    const agentPorts = [...new Set(args.agentPorts ?? [])].sort((a, b) => a - b);
    const agentEgress: NetworkPolicyEgressRule[] = [
        { to: [{ podSelector: { matchLabels: args.registryPods } }], ports: [{ port: args.registryPort, protocol: "TCP" }] },
        ...(agentPorts.length > 0
            ? [
                  {
                      // Dependencies: agents call the agents that provide them.
                      to: [
                          {
                              podSelector: {
                                  matchLabels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "agent" },
                              },
                          },
                      ],
                      ports: agentPorts.map((port) => ({ port, protocol: "TCP" })),
                  },
              ]
            : []),
    ];
    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-agents-egress`,
        {
            metadata: meta(AGENT_EGRESS_POLICY),
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "agent" } },
                policyTypes: ["Egress"],
                egress: agentEgress,
            },
        },
        opts,
    );

    const pg = args.postgres;
    if (pg) {
        // Provisioned: its pods. External: a host name a policy cannot name, so the port only.
        const toDatabase: NetworkPolicyEgressRule = pg.pods
            ? { to: [{ podSelector: { matchLabels: pg.pods } }], ports: [{ port: pg.port, protocol: "TCP" }] }
            : { ports: [{ port: pg.port, protocol: "TCP" }] };
        const clients: [string, string, Record<string, string>, boolean][] = [
            [`${prefix}-registry-egress`, REGISTRY_EGRESS_POLICY, args.registryPods, true],
            [`${prefix}-backup-egress`, BACKUP_EGRESS_POLICY, args.backupPods, args.backup ?? false],
        ];
        for (const [resourceName, name, podLabels, wanted] of clients) {
            if (wanted) {
                new k8s.networking.v1.NetworkPolicy(
                    resourceName,
                    {
                        metadata: meta(name),
                        spec: { podSelector: { matchLabels: podLabels }, policyTypes: ["Egress"], egress: [toDatabase] },
                    },
                    opts,
                );
            }
        }
    }
}

/** Selector labels of the provisioned PostgreSQL pods. */
export function postgresPodLabels(instance: string): Record<string, string> {
    return selectorLabels({ name: POSTGRES_NAME, instance });
}
