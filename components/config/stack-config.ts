// Reads this project's stack config from the Pulumi runtime and validates it.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, MeshConfig, MeshSecrets, misplacedSecrets, parseMeshConfig, PROJECT, SECRET_KEYS } from "./mesh-config";
import { AGENT_SECRETS_KEY, presentAgentSecrets, readAgentSecrets } from "./agent-secrets";

/** Config values arrive as strings; structured (`--path`) values as JSON text. */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/**
 * The config keys set with `--secret`, as the language host hands them to the program (the
 * variable the SDK's own secret-key check reads; a structured key counts as secret when any
 * value inside it is).
 */
function secretConfigKeys(): string[] {
    let keys: unknown;
    try {
        keys = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    } catch {
        return [];
    }
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === "string") : [];
}

export function readStackConfig(): { config: MeshConfig; secrets: MeshSecrets } {
    const prefix = `${PROJECT}:`;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = decode(value);
        }
    }
    // Before any validation: a message about a misplaced secret must never echo its value.
    const misplaced = misplacedSecrets(
        Object.keys(raw),
        secretConfigKeys()
            .filter((key) => key.startsWith(prefix))
            .map((key) => key.slice(prefix.length)),
    );
    if (misplaced.length > 0) {
        throw new ConfigError(misplaced);
    }
    const secretKeys = [...SECRET_KEYS.filter((key) => key in raw), ...presentAgentSecrets(raw[AGENT_SECRETS_KEY])];
    const config = parseMeshConfig(raw, { secretKeys });
    const stackConfig = new pulumi.Config(PROJECT);
    return {
        config,
        secrets: {
            databasePassword: stackConfig.getSecret("databasePassword"),
            agentSecrets: readAgentSecrets(stackConfig, config.agents),
        },
    };
}
