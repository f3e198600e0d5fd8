// `pulumi preview` (what a pull request runs) evaluates the program with no IDs and no
// computed outputs. The program must render the same objects then, every field either the
// value the update will apply or an explicit unknown, and never a placeholder string in a
// real value's place.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { K8sObject, renderStack, Rendered, RenderOptions, UNKNOWN } from "./support/render";
import { readStackFile } from "./support/stack-file";
import { FIXTURE_STACKS, PROJECT_DIR, stackConfig } from "./support/stacks";

const GOOD = path.join(__dirname, "fixtures", "good-config");

/** Text that stands where a value should be: an Output turned into a string, or an unknown inside one. */
const PLACEHOLDERS: [what: string, pattern: RegExp][] = [
    ["undefined", /\bundefined\b/],
    ["NaN", /\bNaN\b/],
    ["[object Object]", /\[object Object\]/],
    ["an Output's toString/toJSON", /Calling \[to(String|JSON)\] on an \[Output<T>\]/],
    ["the unknown sentinel", new RegExp(pulumi.runtime.unknownValue)],
    ["an unknown inside a larger string", new RegExp(`.${escape(UNKNOWN)}|${escape(UNKNOWN)}.`)],
];

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Fields a preview may not know: what is derived from a generated secret (random results). */
const MAY_BE_UNKNOWN = [
    /^Secret\/[^ ]+ (stringData|data)(\.|$)/,
    / spec(\.jobTemplate\.spec)?\.template\.metadata\.annotations\.checksum\/secret$/,
    // tracing with the program's Redis: the checksum of a URL that holds the generated password.
    / spec\.template\.metadata\.annotations\.checksum\/tracing$/,
    // tls.source=pulumi: the fingerprint of a certificate the update generates.
    / spec\.template\.metadata\.annotations\.checksum\/certificate$/,
];

const id = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

interface Leaf {
    path: string;
    value: unknown;
}

function leaves(value: unknown, at: string): Leaf[] {
    if (Array.isArray(value)) {
        return value.flatMap((item, i) => leaves(item, `${at}[${i}]`));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([key, item]) => leaves(item, at ? `${at}.${key}` : key));
    }
    return [{ path: at, value }];
}

/** Differences between a preview render and the update render of the same stack. */
function compare(update: unknown, preview: unknown, at: string, found: string[], unknowns: string[]): void {
    if (preview === UNKNOWN && update !== UNKNOWN) {
        unknowns.push(at);
        return;
    }
    if (typeof update === "object" && update !== null && typeof preview === "object" && preview !== null) {
        const keys = new Set([...Object.keys(update), ...Object.keys(preview)]);
        for (const key of keys) {
            compare(
                Reflect.get(update, key),
                Reflect.get(preview, key),
                Array.isArray(update) ? `${at}[${key}]` : `${at}.${key}`,
                found,
                unknowns,
            );
        }
        return;
    }
    if (update !== preview) {
        found.push(`${at}: update ${JSON.stringify(update)}, preview ${JSON.stringify(preview)}`);
    }
}

interface Case {
    name: string;
    config: () => RenderOptions["config"];
    stack: string;
}

const CASES: Case[] = [
    ...FIXTURE_STACKS.map((stack) => ({ name: `fixture stack ${stack}`, stack, config: () => stackConfig(stack, "fixture") })),
    ...fs
        .readdirSync(GOOD)
        .filter((file) => file.endsWith(".yaml"))
        .sort()
        .map((file) => ({ name: `good-config/${file}`, stack: "good", config: () => readStackFile(path.join(GOOD, file), PROJECT_DIR) })),
];

describe("preview: the program evaluated as `pulumi preview` does (no IDs, no computed outputs)", () => {
    for (const { name, stack, config } of CASES) {
        describe(name, () => {
            let update: Rendered;
            let preview: Rendered;
            before(async () => {
                update = await renderStack({ stack, config: config() });
                preview = await renderStack({ stack, config: config(), preview: true });
            });

            it("renders the same objects, each with a known name", () => {
                assert.deepEqual(preview.objects.map(id), update.objects.map(id));
                for (const object of preview.objects) {
                    assert.equal(typeof object.metadata.name, "string", id(object));
                    assert.notEqual(object.metadata.name, UNKNOWN, id(object));
                }
            });

            it("renders every field as the update will apply it, or as an explicit unknown where a generated secret decides it", () => {
                const found: string[] = [];
                const unknowns: string[] = [];
                preview.objects.forEach((object, i) =>
                    compare(update.objects[i], object, `${object.kind}/${object.metadata.name} `, found, unknowns),
                );
                assert.deepEqual(found, [], found.join("\n"));
                const unexpected = unknowns
                    .map((at) => at.replace(/ \./, " "))
                    .filter((at) => !MAY_BE_UNKNOWN.some((allowed) => allowed.test(at)));
                assert.deepEqual(unexpected, [], `unknown in preview, though no generated value decides them:\n${unexpected.join("\n")}`);
            });

            it("never renders a placeholder where a value belongs (preview or update)", () => {
                const found: string[] = [];
                for (const [mode, render] of [
                    ["preview", preview],
                    ["update", update],
                ] as const) {
                    for (const object of render.objects) {
                        for (const leaf of leaves(object, "")) {
                            if (typeof leaf.value === "number" && Number.isNaN(leaf.value)) {
                                found.push(`${mode} ${id(object)} ${leaf.path}: NaN`);
                            }
                            if (typeof leaf.value !== "string") continue;
                            for (const [what, pattern] of PLACEHOLDERS) {
                                if (pattern.test(leaf.value))
                                    found.push(
                                        `${mode} ${id(object)} ${leaf.path}: ${what} in ${JSON.stringify(leaf.value.slice(0, 120))}`,
                                    );
                            }
                        }
                    }
                }
                assert.deepEqual(found, [], found.join("\n"));
            });

            it("knows every stack output", () => {
                assert.deepEqual(preview.outputs, update.outputs);
            });
        });
    }

    it("shows what a generated secret decides as unknown, not as a made-up value (prod: the database password)", async () => {
        const { objects } = await renderStack({ stack: "prod", config: stackConfig("prod", "fixture"), preview: true });
        const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === "mcp-mesh-postgres");
        assert.ok(secret, "prod renders the Secret mcp-mesh-postgres");
        assert.equal(secret.stringData, UNKNOWN);
        const registry = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "mcp-mesh-registry");
        assert.equal(leaves(registry, "").find((leaf) => leaf.path.endsWith("annotations.checksum/secret"))?.value, UNKNOWN);
    });
});
