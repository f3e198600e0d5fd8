// The MCPAgent CustomResourceDefinition (cluster-wide; one stack per cluster installs it).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../k8s/labels";
import { mcpAgentSchema } from "./mcpagent-schema";

export const MCPAGENT_GROUP = "mesh.mcp.io";
export const MCPAGENT_VERSION = "v1alpha1";
export const MCPAGENT_API_VERSION = `${MCPAGENT_GROUP}/${MCPAGENT_VERSION}`;
export const MCPAGENT_CRD_NAME = `mcpagents.${MCPAGENT_GROUP}`;

/** The CRD; its Pulumi name is `name`. */
export function mcpAgentCrd(
    name: string,
    instance: string,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.v1.CustomResourceDefinition {
    return new k8s.apiextensions.v1.CustomResourceDefinition(
        name,
        {
            metadata: {
                name: MCPAGENT_CRD_NAME,
                labels: labels({ name: "mcp-mesh-crds", component: "crd", instance }),
            },
            spec: {
                group: MCPAGENT_GROUP,
                scope: "Namespaced",
                names: {
                    kind: "MCPAgent",
                    listKind: "MCPAgentList",
                    plural: "mcpagents",
                    singular: "mcpagent",
                    shortNames: ["mcpa"],
                    categories: ["mcp", "mesh"],
                },
                versions: [
                    {
                        name: MCPAGENT_VERSION,
                        served: true,
                        storage: true,
                        schema: { openAPIV3Schema: mcpAgentSchema },
                        subresources: { status: {} },
                        additionalPrinterColumns: [
                            { name: "Status", type: "string", jsonPath: ".status.phase" },
                            { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
                            { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
                            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
                            { name: "Version", type: "string", jsonPath: ".spec.version", priority: 1 },
                            { name: "Registry", type: "string", jsonPath: ".spec.registryURL", priority: 1 },
                        ],
                    },
                ],
            },
        },
        opts,
    );
}
