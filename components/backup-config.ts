// Stack-config schema of the `backup` section.
import { z } from "zod";
import { dnsSubdomain, imagePullPolicy, pinnedImage, quantity, withDefaultResources } from "./k8s-schemas";

/** An image with sqlite3, sh and sha256sum (alpine-based). */
export const SQLITE_BACKUP_IMAGE = "keinos/sqlite3:3.46.1";

const CRON_FIELD = /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*$/;
/** minute, hour, day of month, month, day of week (0 and 7 are Sunday). */
const CRON_RANGES: [number, number][] = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
];

/** Every number in the field, except step sizes, lies within [min, max]. */
function inRange(field: string, [min, max]: [number, number]): boolean {
    return field
        .split(",")
        .flatMap((part) => part.split("/")[0].split("-"))
        .filter((value) => value !== "*")
        .every((value) => Number(value) >= min && Number(value) <= max);
}

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

function isCron(schedule: string): boolean {
    if (CRON_MACROS.includes(schedule)) {
        return true;
    }
    const fields = schedule.trim().split(/\s+/);
    return fields.length === 5 && fields.every((field, i) => CRON_FIELD.test(field) && inRange(field, CRON_RANGES[i]));
}

export const backupSchema = z.strictObject({
    /** Run the backup CronJob. */
    enabled: z.boolean().default(true),
    /** Cron schedule (UTC unless the cluster sets a time zone). */
    schedule: z
        .string()
        .refine(isCron, { error: "must be a cron schedule with 5 fields (e.g. '0 2 * * *') or a macro such as @daily" })
        .default("0 2 * * *"),
    /** Verified backups to keep; the newest is never deleted. */
    retention: z.number().int().min(1).max(365).default(7),
    /** Seconds a backup may run before Kubernetes stops it. */
    deadlineSeconds: z.number().int().min(60).default(3600),
    /** Seconds after the scheduled time a missed run may still start. */
    startingDeadlineSeconds: z.number().int().min(10).default(600),
    successfulJobsHistoryLimit: z.number().int().min(0).max(20).default(3),
    failedJobsHistoryLimit: z.number().int().min(1).max(20).default(3),
    storage: z
        .strictObject({
            size: quantity.default("5Gi"),
            storageClass: dnsSubdomain.optional(),
            accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]).default("ReadWriteOnce"),
        })
        .prefault({}),
    /** Image for SQLite backups; PostgreSQL backups use database.postgres.image (pg_dump must be >= the server). */
    sqliteImage: pinnedImage.default(SQLITE_BACKUP_IMAGE),
    imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
    resources: withDefaultResources({
        requests: { cpu: "50m", memory: "64Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    }),
});

export type BackupConfig = z.output<typeof backupSchema>;
