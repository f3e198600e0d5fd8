// Alerts a team can wire: one Prometheus Operator PrometheusRule (monitoring.coreos.com/v1) with
// the rules of rules.ts, for a Prometheus that scrapes kube-state-metrics. Needs the Operator's
// CRDs in the cluster; the registry itself serves no metrics.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertsConfig } from "../config/alerts";
import { labels } from "../k8s/labels";
import { ALERTS_RULE } from "../k8s/names";
import { AlertRule, alertRules, WatchedCronJob } from "./rules";

/** The spec of a PrometheusRule, as far as this program fills it in. */
export interface PrometheusRuleSpec {
    groups: { name: string; rules: AlertRule[] }[];
}

/** A CronJob to watch: its rendered name and how old its last success may be. */
export interface WatchedCronJobInput {
    name: pulumi.Input<string>;
    staleAfterSeconds: number;
}

export interface MeshAlertsArgs {
    /** The namespace of the rule and of everything it watches. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance. */
    instance: string;
    /** The stack config's `alerts` section (components/config/alerts.ts): rule labels, alert labels, `for`. */
    alerts: AlertsConfig;
    /** The registry's StatefulSet name (its metadata.name, so the rule watches what was rendered). */
    statefulSet: pulumi.Input<string>;
    /** The backup CronJob, when backups are on. Default: no backup alerts. */
    backup?: WatchedCronJobInput;
    /** The restore drill's CronJob, when drills are on. Default: no drill alert. */
    drill?: WatchedCronJobInput;
}

export class MeshAlerts extends pulumi.ComponentResource {
    /** Name of the PrometheusRule. */
    public readonly ruleName: pulumi.Output<string>;

    constructor(name: string, args: MeshAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:Alerts", name, {}, opts);
        const { alerts } = args;
        const watched = (cronJob?: WatchedCronJobInput) =>
            cronJob
                ? pulumi
                      .output(cronJob.name)
                      .apply((cronJobName): WatchedCronJob => ({ name: cronJobName, staleAfterSeconds: cronJob.staleAfterSeconds }))
                : pulumi.output(undefined);
        const spec = pulumi
            .all([args.namespace, args.statefulSet, watched(args.backup), watched(args.drill)])
            .apply(([namespace, statefulSet, backup, drill]): PrometheusRuleSpec => ({
                groups: [
                    {
                        name: "mcp-mesh",
                        rules: alertRules({ namespace, statefulSet, backup, drill, for: alerts.for, alertLabels: alerts.alertLabels }),
                    },
                ],
            }));
        const rule = new k8s.apiextensions.CustomResource(
            `${name}-prometheus-rule`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {
                    name: ALERTS_RULE,
                    namespace: args.namespace,
                    labels: { ...labels({ name: ALERTS_RULE, component: "alerts", instance: args.instance }), ...alerts.ruleLabels },
                },
                spec,
            },
            { parent: this },
        );
        this.ruleName = rule.metadata.name;
        this.registerOutputs({ ruleName: this.ruleName });
    }
}
