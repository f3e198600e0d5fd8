// One MCP agent. `mode: deployment`: Deployment, Service, code ConfigMap, Secret, optional
// HPA, PDB, NetworkPolicy, workspace claim, ServiceMonitor. `mode: customResource`: the code
// ConfigMap, the Secret and an MCPAgent for a controller to reconcile; no pods of our own.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AgentConfig, agentSchema, maxPods } from "../config/agents";
import { SharedVolume } from "../config/storage";
import {
    agentChecksums,
    AGENT_PROBES,
    codeLocation,
    CODE_DIR,
    configuredEnv,
    HTTP_PORT_NAME,
    httpProbe,
    mcpAgentSpec,
    scriptPath,
    SHARED_VOLUME_CLAIMS,
    wiredEnv,
    WORKSPACE_DIR,
} from "./spec";
import { MCPAGENT_API_VERSION } from "./crd";
import * as kube from "../k8s/builders";
import { claimOptions, requestedStorageAnnotations } from "../k8s/data-protection";
import { agentSecretName, codeConfigMapName, workspaceClaimName } from "../k8s/names";
import { requireMutableConfig } from "../k8s/provider-settings";
import { rolloutTimeouts } from "../k8s/rollout";
import { secretChecksum } from "../k8s/secret-checksum";
import { certificateAnnotation, meshTlsEnv, MeshTlsArgs, meshTlsVolumes } from "../k8s/mesh-tls";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../k8s/security";
import { tracingAnnotation, tracingEnv, TracingWiring } from "../k8s/tracing-env";
import { DeploymentStrategy, EnvVar, NetworkPolicyEgressRule, NetworkPolicyIngressRule, Volume, VolumeMount } from "../k8s/types";

/** A new pod counts as available once Ready this long. */
const MIN_READY_SECONDS = 5;

export interface AgentArgs {
    /**
     * The agent: one entry of the stack config's `agents`, parsed (components/config/agents.ts);
     * `agentConfig({ name, code })` fills the defaults.
     */
    agent: AgentConfig;
    /** Namespace to deploy into, e.g. a Namespace's `metadata.name`. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance on every object. Default: the stack name. */
    instance?: string;
    /** The registry's in-cluster URL (Registry.url): MCP_MESH_REGISTRY_URL and spec.registryURL. */
    registryUrl: pulumi.Input<string>;
    /**
     * The shared settings ConfigMap (`mcp-agent-config`): its name, and its data (the keys the
     * agent reads from it, and the checksum that rolls the agent). Default: none.
     */
    settings?: { configMap: pulumi.Input<string>; data: Record<string, string> };
    /** Values of the agent's `secretEnv` names, from encrypted stack config. Default: none. */
    secrets?: Record<string, pulumi.Input<string>>;
    /** Claim names of the shared volumes (`storage.*`) the stack defines. Default: none. */
    sharedClaims?: Partial<Record<SharedVolume, pulumi.Input<string>>>;
    /** Namespace whose pods may scrape /metrics. Default: `monitoring`. */
    monitoringNamespace?: string;
    /** The MCPAgent CRD when this stack installs it; the custom resource waits for it. Default: none. */
    crd?: pulumi.Resource;
    /**
     * Names of image pull Secrets for every pod of the stack (the stack config's `imagePullSecrets`);
     * the agent's own (`agent.imagePullSecrets`) follow. Default: none.
     */
    imagePullSecrets?: string[];
    /** Protect and retain the workspace claim (`protectData`). Default: false. */
    protectData?: boolean;
    /**
     * Mesh-wide mutual TLS (`tls.enabled`; mode deployment only): the Secret holding the agent's
     * certificate (`tls.crt`, `tls.key`, `ca.crt`). The agent then registers over mTLS, serves
     * HTTPS requiring a mesh client certificate, and probes over mTLS (exec). Default: none.
     */
    meshTls?: MeshTlsArgs;
    /**
     * Distributed tracing (Tracing.wiring): the runtime publishes a span per tool call to Redis
     * (REDIS_URL from the Secret). Both modes: an MCPAgent's env takes a secretKeyRef. Default: none (off).
     */
    tracing?: TracingWiring;
}

