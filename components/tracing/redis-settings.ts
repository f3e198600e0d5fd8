// The program's Redis: its configuration file (password included, so it lives in the Secret),
// the clients' URL, and the probe command. Nothing is persisted: the stream holds the last
// hours of spans (the runtimes trim it to 24 h and 100k entries); history is Tempo's job.
import * as pulumi from "@pulumi/pulumi";
import { quantityValue } from "../k8s/quantity";

/** Where the Secret's redis.conf is mounted; the image's WORKDIR, Redis's working directory (an emptyDir: it writes nothing there with this file). */
export const REDIS_CONF_DIR = "/etc/redis";
export const REDIS_CONF_FILE = "redis.conf";
export const REDIS_DATA_DIR = "/data";
/** Secret keys: the server's configuration, the clients' URL, the password (redis-cli's REDISCLI_AUTH in probes). */
export const REDIS_CONF_KEY = "redis.conf";
export const REDIS_URL_KEY = "url";
export const REDIS_PASSWORD_KEY = "password";

/**
 * Memory for data: three quarters of the container's limit (the rest for Redis itself and
 * client buffers); past it writes fail (`noeviction`) instead of silently dropping the stream,
 * and the runtimes keep serving (a failed publish never fails a tool call).
 */
export function maxMemoryBytes(memoryLimit: string | undefined): number {
    return Math.floor(((quantityValue(memoryLimit ?? "256Mi") ?? 0) * 3) / 4);
}

export function redisConf(password: pulumi.Input<string>, port: number, memoryLimit: string | undefined): pulumi.Output<string> {
    return pulumi.interpolate`# Written by the program (tracing.redis); a restart starts empty.
bind * -::*
port ${port}
requirepass ${password}
save ""
appendonly no
maxmemory ${maxMemoryBytes(memoryLimit)}
maxmemory-policy noeviction
`;
}

/** The URL every client reads from the Secret: the Service's cluster DNS name, the password in it. */
export function redisUrl(password: pulumi.Input<string>, host: pulumi.Input<string>, port: number): pulumi.Output<string> {
    return pulumi.interpolate`redis://:${password}@${host}:${port}`;
}

/** A probe command: PONG from redis-cli, authenticated by REDISCLI_AUTH from the Secret (never argv). */
export function pingCommand(port: number): string[] {
    return ["sh", "-c", `redis-cli -p ${port} ping | grep -q PONG`];
}
