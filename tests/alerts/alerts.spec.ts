// The PrometheusRule (`alerts`): its config, that every expression watches exactly the objects
// the same render holds, that Prometheus's own parser reads it and its engine fires (and stays
// quiet) on kube-state-metrics series, and that the Operator's CRD accepts it.
import { strict as assert } from "assert";
import * as path from "path";
import { longestScheduleGapSeconds } from "../../components/backup/schedule";
import { AlertRule } from "../../components/alerts/rules";
import { PrometheusRuleSpec } from "../../components/alerts/alerts";
import { itRejects } from "../support/config-problems";
import { crdValidator, openApiSchema, prunedFields } from "../support/crd-schema";
import { parseRules, PrometheusTools, promqlScriptFailure, requirePrometheusTools } from "../support/prometheus-tools";
import { K8sObject, renderStack } from "../support/render";
import { readStackFile } from "../support/stack-file";
import { find, ofKind, PROJECT_DIR, renderConfig } from "../support/stacks";

const FIXTURE = path.join(PROJECT_DIR, "tests", "fixtures", "good-config", "alerts.yaml");

/** The fixture, moved to another namespace and instance: names must follow the render, not a constant. */
async function renderAlerts(): Promise<K8sObject[]> {
    const file = readStackFile(FIXTURE, PROJECT_DIR);
    const config = { ...file, config: { ...file.config, "mcp-mesh:namespace": "team-a", "mcp-mesh:instance": "blue" } };
    return (await renderStack({ stack: "alerts", config })).objects;
}

function ruleSpec(objects: readonly K8sObject[]): PrometheusRuleSpec {
    const rule = find(objects, "PrometheusRule", "mcp-mesh-alerts");
    const spec: PrometheusRuleSpec = { groups: [] };
    return Object.assign(spec, rule.spec);
}

function rules(objects: readonly K8sObject[]): AlertRule[] {
    return ruleSpec(objects).groups.flatMap((group) => group.rules);
}

function rule(objects: readonly K8sObject[], alert: string): AlertRule {
    const found = rules(objects).find((candidate) => candidate.alert === alert);
    if (!found)
        throw new Error(
            `no alert ${alert} among ${rules(objects)
                .map((r) => r.alert)
                .join(", ")}`,
        );
    return found;
}

/** Every `metric{...}` selector of an expression, with its equality and regex matchers. */
function selectors(expr: string): { metric: string; labels: Map<string, string> }[] {
    return [...expr.matchAll(/\b([a-z_]+)\{([^}]*)\}/g)].map(([, metric, body]) => ({
        metric,
        labels: new Map([...body.matchAll(/(\w+)=~?"((?:[^"\\]|\\.)*)"/g)].map(([, label, value]) => [label, JSON.parse(`"${value}"`)])),
    }));
}

/** The object names a label value stands for: one name, or a regex alternation of escaped names. */
function namesIn(value: string): string[] {
    return value.split("|").map((name) => name.replace(/\\(.)/g, "$1"));
}

