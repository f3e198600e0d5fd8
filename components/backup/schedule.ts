// The timing every CronJob of the backup shares (the backup and the restore drill): when it
// runs, in which time zone, never two at once, and how much history it keeps.
import * as k8s from "@pulumi/kubernetes";
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
