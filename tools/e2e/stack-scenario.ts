// The e2e steps for one stack, in the order a platform engineer meets them: preview, up,
// no perpetual diff (before and after refresh), a replica edit, storage edits, a secret,
// the policy pack, destroy. Each step checks what the real CLI and the real server say.
import { randomBytes } from "crypto";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import * as fs from "fs";
import { isKubeObject, Kubectl, KubeObject, podCreationRefusal } from "./kube";
import { liveDifferences } from "./live-diff";
import { runEditTable } from "./edit-table";
import { runTlsChecks } from "./tls-checks";
import { RefusedEdit, runRefusedEdits } from "./refused-edits";
import { runStuckRollout } from "./stuck-rollout";
import { runAutoscaledAgent } from "./autoscaled-agent";
import { runOffsiteBackup } from "./offsite-backup";
import { applySabotage } from "./sabotage";
import { cliWords, copyProject, describeUrn, Preview, PreviewStep, PulumiCli, SECRET_SIGNATURE, StateResource } from "./pulumi-cli";
import { check, Report, StepFailure } from "./report";
import { run, waitFor } from "./processes";
import { Toolchain } from "./toolchain";

export interface ConfigEdit {
    /** `pulumi config set --path` key, e.g. `registry.replicas`. */
    key: string;
    value: string;
}

export interface StackPlan {
    /** Stack name (the stack file is `Pulumi.<stack>.yaml` unless `stackFile` says otherwise). */
    stack: string;
    stackFile: string;
    /** An edit that must change exactly one field of one object. */
    replicaEdit: ConfigEdit & { field: string };
    /** Edits of claim sizes and classes: none may delete or replace a claim. */
    storageEdits: ConfigEdit[];
    /** The agent given a secret variable (its index in `agents` and its name). */
    secretAgent: { index: number; name: string };
    /** tls.enabled from the program's own CA: run the certificate checks (tools/e2e/tls-checks.ts). */
    tls?: boolean;
    /** Deploy backup.objectStorage and a restore drill for real (tools/e2e/offsite-backup.ts); PostgreSQL stacks name the drill's database. */
    offsiteBackup?: { drillDatabase?: string };
    /** Add an agent with autoscaling at this index in `agents`, watch the HPA scale it, and Pulumi not fight it (tools/e2e/autoscaled-agent.ts). */
    autoscaledAgent?: { index: number };
    /** Run the day-2 edit table (tools/e2e/edit-table.ts); its agent takes this index in `agents`. */
    editTable?: { nextAgentIndex: number };
    /** Edits of settings the stack keeps, each refused at preview with nothing changed (tools/e2e/refused-edits.ts). */
    refusedEdits?: RefusedEdit[];
    /** Run the bad-image rollout and its runbook (tools/e2e/stuck-rollout.ts; a one-replica registry). */
    stuckRollout?: boolean;
    /** A deliberate defect applied to the scratch copy (tools/e2e/sabotage.ts). */
    sabotage?: string;
}

export interface ClusterAccess {
    kubeconfig: string;
    context: string;
}

const CHANGE_OPS = new Set([
    "create",
    "update",
    "delete",
    "replace",
    "create-replacement",
    "delete-replaced",
    "discard",
    "discard-replaced",
]);
const DESTRUCTIVE_OPS = new Set(["delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced"]);
/** Kinds whose objects hold data: a delete or replace of one loses it. */
const DATA_TYPES = ["kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:apps/v1:StatefulSet"];
const NAMESPACED_KINDS =
    "deployments,statefulsets,cronjobs,services,configmaps,secrets,persistentvolumeclaims,serviceaccounts,roles,rolebindings,networkpolicies,poddisruptionbudgets,horizontalpodautoscalers,mcpagents";
/** What every namespace holds without us. */
const BUILT_IN = new Set(["ConfigMap/kube-root-ca.crt", "ServiceAccount/default"]);

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";

/** Whether `claimName` is `<template>-<statefulset>-<ordinal>` of the StatefulSet in state. */
function templateClaimOf(statefulSet: StateResource, claimName: string): boolean {
    const name = liveKey(statefulSet)?.name;
    const spec = statefulSet.inputs?.spec;
    const templates =
        typeof spec === "object" && spec !== null && "volumeClaimTemplates" in spec && Array.isArray(spec.volumeClaimTemplates)
            ? spec.volumeClaimTemplates
            : [];
    return templates.some((template: unknown) => {
        const metadata = typeof template === "object" && template !== null && "metadata" in template ? template.metadata : undefined;
        const templateName = typeof metadata === "object" && metadata !== null && "name" in metadata ? metadata.name : undefined;
        return (
            typeof templateName === "string" &&
            claimName.startsWith(`${templateName}-${name}-`) &&
            /^\d+$/.test(claimName.slice(`${templateName}-${name}-`.length))
        );
    });
}