export class Agent extends pulumi.ComponentResource {
    /** The agent's name (`agents[i].name`). */
    public readonly agentName: string;
    public readonly mode: AgentConfig["mode"];
    /** In-cluster URL of the agent's Service (mode deployment). */
    public readonly url?: pulumi.Output<string>;
    public readonly deployment?: k8s.apps.v1.Deployment;
    /** The MCPAgent object (mode customResource). */
    public readonly customResource?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: AgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Agent", name, {}, opts);
        requireMutableConfig(this, `Agent ${name}`);
        const { agent, namespace } = args;
        const instance = args.instance ?? pulumi.getStack();
        const child = { parent: this };
        const {
            workload: workloadLabels,
            selector,
            meta,
        } = kube.objectLabels({ name: agent.name, component: "agent", instance, image: agent.image, namespace });
        this.agentName = agent.name;
        this.mode = agent.mode;

        const codeConfigMap =
            agent.source.kind === "code"
                ? new k8s.core.v1.ConfigMap(
                      `${name}-code`,
                      { metadata: meta(codeConfigMapName(agent.name)), data: { [agent.source.fileName]: agent.source.content } },
                      child,
                  )
                : undefined;
        const codeConfigMapRef: pulumi.Input<string> = codeConfigMap?.metadata.name ?? codeLocation(agent).configMap;