describe("alerts (PrometheusRule on kube-state-metrics)", () => {
    describe("config", () => {
        it("is off by default: no PrometheusRule, so a cluster without the Operator's CRDs is fine", async () => {
            const { objects } = await renderConfig({});
            assert.equal(ofKind(objects, "PrometheusRule").length, 0);
        });

        itRejects([
            ["a `for` that is not a Prometheus duration", { alerts: { enabled: true, for: "10 minutes" } }, "alerts.for: got"],
            [
                "an alert label the alerts set themselves",
                { alerts: { alertLabels: { severity: "page" } } },
                "alerts.alertLabels.severity: got",
            ],
            [
                "an alert label that is no Prometheus label name",
                { alerts: { alertLabels: { "team-name": "x" } } },
                "alerts.alertLabels.team-name: got",
            ],
            [
                "a rule label value Kubernetes refuses",
                { alerts: { ruleLabels: { release: "kube prometheus" } } },
                "alerts.ruleLabels.release: got",
            ],
            ["an unknown key", { alerts: { enable: true } }, "alerts.enable: unknown key"],
        ]);
    });

    describe("rendered rules", () => {
        it("labels the rule for the user's ruleSelector and every alert for routing", async () => {
            const objects = await renderAlerts();
            const object = find(objects, "PrometheusRule", "mcp-mesh-alerts");
            assert.equal(object.metadata.namespace, "team-a");
            assert.equal(object.metadata.labels?.release, "kube-prometheus-stack");
            assert.equal(object.metadata.labels?.["app.kubernetes.io/instance"], "blue");
            assert.deepEqual(
                rules(objects).map((r) => [r.alert, r.labels.severity, r.labels.team, r.for]),
                [
                    ["McpMeshRegistryReplicasUnavailable", "warning", "platform", "10m"],
                    ["McpMeshRegistryDown", "critical", "platform", "10m"],
                    ["McpMeshBackupTooOld", "warning", "platform", undefined],
                    ["McpMeshRestoreDrillTooOld", "warning", "platform", undefined],
                    ["McpMeshBackupJobFailed", "warning", "platform", "10m"],
                ],
            );
        });

        it("selects, in every expression, the rendered namespace and exactly the rendered StatefulSet and CronJobs", async () => {
            const objects = await renderAlerts();
            const cronJobs = ofKind(objects, "CronJob").map((o) => o.metadata.name);
            const statefulSets = ofKind(objects, "StatefulSet").map((o) => o.metadata.name);
            assert.deepEqual(cronJobs.sort(), ["mcp-mesh-registry-backup", "mcp-mesh-registry-restore-drill"]);
            const watched = { cronjob: new Set<string>(), owner_name: new Set<string>(), statefulset: new Set<string>() };
            for (const { alert, expr } of rules(objects)) {
                const found = selectors(expr);
                assert.ok(found.length >= 2, `${alert}: ${expr}`);
                for (const { metric, labels } of found) {
                    assert.equal(labels.get("namespace"), "team-a", `${alert}: ${metric} without namespace="team-a"`);
                    for (const label of ["cronjob", "owner_name", "statefulset"] as const) {
                        const value = labels.get(label);
                        if (value !== undefined) namesIn(value).forEach((name) => watched[label].add(name));
                    }
                    const named = ["cronjob", "owner_name", "statefulset", "job_name"].some((label) => labels.has(label));
                    // A Job series is scoped by namespace and joined with kube_job_owner; every other one names its object.
                    assert.ok(named || metric.startsWith("kube_job_"), `${alert}: ${metric} names no object`);
                }
            }
            assert.deepEqual([...watched.cronjob].sort(), cronJobs);
            assert.deepEqual([...watched.owner_name].sort(), cronJobs);
            assert.deepEqual([...watched.statefulset], statefulSets);
        });

        it("allows a backup the longest gap of its schedule (in its time zone), plus a late start and the run's deadline", async () => {
            const objects = await renderAlerts();
            // Daily at 03:00 Europe/Berlin: 25 hours across the autumn clock change; then 600 s late and 3600 s long.
            assert.match(rule(objects, "McpMeshBackupTooOld").expr, / > 94200$/);
            // Weekly on Sunday, 169 hours across the clock change.
            assert.match(rule(objects, "McpMeshRestoreDrillTooOld").expr, / > 612600$/);
            assert.equal(longestScheduleGapSeconds("0 2 * * *"), 86400);
            assert.equal(longestScheduleGapSeconds("0 2 1,15 * *"), 17 * 86400);
            assert.equal(longestScheduleGapSeconds("@hourly"), 3600);
            assert.equal(longestScheduleGapSeconds("0 2 * * 1-5"), 3 * 86400);
        });

        it("watches only what runs: no backup rules without backups, no drill rule without drills", async () => {
            const noBackup = await renderConfig({ alerts: { enabled: true }, backup: { enabled: false } });
            assert.deepEqual(
                rules(noBackup.objects).map((r) => r.alert),
                ["McpMeshRegistryReplicasUnavailable", "McpMeshRegistryDown"],
            );
            const noDrill = await renderConfig({ alerts: { enabled: true } });
            assert.deepEqual(
                rules(noDrill.objects).map((r) => r.alert),
                ["McpMeshRegistryReplicasUnavailable", "McpMeshRegistryDown", "McpMeshBackupTooOld", "McpMeshBackupJobFailed"],
            );
            assert.ok(rule(noDrill.objects, "McpMeshBackupJobFailed").expr.includes('owner_name=~"mcp-mesh-registry-backup"'));
        });
    });

    describe("Prometheus's parser and the Operator's CRD", function () {
        let tools: PrometheusTools;
        before(function () {
            tools = requirePrometheusTools(this);
        });

        it("every expression parses, and the parser sees the namespace matcher on every series", async () => {
            const objects = await renderAlerts();
            const parsed = parseRules(tools, ruleSpec(objects));
            assert.equal(parsed.length, 5);
            for (const { alert, error, series } of parsed) {
                assert.equal(error, undefined, `${alert}: ${error}`);
                assert.ok(series.length >= 2, alert);
                for (const matchers of series) {
                    assert.ok(
                        matchers.some((m) => m.label === "namespace" && m.type === "=" && m.value === "team-a"),
                        `${alert}: ${JSON.stringify(matchers)}`,
                    );
                }
            }
            const broken = parseRules(tools, { groups: [{ rules: [{ alert: "Broken", expr: "max by (namespace (up)" }] }] });
            assert.match(broken[0].error ?? "", /unexpected/);
        });

        it("the PrometheusRule CRD's schema accepts the rule, prunes nothing, and refuses a `for` that is no duration", async () => {
            const object = find(await renderAlerts(), "PrometheusRule", "mcp-mesh-alerts");
            const validate = crdValidator(tools.crd);
            assert.ok(validate(object), JSON.stringify(validate.errors));
            assert.deepEqual(prunedFields(openApiSchema(tools.crd), object), []);
            const spec = ruleSpec([object]);
            const broken = {
                ...object,
                spec: { groups: [{ ...spec.groups[0], rules: [{ ...spec.groups[0].rules[0], for: "10 minutes" }] }] },
            };
            assert.equal(validate(broken), false);
            assert.ok(
                validate.errors?.some((error) => error.instancePath.endsWith("/for")),
                JSON.stringify(validate.errors),
            );
        });
    });

    describe("Prometheus's engine on kube-state-metrics series", function () {
        let tools: PrometheusTools;
        let objects: K8sObject[];
        before(async function () {
            tools = requirePrometheusTools(this);
            objects = await renderAlerts();
        });

        /** Series as kube-state-metrics exports them (with its scrape labels), held at `value` every 5 minutes for 40 hours. */
        const held = (metric: string, labels: Record<string, string>, value: number) =>
            `  ${metric}{${Object.entries({ job: "kube-state-metrics", namespace: "team-a", ...labels })
                .map(([label, v]) => `${label}="${v}"`)
                .join(",")}} ${value}+0x480`;

        /** A promqltest load block: series sampled every 5 minutes, ended by a blank line. */
        const load = (...series: string[]) => ["load 5m", ...series, ""];

        function assertScript(script: string): void {
            const failure = promqlScriptFailure(tools, script);
            assert.equal(failure, undefined, `${script}\n${failure}`);
        }

        it("the backup alert fires only once the last success is older than allowed, and counts a never-successful CronJob from its creation", () => {
            const { expr } = rule(objects, "McpMeshBackupTooOld");
            const backup = { cronjob: "mcp-mesh-registry-backup" };
            const fires = '  {namespace="team-a", cronjob="mcp-mesh-registry-backup"}';
            assertScript(
                [
                    ...load(held("kube_cronjob_status_last_successful_time", backup, 3600), held("kube_cronjob_created", backup, 0)),
                    // Allowed: 94200 s after the last success at 3600 s.
                    `eval instant at 97500s ${expr}`,
                    "",
                    `eval instant at 98100s ${expr}`,
                    `${fires} 94500`,
                    "",
                    "clear",
                    ...load(held("kube_cronjob_created", backup, 600)),
                    `eval instant at 94500s ${expr}`,
                    "",
                    `eval instant at 96000s ${expr}`,
                    `${fires} 95400`,
                ].join("\n"),
            );
        });

        it("a failed Job fires while it is newer than the CronJob's last success, and only for the mesh's CronJobs", () => {
            const { expr } = rule(objects, "McpMeshBackupJobFailed");
            const job = (name: string, owner: string, started: number, failed: boolean) => [
                held("kube_job_owner", { job_name: name, owner_kind: "CronJob", owner_name: owner, owner_is_controller: "true" }, 1),
                held("kube_job_status_start_time", { job_name: name }, started),
                held("kube_job_failed", { job_name: name, condition: "true" }, failed ? 1 : 0),
                held("kube_job_failed", { job_name: name, condition: "false" }, failed ? 0 : 1),
            ];
            const created = (cronjob: string, seconds: number) => held("kube_cronjob_created", { cronjob }, seconds);
            const succeededAt = (seconds: number) =>
                held("kube_cronjob_status_last_successful_time", { cronjob: "mcp-mesh-registry-backup" }, seconds);
            assertScript(
                [
                    ...load(
                        ...job("mcp-mesh-registry-backup-1", "mcp-mesh-registry-backup", 6000, true),
                        ...job("mcp-mesh-registry-backup-2", "mcp-mesh-registry-backup", 3000, false),
                        ...job("other-backup-1", "other-backup", 6000, true),
                        created("mcp-mesh-registry-backup", 0),
                        created("other-backup", 0),
                        succeededAt(3300),
                    ),
                    `eval instant at 2h ${expr}`,
                    '  {namespace="team-a", owner_name="mcp-mesh-registry-backup"} 6000',
                    "",
                    "clear",
                    // The next run succeeded: the failed Job is still in the history, the alert is over.
                    ...load(
                        ...job("mcp-mesh-registry-backup-1", "mcp-mesh-registry-backup", 6000, true),
                        created("mcp-mesh-registry-backup", 0),
                        succeededAt(9000),
                    ),
                    `eval instant at 3h ${expr}`,
                    "",
                    "clear",
                    // Never succeeded: the failure counts against the CronJob's creation.
                    ...load(
                        ...job("mcp-mesh-registry-restore-drill-1", "mcp-mesh-registry-restore-drill", 6000, true),
                        created("mcp-mesh-registry-restore-drill", 100),
                    ),
                    `eval instant at 2h ${expr}`,
                    '  {namespace="team-a", owner_name="mcp-mesh-registry-restore-drill"} 6000',
                ].join("\n"),
            );
        });

        it("the registry alerts fire on missing replicas, critical only when none is available", () => {
            const unavailable = rule(objects, "McpMeshRegistryReplicasUnavailable").expr;
            const down = rule(objects, "McpMeshRegistryDown").expr;
            const registry = (desired: number, available: number) =>
                load(
                    held("kube_statefulset_replicas", { statefulset: "mcp-mesh-registry" }, desired),
                    held("kube_statefulset_status_replicas_available", { statefulset: "mcp-mesh-registry" }, available),
                    // Another StatefulSet of the namespace, all down: none of the mesh's business.
                    held("kube_statefulset_replicas", { statefulset: "mcp-mesh-postgres" }, 1),
                    held("kube_statefulset_status_replicas_available", { statefulset: "mcp-mesh-postgres" }, 0),
                );
            const fires = '  {namespace="team-a", statefulset="mcp-mesh-registry"}';
            assertScript(
                [
                    ...registry(3, 3),
                    `eval instant at 1h ${unavailable}`,
                    "",
                    `eval instant at 1h ${down}`,
                    "",
                    "clear",
                    ...registry(3, 1),
                    `eval instant at 1h ${unavailable}`,
                    `${fires} 2`,
                    "",
                    `eval instant at 1h ${down}`,
                    "",
                    "clear",
                    ...registry(3, 0),
                    `eval instant at 1h ${down}`,
                    `${fires} 0`,
                ].join("\n"),
            );
        });
    });
});
