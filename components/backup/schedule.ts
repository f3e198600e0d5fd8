// The timing every CronJob of the backup shares (the backup and the restore drill): when it
// runs, in which time zone, never two at once, and how much history it keeps.
import * as k8s from "@pulumi/kubernetes";
import { Cron } from "croner";
import { BackupConfig } from "../config/backup";

type CronJobTiming = Pick<
    k8s.types.input.batch.v1.CronJobSpec,
    "schedule" | "timeZone" | "concurrencyPolicy" | "startingDeadlineSeconds" | "successfulJobsHistoryLimit" | "failedJobsHistoryLimit"
>;

export function cronJobTiming(backup: BackupConfig, schedule: string): CronJobTiming {
    return {
        schedule,
        ...(backup.timeZone ? { timeZone: backup.timeZone } : {}),
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: backup.startingDeadlineSeconds,
        successfulJobsHistoryLimit: backup.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: backup.failedJobsHistoryLimit,
    };
}

/** Where the gap search starts: a fixed instant, so that a render never depends on the day it runs. */
const GAP_SEARCH_START = new Date(Date.UTC(2025, 0, 1));
/** A year and a day: every monthly, weekly and daily pattern (and both DST changes) repeats within it. */
const GAP_SEARCH_SPAN_MS = 366 * 24 * 3600 * 1000;
/**
 * Runs measured at most: a day of a 5-minute schedule is 288. A schedule that runs every minute on
 * some days only (`* * 1 * *`) is measured by its first runs, and its gap comes out too short.
 */
const GAP_SEARCH_RUNS = 5_000;
const longestGaps = new Map<string, number>();

/**
 * The longest time, in seconds, between two consecutive runs of `schedule` in `timeZone` (UTC
 * without one), over a year: how long a CronJob may rightly go without a new run.
 */
export function longestScheduleGapSeconds(schedule: string, timeZone?: string): number {
    const key = `${schedule}\n${timeZone ?? ""}`;
    const known = longestGaps.get(key);
    if (known !== undefined) return known;
    const cron = new Cron(schedule, { mode: "5-part", paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
    const end = GAP_SEARCH_START.getTime() + GAP_SEARCH_SPAN_MS;
    let previous = cron.nextRun(GAP_SEARCH_START);
    let longest = 0;
    // The first gap counts even when it ends beyond the span: a yearly (or leap-day) schedule shows it.
    for (let runs = 0; previous && (runs === 0 || previous.getTime() < end) && runs < GAP_SEARCH_RUNS; runs++) {
        const next = cron.nextRun(previous);
        if (!next) break;
        longest = Math.max(longest, next.getTime() - previous.getTime());
        previous = next;
    }
    const seconds = Math.round((longest || GAP_SEARCH_SPAN_MS) / 1000);
    longestGaps.set(key, seconds);
    return seconds;
}