/** `npm run render` of the scratch copy's stack file (secrets redacted), as objects. */
function renderedObjects(projectDir: string, stack: string): KubeObject[] {
    const result = run("npm", ["run", "--silent", "render", "--", "--stack", stack], { cwd: projectDir });
    if (result.status !== 0) {
        throw new StepFailure(`npm run render -- --stack ${stack} exited ${result.status}:\n${result.stderr.trim()}`);
    }
    return parseAllDocuments(result.stdout).flatMap((doc) => {
        const value: unknown = doc.toJS();
        return isKubeObject(value) ? [value] : [];
    });
}

/**
 * `checksum/secret` is an HMAC keyed by a generated value, `checksum/certificate` the fingerprint
 * of a generated certificate, `checksum/tracing` a digest of the Redis URL with its generated
 * password: the offline render knows none of them.
 */
const GENERATED_CHECKSUMS = new Set(["checksum/secret", "checksum/certificate", "checksum/tracing"]);

function withoutSecretChecksums(object: KubeObject): unknown {
    return JSON.parse(JSON.stringify(object), (key: string, value: unknown) => (GENERATED_CHECKSUMS.has(key) ? undefined : value));
}

function changes(preview: Preview): PreviewStep[] {
    return preview.steps.filter((step) => CHANGE_OPS.has(step.op));
}

/** What the cluster says about a namespace's workloads, for a failed rollout. */
function clusterView(kubectl: Kubectl, namespace: string): string {
    const state = kubectl.exec(["get", "nodes,pods,statefulsets,deployments,persistentvolumeclaims", "-n", namespace, "-o", "wide"]);
    const warnings = kubectl.exec(["get", "events", "-n", namespace, "--field-selector", "type=Warning"]);
    return `--- the cluster:\n${state.stdout.trim()}\n--- warning events:\n${warnings.stdout.trim().split("\n").slice(-15).join("\n")}`;
}

function describeSteps(steps: PreviewStep[]): string {
    return (
        steps
            .map((s) => `${s.op} ${describeUrn(s.urn)}${s.detailedDiff ? ` [${Object.keys(s.detailedDiff).join(", ")}]` : ""}`)
            .join("; ") || "none"
    );
}

function stackNamespace(stackFile: string): string {
    const parsed: unknown = parse(fs.readFileSync(stackFile, "utf8"));
    if (
        typeof parsed === "object" &&
        parsed !== null &&
        "config" in parsed &&
        typeof parsed.config === "object" &&
        parsed.config !== null
    ) {
        const ns: unknown = Object.entries(parsed.config).find(([key]) => key === "mcp-mesh:namespace")?.[1];
        if (typeof ns === "string") return ns;
    }
    return "mcp-mesh";
}

function isKubernetesObject(resource: StateResource): boolean {
    return resource.type.startsWith("kubernetes:") && !resource.type.startsWith("pulumi:providers:");
}

function liveKey(resource: StateResource): { kind: string; name: string; namespace?: string } | undefined {
    const outputs = resource.outputs ?? {};
    const kind = outputs.kind;
    const metadata = outputs.metadata;
    if (
        typeof kind !== "string" ||
        typeof metadata !== "object" ||
        metadata === null ||
        !("name" in metadata) ||
        typeof metadata.name !== "string"
    ) {
        return undefined;
    }
    const namespace = "namespace" in metadata && typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    return { kind, name: metadata.name, namespace };
}

function replicasReady(object: KubeObject): boolean {
    const want = typeof object.spec?.replicas === "number" ? object.spec.replicas : 1;
    return object.status?.readyReplicas === want || (want === 0 && object.status?.readyReplicas === undefined);
}

function podReady(pod: KubeObject): boolean {
    const conditions = pod.status?.conditions;
    return (
        pod.status?.phase === "Succeeded" ||
        (Array.isArray(conditions) &&
            conditions.some(
                (c: unknown) =>
                    typeof c === "object" && c !== null && "type" in c && c.type === "Ready" && "status" in c && c.status === "True",
            ))
    );
}

/** What every e2e suite runs with. */
export interface RunContext {
    toolchain: Toolchain;
    access: ClusterAccess;
    /** Scratch directory of this run (copies, state, logs). */
    runDir: string;
    repoRoot: string;
    report: Report;
}

