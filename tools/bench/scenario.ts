// The fixture stacks: dev, prod, or agents-<N> (dev's defaults with N agents).
import { program } from "../../components/program";
import { StackConfig } from "../../tests/support/stack-file";
import { configFrom, stackConfig } from "../../tests/support/stacks";
import { evaluate } from "./counting-mocks";

export function scenarioConfig(scenario: string): StackConfig {
    const agents = /^agents-(\d+)$/.exec(scenario);
    if (!agents) return stackConfig(scenario, "fixture");
    const list = Array.from({ length: Number(agents[1]) }, (_, i) => ({
        name: `agent-${String(i).padStart(4, "0")}`,
        code: "agents/hello_world.py",
        replicas: 2,
        capabilities: [{ name: `capability-${i}`, version: "1.0.0" }],
    }));
    return configFrom({ namespace: "mcp-mesh-bench", agents: list });
}

export function evaluateScenario(scenario: string): Promise<number> {
    const { project, config, secretKeys } = scenarioConfig(scenario);
    return evaluate(project, config, secretKeys, () => program());
}
