// What every stack must satisfy, whoever wrote it: the checks run over every object a stack
// renders. The user's stacks are held to these (and their golden files) only; the fixture
// stacks to these and to the behaviour their specs pin.
import { strict as assert } from "assert";
import { DEFAULT_DENY_POLICY, DNS_POLICY, tlsSecretName } from "../../components/k8s/names";
import { K8sObject, Rendered, renderStack, toYamlStream } from "./render";
import { allContainers, podTemplate } from "./pods";
import { CUSTOM_KINDS, openApiValidator } from "./openapi";
import { find, meshConfigOf, ofKind, renderStackOf, StackSource, stackConfig, stackFileText } from "./stacks";
import * as rules from "../../policy/rules";

const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]);
const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

function workloads(objects: readonly K8sObject[]): K8sObject[] {
    return objects.filter((o) => podTemplate(o) !== undefined);
}

const NAMESPACE_WIDE_POLICIES = [DEFAULT_DENY_POLICY, DNS_POLICY];

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
    return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function keysOf(object: K8sObject): string[] {
    return [...Object.keys((object.data as object) ?? {}), ...Object.keys((object.stringData as object) ?? {})];
}

function volumeClaimTemplateNames(workload: K8sObject): string[] {
    const spec = workload.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] };
    return (spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
}

