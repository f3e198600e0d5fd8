// Namespace-wide network policy: deny every connection in and out, then allow only what the
// mesh needs. Ingress allows live with each component (registry, agents, PostgreSQL); the
// egress allows live here: DNS for every pod, agents to the registry and to other agents,
// the registry and the backup job to PostgreSQL. Pods a controller creates for MCPAgents are
// covered too (the default deny and DNS select every pod of the namespace; the agent egress
// selects the labels README.md asks the controller to set). No rule list is ever empty.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MeshConfig } from "./config";
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
import { LabelSelector, NetworkPolicyEgressRule } from "./k8s-types";

export interface NetworkPoliciesArgs {
    /** The validated stack config: reads `namespace`, `createNamespace`, `network`, `registry`, `database`, `agents`. */
    config: MeshConfig;
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance. */
    instance: string;
    /** Selector labels of the registry pods, the backup pods and the provisioned PostgreSQL pods. */
    registryPods: Record<string, string>;
    backupPods: Record<string, string>;
    postgresPods: Record<string, string>;
}

/** The policies above, children of `opts.parent` whose Pulumi names start with `prefix`; returns nothing. */
export function meshNetworkPolicies(prefix: string, args: NetworkPoliciesArgs, opts: pulumi.CustomResourceOptions): void {
    const { config, namespace, instance } = args;
    const commonLabels = labels({ name: MESH, component: "network-policy", instance });
    const meta = (name: string) => ({ name, namespace, labels: commonLabels });
    // A namespace this stack owns: every pod. A shared one: only the mesh's own pods.
    const everyMeshPod: LabelSelector = config.createNamespace ? {} : { matchLabels: { "app.kubernetes.io/part-of": PART_OF } };

    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-default-deny`,
        { metadata: meta(DEFAULT_DENY_POLICY), spec: { podSelector: everyMeshPod, policyTypes: ["Ingress", "Egress"] } },
        opts,
    );

    const dns = config.network.dns;
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

    const agentPorts = [...new Set(config.agents.map((agent) => agent.service.port))].sort((a, b) => a - b);
    const agentEgress: NetworkPolicyEgressRule[] = [
        { to: [{ podSelector: { matchLabels: args.registryPods } }], ports: [{ port: config.registry.port, protocol: "TCP" }] },
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

    if (config.database.type === "postgres") {
        const pg = config.database.postgres;
        // Provisioned: its pods. External: a host name a policy cannot name, so the port only.
        const toDatabase: NetworkPolicyEgressRule =
            pg.mode === "provision"
                ? { to: [{ podSelector: { matchLabels: args.postgresPods } }], ports: [{ port: pg.port, protocol: "TCP" }] }
                : { ports: [{ port: pg.port, protocol: "TCP" }] };
        const clients: [string, string, Record<string, string>, boolean][] = [
            [`${prefix}-registry-egress`, REGISTRY_EGRESS_POLICY, args.registryPods, true],
            [`${prefix}-backup-egress`, BACKUP_EGRESS_POLICY, args.backupPods, config.backup.enabled],
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
