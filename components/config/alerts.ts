// Stack-config schema of the `alerts` section: a Prometheus Operator PrometheusRule on what
// kube-state-metrics exposes about the registry and the backup (components/alerts/alerts.ts).
import { z } from "zod";
import { labelValue } from "./k8s-schemas";

/** A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const labelKey = z
    .string()
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
        error: "must be a Kubernetes label key ([prefix/]name, the name at most 63 letters, digits, '-', '_' or '.')",
    });

/** Labels the program sets on every alert; a user's own would silently replace them. */
const RESERVED_ALERT_LABELS = ["alertname", "severity", "namespace"];

/** A Prometheus label name that is not one of the program's own. */
const alertLabelName = z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be a Prometheus label name (letters, digits and '_', not starting with a digit)" })
    .refine((name) => !name.startsWith("__") && !RESERVED_ALERT_LABELS.includes(name), {
        error: `must not start with '__' or be one the alerts set themselves (${RESERVED_ALERT_LABELS.join(", ")})`,
    });

/** A Prometheus duration as the PrometheusRule CRD accepts it for `for` (e.g. 15m, 1h30m). */
export const promDuration = z
    .string()
    .regex(/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, {
        error: "must be a Prometheus duration such as 15m, 1h or 1h30m",
    })
    .refine((duration) => duration !== "", { error: "must be a Prometheus duration such as 15m, 1h or 1h30m" });

export const alertsSchema = z.strictObject({
    /** Render the PrometheusRule (needs the Prometheus Operator's CRDs and kube-state-metrics in the cluster). */
    enabled: z.boolean().default(false),
    /**
     * Labels on the PrometheusRule object, so that your Prometheus's ruleSelector picks it up
     * (kube-prometheus-stack: `release: <its Helm release>`). Default: none.
     */
    ruleLabels: z.record(labelKey, labelValue).default({}),
    /** Labels every alert carries besides `severity`, for Alertmanager routing (e.g. team: platform). Default: none. */
    alertLabels: z.record(alertLabelName, z.string()).default({}),
    /** How long registry replicas stay unavailable, or a failed backup Job stays the newest, before the alert fires. */
    for: promDuration.default("15m"),
});

export type AlertsConfig = z.output<typeof alertsSchema>;
