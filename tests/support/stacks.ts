// Renders the repository's stacks, or variations of them, for the specs.
import * as fs from "fs";
import * as path from "path";
import { renderStack, RenderOptions, Rendered, K8sObject } from "./render";
import { parseStackConfig, projectName, StackConfig, withProjectConfig } from "./stack-file";
import { parse, stringify } from "yaml";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const STACKS = ["dev", "prod"] as const;

export function stackFileText(stack: string): string {
    return fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
}

/** Config for `config` (keys without the project prefix), as the CLI would pass it. */
export function configFrom(config: Record<string, unknown>, placeholder?: string): StackConfig {
    return withProjectConfig(parseStackConfig(stringify({ config }), projectName(PROJECT_DIR), placeholder), PROJECT_DIR);
}

/** The project's own keys of a stack file, without the `mcp-mesh:` prefix, as the YAML holds them. */
export function projectConfigOf(stack: string): Record<string, unknown> {
    const { config } = parse(stackFileText(stack)) as { config: Record<string, unknown> };
    const prefix = `${projectName(PROJECT_DIR)}:`;
    return Object.fromEntries(
        Object.entries(config)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
}

export function stackConfig(stack: string, placeholder?: string): StackConfig {
    return withProjectConfig(parseStackConfig(stackFileText(stack), projectName(PROJECT_DIR), placeholder), PROJECT_DIR);
}

export function renderRepoStack(stack: string, options: Partial<RenderOptions> = {}): Promise<Rendered> {
    return renderStack({ stack, config: stackConfig(stack), ...options });
}

export function renderConfig(config: Record<string, unknown>, options: Partial<RenderOptions> = {}): Promise<Rendered> {
    return renderStack({ stack: "test", config: configFrom(config), ...options });
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) {
        throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
    }
    return found;
}

export function ofKind(objects: readonly K8sObject[], kind: string): K8sObject[] {
    return objects.filter((o) => o.kind === kind);
}
