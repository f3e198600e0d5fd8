// Reads this project's stack config the way the Pulumi CLI and SDK hand it to a program, and
// validates it. The program (from the Pulumi runtime), the offline render and the tests (from
// a stack file) all go through `meshConfigFrom`: one reader, the CLI's rules.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError, MeshConfig, MeshSecrets, misplacedSecrets, parseMeshConfig, PROJECT, SECRET_KEYS } from "./mesh-config";
import { AGENT_SECRETS_KEY, presentAgentSecrets, readAgentSecrets } from "./agent-secrets";
import { securePaths } from "./secure-paths";

/** Config as the language host hands it over: `project:key` -> text, and the keys set with `--secret`. */
export interface HostConfig {
    values: Readonly<Record<string, string>>;
    secretKeys: readonly string[];
    /** Full paths of the encrypted values (`agents[0].env.X`), where the stack file is at hand. */
    securePaths?: readonly string[];
    /** The stack's name (production stacks must run TLS). Default: none. */
    stack?: string;
}

/**
 * Values arrive as text, as the CLI stores them: a value set without `--path` is a string even
 * when it reads `true` or `5` (`pulumi config set protectData true`), a structured (`--path`)
 * value is JSON text whose leaves the CLI typed. Decoding JSON text gives the SDK's
 * `getBoolean`/`getNumber`/`getObject` reading of both.
 */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/** This project's keys (without the `mcp-mesh:` prefix), decoded. */
export function projectConfig(host: HostConfig): Record<string, unknown> {
    const prefix = `${PROJECT}:`;
    return Object.fromEntries(
        Object.entries(host.values)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), decode(value)]),
    );
}

/** Validates a stack's config; throws ConfigError listing every problem (never a secret value). */
export function meshConfigFrom(host: HostConfig): MeshConfig {
    const prefix = `${PROJECT}:`;
    const raw = projectConfig(host);
    // Before any validation: a message about a misplaced secret must never echo its value.
    const misplaced = misplacedSecrets(
        Object.keys(raw),
        host.secretKeys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length)),
        host.securePaths,
    );
    if (misplaced.length > 0) {
        throw new ConfigError(misplaced);
    }
    const secretKeys = [...SECRET_KEYS.filter((key) => key in raw), ...presentAgentSecrets(raw[AGENT_SECRETS_KEY])];
    return parseMeshConfig(raw, { secretKeys, stack: host.stack });
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

/** The encrypted values' paths in `Pulumi.<stack>.yaml`, when the program runs beside it (as `pulumi` runs it). */
function stackFileSecurePaths(): string[] {
    const file = path.join(process.cwd(), `Pulumi.${pulumi.getStack()}.yaml`);
    try {
        const doc: unknown = parse(fs.readFileSync(file, "utf8"));
        const config = typeof doc === "object" && doc !== null && "config" in doc ? doc.config : undefined;
        return typeof config === "object" && config !== null ? securePaths(Object.fromEntries(Object.entries(config)), PROJECT) : [];
    } catch {
        return [];
    }
}

/** `securePaths`: where the caller read the stack file itself (the offline render); else from the stack file beside the program. */
export function readStackConfig(securePaths?: readonly string[]): { config: MeshConfig; secrets: MeshSecrets } {
    const config = meshConfigFrom({
        values: pulumi.runtime.allConfig(),
        secretKeys: secretConfigKeys(),
        securePaths: securePaths ?? stackFileSecurePaths(),
        stack: pulumi.getStack(),
    });
    const stackConfig = new pulumi.Config(PROJECT);
    return {
        config,
        secrets: {
            databasePassword: stackConfig.getSecret("databasePassword"),
            agentSecrets: readAgentSecrets(stackConfig, config.agents),
        },
    };
}
