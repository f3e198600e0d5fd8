// Settings a deployed stack cannot change in place: Pulumi's diff would show a plausible plan
// (a new namespace, new workloads) that loses or strands data, and the program alone cannot tell
// a first deploy from an edit. A Pulumi dynamic resource remembers them from the first deploy;
// the engine hands its `check` the inputs in state (none on a first deploy, or after `pulumi
// destroy`), so a changed value is refused at preview, before any step runs, with one line per
// setting naming the key, both values and the way out.
import * as pulumi from "@pulumi/pulumi";

/** A setting fixed at the first deploy. */
export interface FixedSetting {
    /** The config key without the project prefix (`namespace`, `database.postgres.user`); the refusal's property. */
    key: string;
    value: string;
    /** What changing it would do, and how to get there without losing data (after "keep it with ..."). */
    wayOut: string;
}

/** The guard's inputs and state: each fixed setting's value, by key. */
export type FixedValues = Record<string, string>;

export interface GuardFailure {
    property: string;
    reason: string;
}

/** The command that keeps the deployed value: a top-level key by name, a nested one by `--path`. */
export function keepCommand(key: string, value: string): string {
    return key.includes(".") ? `pulumi config set --path ${key} ${value}` : `pulumi config set mcp-mesh:${key} ${value}`;
}

/**
 * One failure per setting whose deployed value (`olds`) differs from the new one; none for a
 * setting either side lacks (a first deploy, a setting that applies only to some configs).
 */
export function guardFailures(
    olds: Readonly<Record<string, unknown>>,
    news: Readonly<Record<string, unknown>>,
    wayOuts: Readonly<Record<string, string>>,
): GuardFailure[] {
    return Object.keys(wayOuts).flatMap((key) => {
        const was = olds[key];
        const now = news[key];
        if (typeof was !== "string" || typeof now !== "string" || was === now) {
            return [];
        }
        return [
            {
                property: key,
                reason: `${key}: deployed as ${was}, now ${now}; refused, nothing changed. Keep it with \`${keepCommand(key, was)}\`; ${wayOuts[key]}`,
            },
        ];
    });
}

/** Whether any guarded value differs (a key added or dropped included): only then is the state rewritten. */
export function guardChanged(
    olds: Readonly<Record<string, unknown>>,
    news: Readonly<Record<string, unknown>>,
    wayOuts: Readonly<Record<string, string>>,
): boolean {
    return Object.keys(wayOuts).some((key) => olds[key] !== news[key]);
}

/**
 * The dynamic provider: `check` refuses, `diff` reports a change only when a guarded value
 * differs (its serialized code changes with every program edit, and that is no change), create
 * and update just record the values; no `delete` or `read` (nothing outside the state).
 * Self-contained: its code is serialized into the state and run by the pulumi-nodejs plugin.
 */
export function guardProvider(settings: readonly FixedSetting[]): pulumi.dynamic.ResourceProvider {
    const wayOuts: Record<string, string> = Object.fromEntries(settings.map((setting) => [setting.key, setting.wayOut]));
    return {
        async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
            return { inputs: news, failures: guardFailures(olds, news, wayOuts) };
        },
        async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
            return { changes: guardChanged(olds, news, wayOuts) };
        },
        async create(inputs: Record<string, unknown>) {
            return { id: "fixed-settings", outs: inputs };
        },
        async update(_id: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
            return { outs: news };
        },
    };
}

/** The guard's inputs: each setting's value by key. */
export function fixedValues(settings: readonly FixedSetting[]): FixedValues {
    return Object.fromEntries(settings.map((setting) => [setting.key, setting.value]));
}

/** Remembers `settings` from the first deploy and refuses any later change of them at preview. */
export class SettingsGuard extends pulumi.dynamic.Resource {
    constructor(name: string, settings: readonly FixedSetting[], opts?: pulumi.CustomResourceOptions) {
        super(guardProvider(settings), name, fixedValues(settings), opts);
    }
}