export function describeStackChecks(stack: string, source: StackSource): void {
    it(`${source} stack ${stack}: its config is valid, read as the program reads it`, () => {
        assert.doesNotThrow(() => meshConfigOf(stack, source));
    });

    describe(`${source} stack ${stack}: every rendered object`, () => {
        let rendered: Rendered;
        let objects: K8sObject[];
        const where = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

        before(async () => {
            rendered = await renderStackOf(stack, source);
            objects = rendered.objects;
        });

        it("has a name, and a namespace exactly when namespaced", () => {
            for (const object of objects) {
                assert.ok(object.metadata.name, `${object.kind} without a name`);
                if (CLUSTER_SCOPED.has(object.kind)) {
                    assert.equal(object.metadata.namespace, undefined, where(object));
                } else {
                    assert.equal(object.metadata.namespace, rendered.outputs.namespace, where(object));
                }
            }
        });

        it("holds no empty list (the API server drops them: a perpetual diff for anything that applies the render)", () => {
            const emptyLists = (value: unknown, at: string): string[] =>
                Array.isArray(value)
                    ? value.length === 0
                        ? [at]
                        : value.flatMap((item, i) => emptyLists(item, `${at}[${i}]`))
                    : typeof value === "object" && value !== null
                      ? Object.entries(value).flatMap(([key, item]) => emptyLists(item, `${at}.${key}`))
                      : [];
            assert.deepEqual(
                objects.flatMap((object) => emptyLists(object, where(object))),
                [],
            );
        });

        it("holds no zero value the API server drops (probe timings, minReadySeconds: int32 fields it omits when 0)", () => {
            const DROPPED_WHEN_ZERO = new Set([
                "initialDelaySeconds",
                "periodSeconds",
                "timeoutSeconds",
                "successThreshold",
                "failureThreshold",
                "minReadySeconds",
            ]);
            const zeros = (value: unknown, at: string): string[] =>
                Array.isArray(value)
                    ? value.flatMap((item, i) => zeros(item, `${at}[${i}]`))
                    : typeof value === "object" && value !== null
                      ? Object.entries(value).flatMap(([key, item]) =>
                            DROPPED_WHEN_ZERO.has(key) && item === 0 ? [`${at}.${key}`] : zeros(item, `${at}.${key}`),
                        )
                      : [];
            assert.deepEqual(
                objects.flatMap((object) => zeros(object, where(object))),
                [],
            );
        });

        it("renders the same objects whatever the key order of structured config (the CLI hands it over sorted)", async () => {
            const reversed = (value: unknown): unknown =>
                Array.isArray(value)
                    ? value.map(reversed)
                    : typeof value === "object" && value !== null
                      ? Object.fromEntries(
                            Object.entries(value)
                                .reverse()
                                .map(([key, item]) => [key, reversed(item)]),
                        )
                      : value;
            const config = stackConfig(stack, source);
            const reorder = (text: string): string => {
                try {
                    return JSON.stringify(reversed(JSON.parse(text)));
                } catch {
                    return text;
                }
            };
            const again = await renderStack({
                stack,
                config: {
                    ...config,
                    config: Object.fromEntries(Object.entries(config.config).map(([key, value]) => [key, reorder(value)])),
                },
            });
            assert.equal(toYamlStream(again.objects), toYamlStream(objects));
        });

        it("carries the recommended labels", () => {
            for (const object of objects) {
                const labels = object.metadata.labels ?? {};
                for (const key of ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"]) {
                    assert.ok(labels[key], `${where(object)} lacks ${key}`);
                }
                assert.equal(labels["app.kubernetes.io/part-of"], "mcp-mesh", where(object));
                assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi", where(object));
            }
        });

        it("is valid against the Kubernetes OpenAPI schema", () => {
            for (const object of objects) {
                const validate = openApiValidator(object);
                if (!validate) {
                    assert.ok(
                        CUSTOM_KINDS.has(`${object.apiVersion}/${object.kind}`),
                        `no validator for ${object.apiVersion} ${object.kind}`,
                    );
                    continue;
                }
                assert.doesNotThrow(() => validate(object), where(object));
            }
        });

        // The same rules `pulumi preview --policy-pack policy` enforces (policy/rules.ts): one set of invariants.
        it("passes every rule of the policy pack: Pod Security restricted (init containers too), requests and limits, pinned images, no plain credentials", () => {
            assert.ok(workloads(objects).length > 0);
            const perObject = [
                rules.podSecurityViolations,
                rules.resourceLimitViolations,
                rules.imageTagViolations,
                rules.credentialViolations,
            ];
            assert.deepEqual(
                objects.flatMap((object) => perObject.flatMap((rule) => rule(object))),
                [],
            );
        });

        it("gives every container a read-only root filesystem (stricter than restricted; writable paths are volumes)", () => {
            for (const workload of workloads(objects)) {
                for (const container of allContainers(podTemplate(workload)?.spec ?? { containers: [] })) {
                    assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${where(workload)}/${container.name}`);
                }
            }
        });

        it("probes every long-running container", () => {
            for (const workload of workloads(objects).filter((w) => LONG_RUNNING.has(w.kind))) {
                for (const container of podTemplate(workload)?.spec.containers ?? []) {
                    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"] as const) {
                        assert.ok(container[probe], `${where(workload)}/${container.name} has no ${probe}`);
                    }
                }
            }
        });

        it("resolves every ConfigMap, Secret, claim and service-account reference", () => {
            // Secrets the stack config names as the user's own (created outside the program).
            const config = meshConfigOf(stack, source);
            const userSecrets = new Set(
                [
                    config.registry.tls.secretName,
                    config.database.postgres.sslRootCert?.secretName,
                    config.backup.objectStorage?.credentials.secretName,
                    ...(config.tls.enabled && config.tls.source === "secrets"
                        ? objects.filter((o) => podTemplate(o) !== undefined).map((o) => tlsSecretName(o.metadata.name))
                        : []),
                ].filter((name): name is string => name !== undefined),
            );
            const has = (kind: string, name: string) =>
                objects.some((o) => o.kind === kind && o.metadata.name === name) || (kind === "Secret" && userSecrets.has(name));
            const hasKey = (kind: string, name: string, key: string) =>
                objects.some((o) => o.kind === kind && o.metadata.name === name && keysOf(o).includes(key));
            // Claims a StatefulSet creates from its templates: <template>-<statefulset>-<ordinal>.
            const templateClaims = new Set(
                ofKind(objects, "StatefulSet").flatMap((sts) =>
                    volumeClaimTemplateNames(sts).flatMap((template) =>
                        Array.from(
                            { length: (sts.spec as { replicas?: number }).replicas ?? 1 },
                            (_, i) => `${template}-${sts.metadata.name}-${i}`,
                        ),
                    ),
                ),
            );
            for (const workload of workloads(objects)) {
                const pod = podTemplate(workload)?.spec;
                assert.ok(pod);
                if (pod.serviceAccountName) {
                    assert.ok(
                        has("ServiceAccount", pod.serviceAccountName),
                        `${where(workload)}: ServiceAccount ${pod.serviceAccountName}`,
                    );
                }
                for (const container of allContainers(pod)) {
                    for (const env of container.env ?? []) {
                        const cm = env.valueFrom?.configMapKeyRef;
                        const secret = env.valueFrom?.secretKeyRef;
                        if (cm)
                            assert.ok(
                                hasKey("ConfigMap", cm.name, cm.key),
                                `${where(workload)}: ${env.name} -> ConfigMap ${cm.name}/${cm.key}`,
                            );
                        if (secret)
                            assert.ok(
                                userSecrets.has(secret.name) || hasKey("Secret", secret.name, secret.key),
                                `${where(workload)}: ${env.name} -> Secret ${secret.name}/${secret.key}`,
                            );
                    }
                    for (const source of container.envFrom ?? []) {
                        if (source.configMapRef)
                            assert.ok(
                                has("ConfigMap", source.configMapRef.name),
                                `${where(workload)}: envFrom ${source.configMapRef.name}`,
                            );
                        if (source.secretRef)
                            assert.ok(has("Secret", source.secretRef.name), `${where(workload)}: envFrom ${source.secretRef.name}`);
                    }
                    const volumeNames = new Set([...(pod.volumes ?? []).map((v) => v.name), ...volumeClaimTemplateNames(workload)]);
                    for (const mount of container.volumeMounts ?? []) {
                        assert.ok(volumeNames.has(mount.name), `${where(workload)}/${container.name}: mount ${mount.name} has no volume`);
                    }
                }
                for (const volume of pod.volumes ?? []) {
                    if (volume.configMap) assert.ok(has("ConfigMap", volume.configMap.name), `${where(workload)}: volume ${volume.name}`);
                    if (volume.secret) assert.ok(has("Secret", volume.secret.secretName), `${where(workload)}: volume ${volume.name}`);
                    if (volume.persistentVolumeClaim) {
                        const claim = volume.persistentVolumeClaim.claimName;
                        assert.ok(has("PersistentVolumeClaim", claim) || templateClaims.has(claim), `${where(workload)}: claim ${claim}`);
                    }
                }
                const serviceName = (workload.spec as { serviceName?: string }).serviceName;
                if (serviceName) assert.ok(has("Service", serviceName), `${where(workload)}: serviceName ${serviceName}`);
            }
            for (const binding of ofKind(objects, "RoleBinding")) {
                const { roleRef, subjects } = binding as unknown as {
                    roleRef: { kind: string; name: string };
                    subjects: { kind: string; name: string }[];
                };
                assert.ok(has(roleRef.kind, roleRef.name), `${where(binding)}: ${roleRef.kind} ${roleRef.name}`);
                for (const subject of subjects)
                    assert.ok(has(subject.kind, subject.name), `${where(binding)}: ${subject.kind} ${subject.name}`);
            }
        });

        it("selects pods that exist, from every Service, PDB and NetworkPolicy", () => {
            // An MCPAgent's pods are a controller's, labelled like the MCPAgent: the namespace's
            // agent policies are there for them too (a stack may run every agent that way).
            const podLabels = [
                ...workloads(objects).map((w) => podTemplate(w)?.metadata.labels),
                ...ofKind(objects, "MCPAgent").map((agent) => agent.metadata.labels),
            ];
            for (const service of ofKind(objects, "Service")) {
                const selector = (service.spec as { selector?: Record<string, string> }).selector ?? {};
                assert.ok(
                    podLabels.some((labels) => matches(selector, labels)),
                    `${where(service)} selects no pod`,
                );
            }
            for (const object of [...ofKind(objects, "PodDisruptionBudget"), ...ofKind(objects, "NetworkPolicy")]) {
                const spec = object.spec as {
                    selector?: { matchLabels: Record<string, string> };
                    podSelector?: { matchLabels: Record<string, string> };
                };
                const selector = (spec.selector ?? spec.podSelector)?.matchLabels ?? {};
                if (NAMESPACE_WIDE_POLICIES.includes(object.metadata.name)) {
                    // The namespace's default deny and its DNS allow select every pod on purpose.
                    assert.deepEqual(spec.podSelector, {}, where(object));
                    continue;
                }
                assert.ok(Object.keys(selector).length > 0, `${where(object)} selects everything`);
                assert.ok(
                    podLabels.some((labels) => matches(selector, labels)),
                    `${where(object)} selects no pod`,
                );
            }
        });

        it("covers every pod with NetworkPolicies and every multi-replica workload with a PDB (the pack's stack rules)", () => {
            assert.deepEqual(rules.networkPolicyViolations(objects), []);
            assert.deepEqual(rules.disruptionBudgetViolations(objects), []);
        });

        it("prints no secret value", () => {
            for (const secret of ofKind(objects, "Secret")) {
                for (const field of ["data", "stringData"]) {
                    for (const value of Object.values((secret[field] as Record<string, string>) ?? {})) {
                        assert.equal(value, "<redacted>", where(secret));
                    }
                }
            }
        });

        it("renders byte-identical output twice", async () => {
            const again = await renderStackOf(stack, source);
            assert.equal(toYamlStream(again.objects), toYamlStream(objects));
        });

        it("names the kube context it deploys to in its own stack file (never the current context)", () => {
            assert.match(stackFileText(stack, source), /^ {2}kubernetes:context: \S+$/m);
        });

        it("tells the Kubernetes provider to update ConfigMaps and Secrets in place (project-level config)", () => {
            const { config } = stackConfig(stack, source);
            assert.equal(config["kubernetes:enableConfigMapMutable"], "true");
            assert.equal(config["kubernetes:enableSecretMutable"], "true");
        });

        it("labels the registry as the seed's kubectl commands expect", () => {
            const statefulSet = find(objects, "StatefulSet", "mcp-mesh-registry");
            for (const labels of [statefulSet.metadata.labels, podTemplate(statefulSet)?.metadata.labels]) {
                assert.equal(labels?.["app.kubernetes.io/name"], "mcp-mesh-registry");
                assert.equal(labels?.["app.kubernetes.io/component"], "registry");
            }
            find(objects, "Service", "mcp-mesh-registry");
            find(objects, "Service", "mcp-mesh-registry-headless");
            // The seed's claims data-mcp-mesh-registry-N exist on SQLite; on PostgreSQL there is nothing to store.
            assert.deepEqual(volumeClaimTemplateNames(statefulSet), meshConfigOf(stack, source).database.type === "sqlite" ? ["data"] : []);
        });
    });
}