export async function runStack(plan: StackPlan, { toolchain, access, runDir, repoRoot, report }: RunContext): Promise<void> {
    const suite = plan.stack;
    const projectDir = path.join(runDir, plan.stack, "project");
    const cli = new PulumiCli(toolchain, projectDir, plan.stack, path.join(runDir, plan.stack, "state"));
    const kubectl = new Kubectl(toolchain.kubectl, access.kubeconfig, access.context);
    const namespace = stackNamespace(plan.stackFile);

    await report.step(
        suite,
        "set up a scratch copy of the stack (file backend, passphrase secrets)",
        () => {
            copyProject(repoRoot, projectDir, plan.stackFile, plan.stack);
            if (plan.sabotage) {
                const sabotage = applySabotage(plan.sabotage, projectDir);
                process.stdout.write(`[e2e] ${suite}: sabotaged ${sabotage.file}; expect: ${sabotage.expect}\n`);
            }
            cli.must(["stack", "init", "--secrets-provider", "passphrase"]);
            cli.configSet("kubernetes:kubeconfig", access.kubeconfig);
            cli.configSet("kubernetes:context", access.context);
        },
        { critical: true },
    );

    await report.step(
        suite,
        "pulumi preview",
        () => {
            const preview = cli.preview();
            check((preview.changeSummary.create ?? 0) > 0, `preview plans no creates: ${JSON.stringify(preview.changeSummary)}`);
        },
        { critical: true },
    );

    await report.step(
        suite,
        "pulumi up: every object created, every pod admitted under restricted and Ready",
        async () => {
            const up = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
            check(up.status === 0, `pulumi up exited ${up.status}:\n${cliWords(up)}\n${clusterView(kubectl, namespace)}`);
            const resources = cli.resources().filter(isKubernetesObject);
            const missing = resources
                .map(liveKey)
                .filter((key) => key !== undefined && kubectl.get(key.kind, key.name, key.namespace) === undefined);
            check(missing.length === 0, `in state but not in the cluster: ${missing.map((k) => `${k?.kind} ${k?.name}`).join(", ")}`);
            const enforce = kubectl.get("namespace", namespace)?.metadata.labels?.["pod-security.kubernetes.io/enforce"];
            check(enforce === "restricted", `namespace ${namespace}: pod-security.kubernetes.io/enforce is ${enforce}, not restricted`);
            const settled = await waitFor(() => kubectl.list("deployments,statefulsets", namespace).every(replicasReady), 120_000, 2000);
            const workloads = kubectl.list("deployments,statefulsets", namespace);
            check(
                settled,
                `not all replicas Ready: ${workloads
                    .filter((w) => !replicasReady(w))
                    .map((w) => `${w.kind} ${w.metadata.name}`)
                    .join(", ")}`,
            );
            const pods = kubectl.list("pods", namespace);
            check(pods.length > 0, `no pods in ${namespace}`);
            const notReady = pods.filter((pod) => !podReady(pod));
            check(notReady.length === 0, `pods not Ready: ${notReady.map((p) => p.metadata.name).join(", ")}`);
            const refusal = podCreationRefusal(kubectl, namespace);
            check(refusal === undefined, `a controller could not create pods: ${refusal}`);
        },
        { critical: true },
    );

    await report.step(
        suite,
        "live objects hold every field of the state and of `npm run render` (nothing dropped or rewritten by the server)",
        () => {
            const fromState = cli
                .resources()
                .filter(isKubernetesObject)
                .flatMap((resource) => {
                    const key = liveKey(resource);
                    const live = key ? kubectl.get(key.kind, key.name, key.namespace) : undefined;
                    return key && live
                        ? liveDifferences(resource.inputs ?? {}, live).map((d) => `${key.kind} ${key.name} (state): ${d}`)
                        : [];
                });
            // The render is what GitOps tools apply: a field the server drops is a change on every sync.
            const fromRender = renderedObjects(projectDir, plan.stack)
                .filter((object) => object.kind !== "Secret")
                .flatMap((object) => {
                    const live = kubectl.get(object.kind, object.metadata.name, object.metadata.namespace);
                    return live
                        ? liveDifferences(withoutSecretChecksums(object), live).map(
                              (d) => `${object.kind} ${object.metadata.name} (render): ${d}`,
                          )
                        : [`${object.kind} ${object.metadata.name}: rendered, but not in the cluster`];
                });
            const problems = [...fromState, ...fromRender];
            check(problems.length === 0, `live objects differ from what the program asked for:\n${problems.join("\n")}`);
        },
    );

    await report.step(suite, "pulumi preview --expect-no-changes right after up", () => {
        cli.must(["preview", "--expect-no-changes", "--diff"]);
    });

    await report.step(suite, "pulumi refresh, then pulumi preview --expect-no-changes", () => {
        cli.must(["refresh", "--yes", "--skip-preview"]);
        cli.must(["preview", "--expect-no-changes", "--diff"]);
    });

    await report.step(
        suite,
        `replica edit (${plan.replicaEdit.key}=${plan.replicaEdit.value}): one update of ${plan.replicaEdit.field}`,
        () => {
            const before = cli.stackFile();
            cli.configSet(plan.replicaEdit.key, plan.replicaEdit.value, { path: true });
            try {
                const changed = changes(cli.preview(["--diff"]));
                check(changed.length === 1 && changed[0].op === "update", `expected one update, preview shows: ${describeSteps(changed)}`);
                const fields = Object.keys(changed[0].detailedDiff ?? {});
                check(
                    fields.length === 1 && fields[0] === plan.replicaEdit.field,
                    `expected only ${plan.replicaEdit.field} to change, preview shows: ${describeSteps(changed)}`,
                );
            } finally {
                cli.restoreStackFile(before);
            }
        },
    );

    for (const edit of plan.storageEdits) {
        await report.step(suite, `storage edit (${edit.key}=${edit.value}): no claim deleted or replaced, the edit shows`, () => {
            const before = cli.stackFile();
            cli.configSet(edit.key, edit.value, { path: true });
            try {
                const changed = changes(cli.preview(["--diff"]));
                const destructive = changed.filter(
                    (step) => DESTRUCTIVE_OPS.has(step.op) && DATA_TYPES.some((type) => step.urn.includes(`::${type}::`)),
                );
                check(destructive.length === 0, `the edit deletes or replaces data: ${describeSteps(destructive)}`);
                check(changed.length > 0, "preview shows no change: the edit is silently ignored");
            } finally {
                cli.restoreStackFile(before);
            }
        });
    }

    await report.step(suite, "a secret set with --secret is only ever encrypted (state, objects)", async () => {
        const value = `e2e-${randomBytes(12).toString("hex")}`;
        const variable = "E2E_API_TOKEN";
        cli.configSet(`agents[${plan.secretAgent.index}].secretEnv[0]`, variable, { path: true });
        cli.configSet(`agentSecrets.${plan.secretAgent.name}.${variable}`, value, { path: true, secret: true });
        const up = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
        check(up.status === 0, `pulumi up with the secret exited ${up.status}:\n${cliWords(up)}\n${clusterView(kubectl, namespace)}`);
        assertNowhereInPlainText(cli, kubectl, namespace, value);
        const secret = kubectl.get("secret", `${plan.secretAgent.name}-secrets`, namespace);
        const stored = secret?.data?.[variable];
        check(
            stored !== undefined && Buffer.from(stored, "base64").toString() === value,
            `Secret ${plan.secretAgent.name}-secrets does not hold ${variable}`,
        );
    });

    await report.step(suite, "a secret in a plain setting is refused with one line naming the key", () => {
        const before = cli.stackFile();
        const value = `e2e-${randomBytes(12).toString("hex")}`;
        cli.configSet(`agents[${plan.secretAgent.index}].env.E2E_LEAK`, value, { path: true, secret: true });
        try {
            const preview = cli.exec(["preview"]);
            check(preview.status !== 0, "preview accepted a secret value in agents[].env, which would reach a plain env var");
            const words = `${preview.stdout}\n${preview.stderr}`;
            check(
                words.includes("agents") && !words.includes(value),
                `the refusal does not name the key, or prints the value:\n${cliWords(preview)}`,
            );
        } finally {
            cli.restoreStackFile(before);
        }
    });

    if (plan.tls) {
        await runTlsChecks({ suite, cli, kubectl, namespace, report });
    }

    if (plan.offsiteBackup) {
        await runOffsiteBackup(suite, {
            cli,
            kubectl,
            namespace,
            report,
            drillDatabase: plan.offsiteBackup.drillDatabase,
            prometheusRuleCrd: toolchain.prometheusRuleCrd,
        });
    }
    if (plan.autoscaledAgent) {
        await runAutoscaledAgent(suite, { cli, kubectl, namespace, report, agentIndex: plan.autoscaledAgent.index });
    }
    if (plan.editTable) {
        await runEditTable({ suite, cli, kubectl, namespace, report, nextAgentIndex: plan.editTable.nextAgentIndex });
    }
    if (plan.refusedEdits) {
        await runRefusedEdits(suite, { cli, kubectl, namespace, report, edits: plan.refusedEdits });
    }
    if (plan.stuckRollout) {
        await runStuckRollout(suite, { cli, kubectl, namespace, report });
    }

    await report.step(suite, "pulumi preview --policy-pack policy passes", () => {
        cli.must(["preview", "--policy-pack", path.join(projectDir, "policy")]);
    });

    await report.step(suite, "pulumi destroy: protected data survives, the rest goes, the cluster is left clean", async () => {
        const state = cli.resources().filter(isKubernetesObject);
        const protectedOnes = state.filter((r) => r.protect);
        if (protectedOnes.length > 0) {
            const refused = cli.exec(["destroy", "--yes", "--skip-preview"]);
            check(refused.status !== 0, `destroy went through although ${protectedOnes.length} resources are protected`);
            const gone = protectedOnes
                .map(liveKey)
                .filter((key) => key !== undefined && kubectl.get(key.kind, key.name, key.namespace) === undefined);
            check(gone.length === 0, `protected objects deleted: ${gone.map((k) => `${k?.kind} ${k?.name}`).join(", ")}`);
            cli.configSet("protectData", "false");
            cli.must(["up", "--yes", "--skip-preview"]);
        }
        const before = cli.resources().filter(isKubernetesObject);
        const retained = before.filter((r) => r.retainOnDelete).map(liveKey);
        // Claims a StatefulSet made from its templates stay by its persistentVolumeClaimRetentionPolicy.
        const templateClaims = kubectl
            .list("persistentvolumeclaims", namespace)
            .filter((claim) => before.some((r) => r.type === STATEFUL_SET && templateClaimOf(r, claim.metadata.name)))
            .map((claim) => ({ kind: "PersistentVolumeClaim", name: claim.metadata.name, namespace }));
        cli.must(["destroy", "--yes", "--skip-preview"]);
        const survivors = [...retained, ...templateClaims].filter((key) => key !== undefined);
        const lost = survivors.filter((key) => kubectl.get(key.kind, key.name, key.namespace) === undefined);
        check(lost.length === 0, `data deleted by destroy: ${lost.map((k) => `${k.kind} ${k.name}`).join(", ")}`);
        const kept = new Set(survivors.map((k) => `${k.kind}/${k.name}`));
        if (kubectl.namespaceExists(namespace)) {
            const leftovers = kubectl
                .list(NAMESPACED_KINDS, namespace)
                .filter((o) => !BUILT_IN.has(`${o.kind}/${o.metadata.name}`) && !kept.has(`${o.kind}/${o.metadata.name}`));
            check(leftovers.length === 0, `left behind by destroy: ${leftovers.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}`);
        }
        process.stdout.write(`[e2e] ${suite}: kept by design: ${[...kept].join(", ") || "nothing"}\n`);
        // What the stack keeps on purpose is removed by hand, as the README's runbook says.
        kubectl.exec(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
        kubectl.exec(["delete", "crd", "mcpagents.mesh.mcp.io", "--ignore-not-found", "--wait=true", "--timeout=60s"]);
        const clean = await waitFor(
            () => kubectl.list("persistentvolumes").length === 0 && !kubectl.namespaceExists(namespace),
            120_000,
            2000,
        );
        check(
            clean,
            `the cluster is not clean: namespace ${namespace} ${kubectl.namespaceExists(namespace) ? "still exists" : "gone"}, volumes: ${kubectl
                .list("persistentvolumes")
                .map((pv) => pv.metadata.name)
                .join(", ")}`,
        );
    });
}

function assertNowhereInPlainText(cli: PulumiCli, kubectl: Kubectl, namespace: string, value: string): void {
    const exported = cli.exportText();
    const encoded = Buffer.from(value).toString("base64");
    check(!exported.includes(value) && !exported.includes(encoded), "pulumi stack export holds the secret value in plain text");
    check(exported.includes(SECRET_SIGNATURE), "pulumi stack export holds no encrypted secret at all");
    const configMaps = kubectl.list("configmaps", namespace).filter((cm) => JSON.stringify(cm.data ?? {}).includes(value));
    check(configMaps.length === 0, `ConfigMaps carry the secret: ${configMaps.map((c) => c.metadata.name).join(", ")}`);
    const workloads = kubectl
        .list("deployments,statefulsets,cronjobs,mcpagents", namespace)
        .filter((w) => JSON.stringify(w.spec ?? {}).includes(value));
    check(
        workloads.length === 0,
        `workloads carry the secret in plain text: ${workloads.map((w) => `${w.kind} ${w.metadata.name}`).join(", ")}`,
    );
}