        const secretValues = Object.fromEntries(
            agent.secretEnv.map((variable) => {
                const value = args.secrets?.[variable];
                if (!value) {
                    throw new Error(`agent ${agent.name}: no secret value for ${variable} (agentSecrets.${agent.name}.${variable})`);
                }
                return [variable, pulumi.secret(value)];
            }),
        );
        const secret =
            agent.secretEnv.length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-secret`,
                      { metadata: meta(agentSecretName(agent.name)), type: "Opaque", stringData: secretValues },
                      child,
                  )
                : undefined;

        const env = [
            ...(args.tracing ? tracingEnv(args.tracing) : []),
            ...configuredEnv(agent, {
                settingsConfigMap: args.settings?.configMap ?? "",
                settingKeys: Object.keys(args.settings?.data ?? {}),
                secretName: secret?.metadata.name ?? agentSecretName(agent.name),
            }),
        ];

        if (agent.mode === "customResource") {
            this.customResource = new k8s.apiextensions.CustomResource(
                `${name}-mcpagent`,
                {
                    apiVersion: MCPAGENT_API_VERSION,
                    kind: "MCPAgent",
                    metadata: { ...meta(agent.name), labels: workloadLabels },
                    spec: mcpAgentSpec(agent, { registryUrl: args.registryUrl, env }),
                },
                { ...child, dependsOn: [args.crd, codeConfigMap, secret].filter((r): r is pulumi.Resource => r !== undefined) },
            );
        } else {
            const deployed = this.deploy(name, args, {
                meta,
                workloadLabels,
                selector,
                env,
                codeConfigMap: codeConfigMapRef,
                secretValues: secret ? secretValues : undefined,
            });
            this.deployment = deployed.deployment;
            this.url = deployed.url;
        }
        this.registerOutputs({ mode: this.mode, url: this.url });
    }

    /** mode deployment: the pods, their Service, scaling, disruption budget, policy and monitoring. */
    private deploy(name: string, args: AgentArgs, parts: DeployParts): { deployment: k8s.apps.v1.Deployment; url: pulumi.Output<string> } {
        const { agent } = args;
        const { meta, selector } = parts;
        const child = { parent: this };
        const port = agent.service.port;
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: {
                    ...meta(agent.name),
                    ...(Object.keys(agent.service.annotations).length > 0 ? { annotations: agent.service.annotations } : {}),
                },
                spec: {
                    type: agent.service.type,
                    selector,
                    ports: [{ name: HTTP_PORT_NAME, port, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
                },
            },
            child,
        );
        const serviceHost = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        const deployment = this.createDeployment(name, args, parts, serviceHost);
        this.createScaling(name, args, parts, deployment);
        this.createPolicies(name, args, parts);
        const scheme = args.meshTls ? "https" : "http";
        return { deployment, url: pulumi.interpolate`${scheme}://${serviceHost}:${port}` };
    }

    /** The code, a scratch /tmp, the agent's own workspace claim (`persistence`) and the shared claims it lists. */
    private createVolumes(name: string, args: AgentArgs, parts: DeployParts): { volumes: Volume[]; mounts: VolumeMount[] } {
        const { agent } = args;
        const volumes: Volume[] = [
            { name: "code", configMap: { name: parts.codeConfigMap, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "128Mi" } },
        ];
        const mounts: VolumeMount[] = [
            { name: "code", mountPath: CODE_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ];
        const persistence = agent.persistence?.enabled ? agent.persistence : undefined;
        if (persistence) {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-workspace`,
                {
                    metadata: { ...parts.meta(workspaceClaimName(agent.name)), annotations: requestedStorageAnnotations(persistence) },
                    spec: kube.claimSpec(persistence),
                },
                claimOptions(this, args.protectData ?? false),
            );
            volumes.push({ name: "workspace", persistentVolumeClaim: { claimName: claim.metadata.name } });
            mounts.push({ name: "workspace", mountPath: WORKSPACE_DIR });
        }
        for (const volume of agent.sharedStorage) {
            const claimName = args.sharedClaims?.[volume];
            if (!claimName) {
                throw new Error(`agent ${agent.name}: shared volume ${volume} is not defined in storage`);
            }
            const { claim: volumeName, mountPath } = SHARED_VOLUME_CLAIMS[volume];
            volumes.push({ name: volumeName, persistentVolumeClaim: { claimName } });
            mounts.push({ name: volumeName, mountPath });
        }
        if (args.meshTls) {
            const tls = meshTlsVolumes(args.meshTls.secretName, false);
            volumes.push(...tls.volumes);
            mounts.push(...tls.mounts);
        }
        return { volumes, mounts };
    }

    /** The Deployment: the runtime running the agent's script, wired to the registry and to its own Service. */
    private createDeployment(
        name: string,
        args: AgentArgs,
        parts: DeployParts,
        serviceHost: pulumi.Output<string>,
    ): k8s.apps.v1.Deployment {
        const { agent } = args;
        const { meta, workloadLabels, selector, env } = parts;
        const child = { parent: this };
        const port = agent.service.port;
        const { volumes, mounts } = this.createVolumes(name, args, parts);
        const podAnnotations: Record<string, pulumi.Input<string>> = {
            ...agentChecksums(agent, args.settings?.data ?? {}),
            ...(parts.secretValues ? { "checksum/secret": secretChecksum(`${name}-secret-checksum-key`, parts.secretValues, child) } : {}),
            ...(agent.monitoring.scrapeAnnotations ? kube.scrapeAnnotations(port) : {}),
            ...certificateAnnotation(args.meshTls),
            ...tracingAnnotation(args.tracing),
        };

        const tlsEnv = args.meshTls ? Object.entries(meshTlsEnv()).map(([key, value]): EnvVar => ({ name: key, value })) : [];
        const containerEnv: EnvVar[] = [...wiredEnv(agent, { registryUrl: args.registryUrl, serviceHost }), ...tlsEnv, ...env];
        const tlsPort = args.meshTls ? port : undefined;
        return new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    ...meta(agent.name),
                    labels: workloadLabels,
                    annotations: {
                        "mcp-mesh.io/capabilities": JSON.stringify(agent.capabilities),
                        "mcp-mesh.io/dependencies": JSON.stringify(agent.dependencies),
                    },
                },
                spec: {
                    // With autoscaling the HPA owns the replica count: leaving it out means Pulumi never resets it.
                    ...(agent.autoscaling ? {} : { replicas: agent.replicas }),
                    selector: { matchLabels: selector },
                    strategy: rolloutStrategy(agent),
                    minReadySeconds: MIN_READY_SECONDS,
                    revisionHistoryLimit: 5,
                    template: {
                        metadata: { labels: workloadLabels, annotations: podAnnotations },
                        spec: {
                            automountServiceAccountToken: false,
                            ...kube.pullSecrets(args.imagePullSecrets, agent.imagePullSecrets),
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurity(),
                            terminationGracePeriodSeconds: 30,
                            affinity: agent.affinity ?? kube.spreadOverNodes(selector),
                            // Count only the current revision's pods, so a rollout spreads too.
                            topologySpreadConstraints: kube.topologySpread(
                                selector,
                                ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
                                ["pod-template-hash"],
                            ),
                            ...(Object.keys(agent.nodeSelector).length > 0 ? { nodeSelector: agent.nodeSelector } : {}),
                            ...(agent.tolerations.length > 0 ? { tolerations: agent.tolerations } : {}),
                            containers: [
                                {
                                    name: "agent",
                                    image: agent.image,
                                    imagePullPolicy: agent.imagePullPolicy,
                                    // The runtime's ENTRYPOINT is python: the argument is the script.
                                    args: [scriptPath(agent)],
                                    ports: [{ name: HTTP_PORT_NAME, containerPort: port, protocol: "TCP" }],
                                    env: containerEnv,
                                    resources: agent.resources,
                                    securityContext: restrictedContainerSecurity(),
                                    startupProbe: httpProbe("startup", tlsPort),
                                    livenessProbe: httpProbe("liveness", tlsPort),
                                    readinessProbe: httpProbe("readiness", tlsPort),
                                    volumeMounts: mounts,
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            { ...child, customTimeouts: rolloutTimeouts(maxPods(agent), AGENT_PROBES, MIN_READY_SECONDS) },
        );
    }

    /** The HorizontalPodAutoscaler (`autoscaling`), and the disruption budget whenever more than one pod may run. */
    private createScaling(name: string, args: AgentArgs, parts: DeployParts, deployment: k8s.apps.v1.Deployment): void {
        const { agent } = args;
        const { meta, selector } = parts;
        const child = { parent: this };
        if (agent.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: meta(agent.name),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                        minReplicas: agent.autoscaling.minReplicas,
                        maxReplicas: agent.autoscaling.maxReplicas,
                        metrics: [
                            {
                                type: "Resource",
                                resource: {
                                    name: "cpu",
                                    target: { type: "Utilization", averageUtilization: agent.autoscaling.targetCPUUtilizationPercentage },
                                },
                            },
                        ],
                    },
                },
                child,
            );
        }

        // An autoscaled agent may run several pods at any time: drain them one by one too.
        const multiplePods = agent.autoscaling ? agent.autoscaling.maxReplicas > 1 : agent.replicas > 1;
        if (multiplePods) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: meta(agent.name),
                    // An agent pod that is not Ready serves nothing: let a drain evict it.
                    spec: kube.disruptionBudget(selector),
                },
                child,
            );
        }
    }

    /** Who may connect (see ingressRules), and the ServiceMonitor when asked for. */
    private createPolicies(name: string, args: AgentArgs, parts: DeployParts): void {
        const { agent } = args;
        const { meta, selector } = parts;
        const child = { parent: this };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: meta(agent.name),
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: agent.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"],
                    ingress: ingressRules(agent, args.monitoringNamespace ?? "monitoring"),
                    // Its own egress (`egress`), on top of the mesh's allows (policies add up).
                    ...(agent.egress.length > 0 ? { egress: agent.egress.map(egressRule) } : {}),
                },
            },
            child,
        );

        if (agent.monitoring.serviceMonitor) {
            kube.serviceMonitor(
                `${name}-service-monitor`,
                { metadata: meta(agent.name), selector, interval: agent.monitoring.interval },
                child,
            );
        }
    }
}

/** One agent with the stack config's defaults; `input` as an entry of `agents` (code relative to the project root). */
export function agentConfig(input: z.input<typeof agentSchema>): AgentConfig {
    return agentSchema.parse(input);
}

interface DeployParts {
    meta: (objectName: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
    /** Labels of the workload and its pods (with the image version). */
    workloadLabels: Record<string, string>;
    selector: Record<string, string>;
    /** Shared settings, plain and secret env (the wired contract variables are added here). */
    env: EnvVar[];
    /** Name of the ConfigMap holding the code. */
    codeConfigMap: pulumi.Input<string>;
    /** Secret values, when the agent has secretEnv. */
    secretValues?: Record<string, pulumi.Output<string>>;
}

/**
 * Keep ready capacity during a rollout (surge one, never go below the desired count), except
 * on a single-node workspace volume, which the old pod must release first.
 */
function rolloutStrategy(agent: AgentConfig): DeploymentStrategy {
    const persistence = agent.persistence;
    if (persistence?.enabled && ["ReadWriteOnce", "ReadWriteOncePod"].includes(persistence.accessMode)) {
        return { type: "Recreate" };
    }
    return { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
}

/** One `egress` entry: its CIDR blocks, on its ports. */
function egressRule(entry: AgentConfig["egress"][number]): NetworkPolicyEgressRule {
    return {
        to: entry.cidrs.map((block) => ({ ipBlock: { cidr: block } })),
        ports: entry.ports.map((port) => ({ port, protocol: entry.protocol })),
    };
}

/**
 * Agents and the registry (mesh pods of this namespace), and the monitoring namespace when the
 * agent is scraped, reach the agent's port; nothing else gets in, unless the stack exposes the Service outside the cluster.
 */
function ingressRules(agent: AgentConfig, monitoringNamespace: string): NetworkPolicyIngressRule[] {
    const port = agent.service.port;
    const rules: NetworkPolicyIngressRule[] = [kube.allowFrom([kube.MESH_PEERS], port)];
    if (agent.monitoring.scrapeAnnotations || agent.monitoring.serviceMonitor) {
        // Prometheus, only for an image that serves /metrics (the config refuses scraping otherwise).
        rules.push(kube.allowFrom([kube.namespacePeer(monitoringNamespace)], port));
    }
    if (agent.service.type !== "ClusterIP") {
        // A NodePort or LoadBalancer Service is asked-for outside traffic: admit it on the agent's port only.
        rules.push(kube.allowFrom([], port));
    }
    return rules;
}
