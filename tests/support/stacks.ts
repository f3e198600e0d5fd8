// The stacks the specs render. Two kinds, kept apart on purpose:
// - user stacks: the Pulumi.<stack>.yaml files beside Pulumi.yaml, the user's data. Specs hold
//   them only to what any stack must satisfy (valid config, the policy pack's invariants, a render
//   equal to its golden file), so that an edit plus `npm run golden:update` is a green change.
//   MCP_MESH_STACK_DIR points the specs (and golden:update) at another project directory.
// - fixture stacks: tests/fixtures/stacks/Pulumi.<stack>.yaml, owned by the tests; behaviour,
//   contract and e2e tests pin their values.
import * as fs from "fs";
import * as path from "path";
import { renderStack, RenderOptions, Rendered, K8sObject } from "./render";
import { parseStackConfig, projectName, StackConfig, withProjectConfig } from "./stack-file";
import { stringify } from "yaml";
import { MeshConfig } from "../../components/config/mesh-config";
import { meshConfigFrom, projectConfig } from "../../components/config/stack-config";

/** The repository: the program, Pulumi.yaml, the sample agents' code. */
export const PROJECT_DIR = path.resolve(__dirname, "../..");
/** Where the user stacks live (Pulumi.yaml and Pulumi.<stack>.yaml). */
export const USER_STACK_DIR = path.resolve(process.env.MCP_MESH_STACK_DIR ?? PROJECT_DIR);
export const FIXTURE_STACK_DIR = path.resolve(__dirname, "../fixtures/stacks");

export type StackSource = "user" | "fixture";

/** The stack names that have a Pulumi.<stack>.yaml in a directory. */
function stacksIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/** Every user stack: whatever stack files the user keeps (dev and prod in this repository). */
export const USER_STACKS = stacksIn(USER_STACK_DIR);
/** The fixture stacks: a SQLite one (dev) and a PostgreSQL one (prod), as the examples started. */
export const FIXTURE_STACKS = ["dev", "prod"] as const;
export type FixtureStack = (typeof FIXTURE_STACKS)[number];

function dirOf(source: StackSource): string {
    return source === "user" ? USER_STACK_DIR : FIXTURE_STACK_DIR;
}

export function stackFile(stack: string, source: StackSource): string {
    return path.join(dirOf(source), `Pulumi.${stack}.yaml`);
}

export function stackFileText(stack: string, source: StackSource): string {
    return fs.readFileSync(stackFile(stack, source), "utf8");
}

/** Project-level config comes from the Pulumi.yaml beside the user stacks (the repository's for fixtures). */
function projectDirOf(source: StackSource): string {
    return source === "user" ? USER_STACK_DIR : PROJECT_DIR;
}

/** A stack's config as the CLI hands it to the program: text values, project defaults, secret keys. */
export function stackConfig(stack: string, source: StackSource, placeholder?: string): StackConfig {
    const projectDir = projectDirOf(source);
    return withProjectConfig(parseStackConfig(stackFileText(stack, source), projectName(projectDir), placeholder), projectDir);
}

/** Config for `config` (keys without the project prefix), as the CLI would pass it. */
export function configFrom(config: Record<string, unknown>, placeholder?: string): StackConfig {
    return withProjectConfig(parseStackConfig(stringify({ config }), projectName(PROJECT_DIR), placeholder), PROJECT_DIR);
}

/** The project's keys of a stack, decoded as the program decodes them (the one reader). */
export function projectConfigOf(stack: string, source: StackSource): Record<string, unknown> {
    return projectConfig({ values: stackConfig(stack, source).config, secretKeys: [] });
}

/** A stack's validated config, read exactly as the program reads it. */
export function meshConfigOf(stack: string, source: StackSource): MeshConfig {
    const { config, secretKeys, securePaths } = stackConfig(stack, source);
    return meshConfigFrom({ values: config, secretKeys, securePaths, stack });
}

export function renderStackOf(stack: string, source: StackSource, options: Partial<RenderOptions> = {}): Promise<Rendered> {
    return renderStack({ stack, config: stackConfig(stack, source), ...options });
}

export function renderFixture(stack: FixtureStack, options: Partial<RenderOptions> = {}): Promise<Rendered> {
    return renderStackOf(stack, "fixture", options);
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
