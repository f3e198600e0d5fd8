// Stack-config schema of the `backup` section.
import { CronMode, CronPattern } from "croner";
import { z } from "zod";
import { dnsSubdomain, imagePullPolicy, pinnedImage, quantity, withDefaultResources } from "./k8s-schemas";
import { objectStorageSchema, prefix } from "./object-storage";

/**
 * The schedule language of a Kubernetes CronJob. The API server checks spec.schedule with
 * robfig/cron v3's ParseStandard (validateScheduleFormat in pkg/apis/batch/validation), so
 * its rules decide. croner, in 5-field mode, parses the fields (numbers, names such as
 * MON-FRI and JAN, ranges, lists, steps, `?`); the checks around it are where robfig differs.
 */
const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

const ALLOWED = `a CronJob schedule: 5 fields (minute hour day-of-month month day-of-week, e.g. '0 2 * * *') or one of ${MACROS.join(" ")}`;

const CRON_OPTIONS: { mode: CronMode; sloppyRanges: boolean } = { mode: "5-part", sloppyRanges: true };

/** What croner records for a day of week that matches every week (no `#n` or `L` suffix). */
const EVERY_WEEK = new CronPattern("* * * * *", undefined, CRON_OPTIONS).dayOfWeek[0];

/** A time zone the tz database knows (the API server checks spec.timeZone with Go's time.LoadLocation). */
function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
        return false;
    }
}

/** Why Kubernetes would reject `schedule` as a new CronJob's schedule, or undefined. */
export function scheduleProblem(schedule: string): string | undefined {
    // validateScheduleFormat rejects "TZ" anywhere in a new CronJob's schedule (spec.timeZone instead).
    if (schedule.includes("TZ")) {
        return "must not name a time zone (TZ= or CRON_TZ=): Kubernetes rejects it in a CronJob schedule";
    }
    // robfig reads a macro only when the schedule starts with '@', and matches it exactly. It also
    // takes `@every <Go duration>`, which the CronJob documentation does not list and which runs
    // relative to the CronJob's creation (sub-second or negative intervals become 1 s): refused here.
    if (schedule.trimStart().startsWith("@")) {
        return MACROS.includes(schedule) ? undefined : `must be ${ALLOWED} (no @every: write the interval as cron fields)`;
    }
    let pattern: CronPattern;
    try {
        pattern = new CronPattern(schedule, undefined, CRON_OPTIONS);
    } catch (error) {
        const why = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error);
        return `must be ${ALLOWED}: ${why}`;
    }
    // robfig has none of the Quartz extensions croner reads: L, W, LW, and n#m or nL weekdays.
    if (
        pattern.lastDayOfMonth ||
        pattern.lastWeekday ||
        pattern.nearestWeekdays.some(Boolean) ||
        pattern.dayOfWeek.some((value) => value !== 0 && value !== EVERY_WEEK)
    ) {
        return `must be ${ALLOWED}: L, W and # are not part of the Kubernetes cron language`;
    }
    // robfig's day of week is 0-6 (Sunday is 0); croner also reads 7 as Sunday.
    const dayOfWeek = schedule.trim().split(/\s+/)[4];
    if (dayOfWeek.split(",").some((part) => part.split("/")[0].split("-").includes("7"))) {
        return `must be ${ALLOWED}: day of week is 0-6 or SUN-SAT (Sunday is 0; Kubernetes rejects 7)`;
    }
    return undefined;
}

/** A schedule the API server accepts for a CronJob (see scheduleProblem). */
const cronSchedule = z.string().superRefine((schedule, ctx) => {
    const problem = scheduleProblem(schedule);
    if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
    }
});

/**
 * Restore drills: a CronJob that fetches the newest verified backup from the bucket, restores
 * it into a scratch database and checks it (needs objectStorage).
 */
const drillSchema = z.strictObject({
    /** When the drill runs (weekly on Sunday 04:00 by default), read in backup.timeZone. */
    schedule: cronSchedule.default("0 4 * * 0"),
    /**
     * PostgreSQL only: the scratch database on the registry's server the drill restores into,
     * replacing its tables each time. You create it, owned by the registry's user; never the
     * registry's own database.
     */
    postgresDatabase: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, { error: "must be a lower-case SQL identifier" })
        .optional(),
});

/** A new stack's registry database restored from the bucket before the registry first starts (SQLite or PostgreSQL). */
const startFromSchema = z.strictObject({
    /** The backup (YYYYMMDD-HHMMSS, verified) to start from. Default: the newest verified one. */
    backup: z
        .string()
        .regex(/^\d{8}-\d{6}$/, { error: "must be a backup's name, YYYYMMDD-HHMMSS" })
        .optional(),
    /** The folder in the bucket to take it from: another stack's, to copy prod into staging. Default: objectStorage.prefix. */
    prefix: prefix.optional(),
});

export const backupSchema = z.strictObject({
    /** Run the backup CronJob. */
    enabled: z.boolean().default(true),
    /**
     * Cron schedule, read in `timeZone` (without one, the kube-controller-manager's local time
     * zone, which is UTC on nearly every cluster).
     */
    schedule: cronSchedule.default("0 2 * * *"),
    /** IANA time zone of the schedule (CronJob spec.timeZone), e.g. Europe/Berlin; default: none (the controller's, UTC). */
    timeZone: z
        .string()
        .refine((zone) => zone !== "Local" && isTimeZone(zone), {
            error: "must be an IANA time zone name such as Europe/Berlin or UTC (the CronJob's spec.timeZone)",
        })
        .optional(),
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
    /**
     * Image with sqlite3, sh and sha256sum for SQLite backups, drills and start-from. Default: the
     * registry image (registry.image), which ships sqlite3. Another image must be pinned by digest.
     * PostgreSQL backups use database.postgres.image (pg_dump must be >= the server).
     */
    sqliteImage: pinnedImage
        .refine((image) => /@sha256:[0-9a-f]{64}$/.test(image), {
            error: "must be pinned by digest (name:tag@sha256:<64 hex digits>): the backup image reads the whole database",
            // One message per mistake: a reference that does not parse says so, and only that.
            when: (payload) => payload.issues.length === 0,
        })
        .optional(),
    imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
    resources: withDefaultResources({
        requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "64Mi" },
        limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" },
    }),
    /** A bucket each verified backup is also copied to, read back and checksummed (components/config/object-storage.ts). Default: none. */
    objectStorage: objectStorageSchema.optional(),
    /** A scheduled restore drill from the bucket (needs objectStorage). Default: none. */
    drill: drillSchema.optional(),
    /** Start a new stack's registry from a backup in the bucket (needs objectStorage). Default: none. */
    startFrom: startFromSchema.optional(),
});

export type BackupConfig = z.output<typeof backupSchema>;
export type DrillConfig = z.output<typeof drillSchema>;
export type StartFromConfig = z.output<typeof startFromSchema>;
