// The MCPAgent v1alpha1 OpenAPI schema (structural, apiextensions.k8s.io/v1).
import { Schema } from "../k8s/types";

const str = (description: string): Schema => ({ type: "string", description });
const bool = (description: string): Schema => ({ type: "boolean", description });
const int = (description: string, minimum?: number, maximum?: number): Schema => ({
    type: "integer",
    description,
    ...(minimum === undefined ? {} : { minimum }),
    ...(maximum === undefined ? {} : { maximum }),
});
const freeForm = (description: string): Schema => ({
    type: "object",
    description,
    x_kubernetes_preserve_unknown_fields: true,
});
const stringMap = (description: string): Schema => ({
    type: "object",
    description,
    additionalProperties: { type: "string" },
});
const intOrString: Schema = {
    anyOf: [{ type: "integer" }, { type: "string" }],
    x_kubernetes_int_or_string: true,
};
const resourceList: Schema = { type: "object", additionalProperties: intOrString };
const keyRef = (what: string): Schema => ({
    type: "object",
    description: `Selects a key of a ${what}.`,
    required: ["name", "key"],
    properties: { name: str(`${what} name.`), key: str("Key within it."), optional: bool("Whether it may be missing.") },
});

const capability: Schema = {
    type: "object",
    required: ["name"],
    properties: {
        name: { type: "string", minLength: 1, description: "Capability name other agents depend on." },
        version: str("Semantic version of the capability."),
        description: str("What the capability does."),
        timeout: int("Call timeout in seconds.", 1, 3600),
        parameters: freeForm("Free-form parameter description."),
    },
};

const dependency: Schema = {
    type: "object",
    required: ["name"],
    properties: {
        name: { type: "string", minLength: 1, description: "Capability this agent needs." },
        version: str("Version constraint such as >=1.0.0."),
        optional: bool("Whether the agent runs without it."),
    },
};

const specSchema: Schema = {
    type: "object",
    description: "Desired state of an MCP agent. Set script, scriptConfigMap, or both (then script names the file inside the ConfigMap).",
    anyOf: [{ required: ["script"] }, { required: ["scriptConfigMap"] }],
    properties: {
        script: str("Path of the agent's Python file (inside scriptConfigMap when that is set), or inline code."),
        scriptConfigMap: str("ConfigMap that holds the agent's code."),
        version: str("Agent version."),
        description: str("What the agent does."),
        replicas: int("Desired pods.", 0, 100),
        image: str("Agent runtime image, pinned."),
        imagePullPolicy: { type: "string", enum: ["Always", "IfNotPresent", "Never"] },
        registryURL: str("MCP Mesh registry URL."),
        registryTimeout: int("Registry request timeout in seconds.", 1, 300),
        capabilities: { type: "array", items: capability },
        dependencies: { type: "array", items: dependency },
        http: {
            type: "object",
            properties: {
                enabled: bool("Serve MCP over HTTP."),
                port: int("HTTP port.", 0, 65535),
                cors: {
                    type: "object",
                    properties: {
                        enabled: bool("Enable CORS."),
                        allowedOrigins: { type: "array", items: { type: "string" } },
                    },
                },
            },
        },
        healthCheck: {
            type: "object",
            properties: {
                enabled: bool("Probe the agent."),
                interval: int("Seconds between checks.", 5, 300),
                timeout: int("Seconds before a check fails.", 1, 60),
            },
        },
        resources: {
            type: "object",
            properties: { requests: resourceList, limits: resourceList },
        },
        env: {
            type: "array",
            items: {
                type: "object",
                required: ["name"],
                properties: {
                    name: { type: "string", minLength: 1 },
                    value: { type: "string" },
                    valueFrom: {
                        type: "object",
                        properties: { secretKeyRef: keyRef("Secret"), configMapKeyRef: keyRef("ConfigMap") },
                    },
                },
            },
        },
        nodeSelector: stringMap("Node labels the pods must match."),
        tolerations: {
            type: "array",
            items: {
                type: "object",
                properties: {
                    key: { type: "string" },
                    operator: { type: "string", enum: ["Exists", "Equal"] },
                    value: { type: "string" },
                    effect: { type: "string", enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"] },
                    tolerationSeconds: { type: "integer" },
                },
            },
        },
        affinity: freeForm("Pod affinity (core/v1 Affinity)."),
        service: {
            type: "object",
            properties: {
                enabled: bool("Create a Service."),
                type: { type: "string", enum: ["ClusterIP", "NodePort", "LoadBalancer"] },
                port: int("Service port.", 1, 65535),
                annotations: stringMap("Service annotations."),
            },
        },
        persistence: {
            type: "object",
            properties: {
                enabled: bool("Mount a workspace volume."),
                size: str("Volume size (quantity)."),
                storageClass: str("Storage class."),
                accessMode: {
                    type: "string",
                    enum: ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
                },
            },
        },
        monitoring: {
            type: "object",
            properties: {
                enabled: bool("Expose metrics for scraping."),
                serviceMonitor: bool("Create a Prometheus Operator ServiceMonitor."),
            },
        },
        meshConfig: freeForm("Extra MCP Mesh runtime settings."),
        decoratorMetadata: freeForm("Metadata gathered from the agent's decorators."),
    },
};

const condition: Schema = {
    type: "object",
    required: ["type", "status"],
    properties: {
        type: { type: "string" },
        status: { type: "string", enum: ["True", "False", "Unknown"] },
        reason: { type: "string" },
        message: { type: "string" },
        lastTransitionTime: { type: "string", format: "date-time" },
        observedGeneration: { type: "integer", minimum: 0 },
    },
};

const statusSchema: Schema = {
    type: "object",
    properties: {
        phase: { type: "string", enum: ["Pending", "Running", "Failed", "Unknown"] },
        replicas: int("Pods that exist.", 0),
        readyReplicas: int("Pods that are ready.", 0),
        availableReplicas: int("Pods that are available.", 0),
        registrationStatus: str("Whether the agent is registered with the registry."),
        capabilities: { type: "array", items: { type: "string" } },
        dependencies: {
            type: "array",
            items: {
                type: "object",
                properties: { name: { type: "string" }, resolved: { type: "boolean" }, endpoint: { type: "string" } },
            },
        },
        endpoints: { type: "array", items: { type: "string" } },
        conditions: { type: "array", items: condition },
        observedGeneration: int("Generation the status describes.", 0),
    },
};

export const mcpAgentSchema: Schema = {
    type: "object",
    required: ["spec"],
    properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { type: "object" },
        spec: specSchema,
        status: statusSchema,
    },
};
