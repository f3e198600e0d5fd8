// Pulumi mock runtime that records every resource the program registers.
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The resource options the program gave (protect, ignoreChanges, dependsOn, ...). */
    options: pulumi.CustomResourceOptions;
    /** Paths of the inputs the program gave as secret Outputs (e.g. `stringData.API_KEY`). */
    secretInputs: Promise<string[]>;
}

/** Paths under `value` that are secret Outputs (plain objects and arrays are searched through). */
async function secretPaths(value: unknown, at: string): Promise<string[]> {
    if (pulumi.Output.isInstance(value)) {
        return (await pulumi.isSecret(value)) ? [at] : [];
    }
    if (Array.isArray(value)) {
        return (await Promise.all(value.map((item, i) => secretPaths(item, `${at}[${i}]`)))).flat();
    }
    if (typeof value === "object" && value !== null && !pulumi.Resource.isInstance(value)) {
        const entries = Object.entries(value);
        return (await Promise.all(entries.map(([key, item]) => secretPaths(item, at ? `${at}.${key}` : key)))).flat();
    }
    return [];
}

/** Outputs a provider would compute that the program reads (random results). */
function computedState(type: string, name: string, generated: (name: string) => string): Record<string, unknown> {
    if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
        return { result: generated(name) };
    }
    return {};
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RegisteredResource[] = [];
    private readonly options = new Map<string, pulumi.CustomResourceOptions>();
    private readonly secretInputs = new Map<string, Promise<string[]>>();

    /** A transformation for the root component that records each child's options and secret inputs. */
    readonly recordOptions: pulumi.ResourceTransformation = (args) => {
        this.options.set(`${args.type}::${args.name}`, args.opts);
        this.secretInputs.set(`${args.type}::${args.name}`, secretPaths(args.props, ""));
        return undefined;
    };

    /**
     * @param preview Answer as the engine does in a preview of a new stack: no ID (the SDK makes
     *   it unknown) and only the inputs back, so every output a provider computes is unknown.
     */
    constructor(
        private readonly generated: (name: string) => string,
        private readonly preview = false,
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const options = this.options.get(`${args.type}::${args.name}`) ?? {};
        const secretInputs = this.secretInputs.get(`${args.type}::${args.name}`) ?? Promise.resolve([]);
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, options, secretInputs });
        if (this.preview) {
            return { id: "", state: { ...args.inputs } };
        }
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, this.generated) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}
