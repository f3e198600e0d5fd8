// Reads this project's stack config from the Pulumi runtime and validates it.
import * as pulumi from "@pulumi/pulumi";
import { MeshConfig, parseMeshConfig, PROJECT, SECRET_KEYS } from "./config";
import { AGENT_SECRETS_KEY, presentAgentSecrets, readAgentSecrets } from "./agent-secrets";
import { McpMeshArgs } from "./mesh";

/** Config values arrive as strings; structured (`--path`) values as JSON text. */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

export function readStackConfig(): { config: MeshConfig; secrets: McpMeshArgs["secrets"] } {
    const prefix = `${PROJECT}:`;
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = decode(value);
        }
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
