// Agent secret environment: variable NAMES are plain config (`agents[i].secretEnv`), their
// VALUES live in one encrypted structured key, `agentSecrets.<agent>.<NAME>`, set with
//   pulumi config set --secret --path 'agentSecrets.<agent>.<NAME>' <value>
// Only the key paths are read to validate; values stay pulumi secrets end to end.
import * as pulumi from "@pulumi/pulumi";
import { formatPath } from "./errors";

export const AGENT_SECRETS_KEY = "agentSecrets";

/** Secret values per agent name, per variable name. */
export type AgentSecretValues = Record<string, Record<string, pulumi.Output<string>>>;

interface AgentSecretNames {
    name: string;
    secretEnv: readonly string[];
}

export function agentSecretPath(agent: string, variable: string): string {
    return `${AGENT_SECRETS_KEY}.${agent}.${variable}`;
}

export function setSecretCommand(agent: string, variable: string): string {
    return `pulumi config set --secret --path '${agentSecretPath(agent, variable)}' <value>`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is string | number | boolean {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** `agentSecrets.<agent>.<NAME>` for every value the (decoded) `agentSecrets` config holds. */
export function presentAgentSecrets(raw: unknown): string[] {
    if (!isRecord(raw)) {
        return [];
    }
    return Object.entries(raw).flatMap(([agent, variables]) =>
        isRecord(variables)
            ? Object.entries(variables)
                  .filter(([, value]) => isLeaf(value))
                  .map(([variable]) => agentSecretPath(agent, variable))
            : [],
    );
}

/** One line per declared name without a value, and per value no agent declares. Never shows a value. */
export function agentSecretProblems(agents: readonly AgentSecretNames[], present: readonly string[]): string[] {
    const problems: string[] = [];
    const declared = new Set<string>();
    agents.forEach((agent, index) => {
        agent.secretEnv.forEach((variable, position) => {
            const key = agentSecretPath(agent.name, variable);
            declared.add(key);
            if (!present.includes(key)) {
                problems.push(
                    `${formatPath(["agents", index, "secretEnv", position])}: got ${JSON.stringify(variable)}; ` +
                        `no encrypted value for agent ${agent.name}; set it: ${setSecretCommand(agent.name, variable)}`,
                );
            }
        });
    });
    for (const key of present) {
        if (key.startsWith(`${AGENT_SECRETS_KEY}.`) && !declared.has(key)) {
            const [, agent, variable] = key.split(".");
            problems.push(
                `${key}: set, but no agent named ${agent} lists ${variable} in secretEnv; ` +
                    `add it there, or remove it: pulumi config rm --path '${key}'`,
            );
        }
    }
    return problems;
}

/** The secret Outputs for every agent's secretEnv, read from encrypted stack config. */
export function readAgentSecrets(config: pulumi.Config, agents: readonly AgentSecretNames[]): AgentSecretValues {
    const all = config.getSecretObject<unknown>(AGENT_SECRETS_KEY);
    if (!all) {
        return {};
    }
    const values: AgentSecretValues = {};
    for (const agent of agents.filter((a) => a.secretEnv.length > 0)) {
        values[agent.name] = Object.fromEntries(
            agent.secretEnv.map((variable) => [
                variable,
                pulumi.secret(
                    all.apply((tree) => {
                        const variables = isRecord(tree) ? tree[agent.name] : undefined;
                        const value = isRecord(variables) ? variables[variable] : undefined;
                        return isLeaf(value) ? String(value) : "";
                    }),
                ),
            ]),
        );
    }
    return values;
}
