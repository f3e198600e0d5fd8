// How long `pulumi up` waits for a workload to become ready (the resource's customTimeouts):
// derived from its probes and pod count, so a healthy rollout on a slow node is never cut short,
// and a wedged one (a bad image, a probe that never passes) fails at a bound the README states,
// with the provider's report of the pod's state, instead of the provider's flat 10 minutes.
import * as pulumi from "@pulumi/pulumi";

export interface ProbeTiming {
    initialDelaySeconds?: number;
    periodSeconds: number;
    timeoutSeconds?: number;
    failureThreshold: number;
}

/** Scheduling, image pull and container start, per pod, on top of what the probes allow. */
const POD_START_MARGIN_SECONDS = 120;
/** Never less (busy nodes, slow pulls), never more (a wedged rollout must end). */
const MIN_SECONDS = 5 * 60;
const MAX_SECONDS = 30 * 60;

/** The longest a probe may keep failing before the kubelet gives up on it. */
export function probeBudgetSeconds(probe: ProbeTiming): number {
    return (probe.initialDelaySeconds ?? 0) + probe.failureThreshold * (probe.periodSeconds + (probe.timeoutSeconds ?? 1));
}

/**
 * Create and update timeouts for a workload whose `pods` start one after another (an
 * OrderedReady StatefulSet, a Deployment surging one pod at a time): each pod may use its whole
 * startup and readiness budget plus a start margin, and `stopSeconds` for the old pod it
 * replaces to stop (a drain); clamped to 5–30 minutes. Deletes keep the provider's default.
 */
export function rolloutTimeouts(
    pods: number,
    probes: { startup?: ProbeTiming; readiness: ProbeTiming },
    minReadySeconds = 0,
    stopSeconds = 0,
): pulumi.CustomTimeouts {
    const perPod =
        (probes.startup ? probeBudgetSeconds(probes.startup) : 0) + probeBudgetSeconds(probes.readiness) + minReadySeconds + stopSeconds;
    const total = Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Math.max(1, pods) * (perPod + POD_START_MARGIN_SECONDS)));
    return { create: `${total}s`, update: `${total}s` };
}
