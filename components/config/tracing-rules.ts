// Settings of the `tracing` section that parse but would do nothing (judged on the raw config:
// the schema's defaults hide whether a key was set).
import { PROVISIONED_REDIS_KEYS } from "./tracing";

function field(node: unknown, key: string): unknown {
    return node && typeof node === "object" ? Reflect.get(node, key) : undefined;
}

/** One line per `tracing.redis` key for the program's own Redis set next to `external`, or a Redis set with tracing off. */
export function tracingUnusedSettings(rawTracing: unknown): string[] {
    const redis = field(rawTracing, "redis");
    const problems: string[] = [];
    if (field(redis, "external") !== undefined) {
        for (const key of PROVISIONED_REDIS_KEYS.filter((k) => field(redis, k) !== undefined)) {
            problems.push(
                `tracing.redis.${key}: got ${JSON.stringify(field(redis, key))}; unused with tracing.redis.external ` +
                    "(the program runs no Redis then); remove it",
            );
        }
    }
    if (field(rawTracing, "enabled") !== true && redis !== undefined) {
        problems.push("tracing.redis: set, but unused while tracing.enabled is not true; enable tracing or remove it");
    }
    return problems;
}
