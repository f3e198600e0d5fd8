// The alert rules, as PromQL over kube-state-metrics series (the registry serves no metrics of
// its own): backups and drills that stopped succeeding, backup Jobs that failed, registry
// replicas unavailable. Each expression names the namespace and the exact object it watches.

/** One alerting rule of a PrometheusRule group (monitoring.coreos.com/v1 Rule). */
export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: { summary: string; description: string };
}

/** A CronJob whose last success must not be older than `staleAfterSeconds`. */
export interface WatchedCronJob {
    name: string;
    /** The longest gap between two scheduled runs, plus how late a run may start and how long it may take. */
    staleAfterSeconds: number;
}

export interface AlertRulesArgs {
    namespace: string;
    /** The registry's StatefulSet. */
    statefulSet: string;
    /** The backup CronJob, when backups are on. */
    backup?: WatchedCronJob;
    /** The restore drill's CronJob, when drills are on. */
    drill?: WatchedCronJob;
    /** How long a condition holds before its alert fires (replicas unavailable, a failed Job newest). */
    for: string;
    /** Labels every alert carries besides severity. */
    alertLabels: Record<string, string>;
}

/** A PromQL string literal (Go-style double-quoted). */
function quoted(value: string): string {
    return JSON.stringify(value);
}

/** A series selector: the metric with label matchers, e.g. `kube_statefulset_replicas{namespace="x",statefulset="y"}`. */
function series(metric: string, matchers: Record<string, string>, regexMatchers: Record<string, string> = {}): string {
    const parts = [
        ...Object.entries(matchers).map(([label, value]) => `${label}=${quoted(value)}`),
        ...Object.entries(regexMatchers).map(([label, value]) => `${label}=~${quoted(value)}`),
    ];
    return `${metric}{${parts.join(",")}}`;
}

/** Exactly these names, as an RE2 alternation (Prometheus anchors it; a name's '.' is escaped). */
function oneOf(names: string[]): string {
    return names.map((name) => name.replace(/[.\\^$|?*+()[\]{}]/g, "\\$&")).join("|");
}

function humanDuration(seconds: number): string {
    const hours = seconds / 3600;
    return hours >= 48 ? `${Math.round(hours / 24)} days` : `${Math.round(hours * 10) / 10} hours`;
}

/**
 * The CronJob's last success is older than it may be. A CronJob that never succeeded counts from
 * its creation (kube-state-metrics has no last-success series for it until then).
 */
function staleCronJob(alert: string, what: string, namespace: string, cronJob: WatchedCronJob, labels: Record<string, string>): AlertRule {
    const matchers = { namespace, cronjob: cronJob.name };
    return {
        alert,
        expr:
            `time() - max by (namespace, cronjob) (${series("kube_cronjob_status_last_successful_time", matchers)} ` +
            `or ${series("kube_cronjob_created", matchers)}) > ${cronJob.staleAfterSeconds}`,
        labels: { severity: "warning", ...labels },
        annotations: {
            summary: `No successful ${what} for longer than its schedule allows`,
            description:
                `CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} last succeeded {{ $value | humanizeDuration }} ago ` +
                `(allowed: ${humanDuration(cronJob.staleAfterSeconds)}). kubectl -n {{ $labels.namespace }} get jobs, ` +
                "then kubectl logs job/<the newest> --all-containers.",
        },
    };
}

/**
 * A Job of these CronJobs failed (its Failed condition, not a retried pod) and started after
 * the CronJob's last success: the alert clears with the next success, not only when the
 * failed Job leaves the history.
 */
function failedJob(namespace: string, cronJobs: string[], forDuration: string, labels: Record<string, string>): AlertRule {
    const owners = oneOf(cronJobs);
    const owned = `max by (namespace, job_name, owner_name) (${series("kube_job_owner", { namespace, owner_kind: "CronJob" }, { owner_name: owners })})`;
    const started = `max by (namespace, job_name) (${series("kube_job_status_start_time", { namespace })})`;
    const failed = `max by (namespace, job_name) (${series("kube_job_failed", { namespace, condition: "true" })}) == 1`;
    const lastSuccess = (metric: string, scale: string) =>
        `label_replace(${scale}${series(metric, { namespace }, { cronjob: owners })}, "owner_name", "$1", "cronjob", "(.*)")`;
    return {
        alert: "McpMeshBackupJobFailed",
        expr:
            `max by (namespace, owner_name) (${owned} * on (namespace, job_name) group_left () ${started} and on (namespace, job_name) ${failed}) ` +
            `> on (namespace, owner_name) max by (namespace, owner_name) (${lastSuccess("kube_cronjob_status_last_successful_time", "")} ` +
            `or ${lastSuccess("kube_cronjob_created", "0 * ")})`,
        for: forDuration,
        labels: { severity: "warning", ...labels },
        annotations: {
            summary: "The newest backup (or restore drill) Job failed",
            description:
                "A Job of CronJob {{ $labels.namespace }}/{{ $labels.owner_name }} failed after its last success. " +
                "kubectl -n {{ $labels.namespace }} get jobs, then kubectl logs job/<the failed one> --all-containers.",
        },
    };
}

function registryRules(namespace: string, statefulSet: string, forDuration: string, labels: Record<string, string>): AlertRule[] {
    const matchers = { namespace, statefulset: statefulSet };
    const desired = `max by (namespace, statefulset) (${series("kube_statefulset_replicas", matchers)})`;
    const available = `max by (namespace, statefulset) (${series("kube_statefulset_status_replicas_available", matchers)})`;
    return [
        {
            alert: "McpMeshRegistryReplicasUnavailable",
            expr: `${desired} - ${available} > 0`,
            for: forDuration,
            labels: { severity: "warning", ...labels },
            annotations: {
                summary: "Registry replicas unavailable",
                description:
                    "{{ $value }} replica(s) of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} are not available. " +
                    "kubectl -n {{ $labels.namespace }} get pods -l app.kubernetes.io/name={{ $labels.statefulset }}",
            },
        },
        {
            alert: "McpMeshRegistryDown",
            expr: `${available} == 0 and on (namespace, statefulset) ${desired} > 0`,
            for: forDuration,
            labels: { severity: "critical", ...labels },
            annotations: {
                summary: "No registry replica is available",
                description:
                    "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has no available replica: agents cannot register or resolve. " +
                    "kubectl -n {{ $labels.namespace }} describe statefulset {{ $labels.statefulset }}",
            },
        },
    ];
}

/** Every rule for what the stack runs: the registry always, the backup and drill when they exist. */
export function alertRules(args: AlertRulesArgs): AlertRule[] {
    const { namespace, alertLabels } = args;
    const cronJobs = [args.backup, args.drill].filter((cronJob): cronJob is WatchedCronJob => cronJob !== undefined);
    return [
        ...registryRules(namespace, args.statefulSet, args.for, alertLabels),
        ...(args.backup ? [staleCronJob("McpMeshBackupTooOld", "backup", namespace, args.backup, alertLabels)] : []),
        ...(args.drill ? [staleCronJob("McpMeshRestoreDrillTooOld", "restore drill", namespace, args.drill, alertLabels)] : []),
        ...(cronJobs.length > 0
            ? [
                  failedJob(
                      namespace,
                      cronJobs.map((cronJob) => cronJob.name),
                      args.for,
                      alertLabels,
                  ),
              ]
            : []),
    ];
}
