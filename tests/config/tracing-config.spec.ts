// The `tracing` section: defaults, the program's or your Redis, Tempo, and what it refuses.
import { strict as assert } from "assert";
import { parseMeshConfig } from "../../components/config/mesh-config";
import { REDIS_IMAGE } from "../../components/config/tracing";
import { itRejects, problems } from "../support/config-problems";

describe("stack config: tracing", () => {
    it("is off by default; on, it runs the program's pinned Redis on 6379 with no Tempo", () => {
        assert.equal(parseMeshConfig({}).tracing.enabled, false);
        const { tracing } = parseMeshConfig({ tracing: { enabled: true } });
        assert.equal(tracing.redis.image, REDIS_IMAGE);
        assert.match(REDIS_IMAGE, /^redis:7\.4\.\d+$/);
        assert.equal(tracing.redis.port, 6379);
        assert.equal(tracing.redis.external, undefined);
        assert.equal(tracing.tempo, undefined);
    });

    it("takes your Redis's URL Secret (key `url`, port 6379 by default) and a Tempo", () => {
        const { tracing } = parseMeshConfig({
            tracing: {
                enabled: true,
                redis: { external: { secretName: "mesh-redis" } },
                tempo: { otlpEndpoint: "tempo.observability.svc.cluster.local:4317", queryUrl: "http://tempo.observability:3200" },
            },
        });
        assert.deepEqual(tracing.redis.external, { secretName: "mesh-redis", key: "url", port: 6379 });
        assert.deepEqual(tracing.tempo, {
            otlpEndpoint: "tempo.observability.svc.cluster.local:4317",
            protocol: "grpc",
            queryUrl: "http://tempo.observability:3200",
        });
    });

    it("lets a TLS stack trace through your Redis", () => {
        const config = parseMeshConfig({ tls: { enabled: true }, tracing: { enabled: true, redis: { external: { secretName: "r" } } } });
        assert.equal(config.tracing.enabled, true);
    });

    itRejects([
        [
            "the program's Redis under tls.enabled (the agents' runtime has no Redis TLS)",
            { tls: { enabled: true }, tracing: { enabled: true } },
            "tracing.enabled: got true; cannot run the program's Redis with tls.enabled=true",
        ],
        [
            "an unpinned Redis image",
            { tracing: { enabled: true, redis: { image: "redis:latest" } } },
            'tracing.redis.image: got "redis:latest"',
        ],
        [
            "a Redis port out of range",
            { tracing: { enabled: true, redis: { port: 70000 } } },
            "tracing.redis.port: got 70000; must be <= 65535",
        ],
        [
            "an external Redis without a Secret",
            { tracing: { enabled: true, redis: { external: {} } } },
            "tracing.redis.external.secretName: missing",
        ],
        [
            "a setting of the program's Redis next to external",
            { tracing: { enabled: true, redis: { image: "redis:7.4.2", external: { secretName: "r" } } } },
            'tracing.redis.image: got "redis:7.4.2"; unused with tracing.redis.external',
        ],
        [
            "a Redis with tracing off",
            { tracing: { redis: { external: { secretName: "r" } } } },
            "tracing.redis: set, but unused while tracing.enabled is not true",
        ],
        [
            "Tempo with tracing off",
            { tracing: { tempo: { otlpEndpoint: "tempo:4317", queryUrl: "http://tempo:3200" } } },
            "tracing.tempo: got",
        ],
        [
            "an OTLP endpoint with a scheme",
            { tracing: { enabled: true, tempo: { otlpEndpoint: "http://tempo:4317", queryUrl: "http://tempo:3200" } } },
            'tracing.tempo.otlpEndpoint: got "http://tempo:4317"; must be host:port without a scheme',
        ],
        [
            "a query URL with credentials",
            { tracing: { enabled: true, tempo: { otlpEndpoint: "tempo:4317", queryUrl: "http://u:p@tempo:3200" } } },
            "tracing.tempo.queryUrl: got",
        ],
        [
            "an unknown key",
            { tracing: { enabled: true, sampling: 0.5 } },
            "tracing.sampling: unknown key; allowed keys here: enabled, redis, tempo",
        ],
    ]);

    it("names the key, the value and what is allowed on one line each", () => {
        for (const line of problems({ tls: { enabled: true }, tracing: { enabled: true, redis: { port: 0 } } })) {
            assert.ok(!line.includes("\n"), line);
            assert.match(line, /^tracing\.|^tls\./);
        }
    });
});
