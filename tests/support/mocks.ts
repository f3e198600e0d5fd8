// Pulumi mock runtime that records every resource the program registers.
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The resource options the program gave (protect, ignoreChanges, dependsOn, ...). */
    options: pulumi.CustomResourceOptions;
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

    /** A transformation for the root component that records each child's options. */
    readonly recordOptions: pulumi.ResourceTransformation = (args) => {
        this.options.set(`${args.type}::${args.name}`, args.opts);
        return undefined;
    };

    constructor(private readonly generated: (name: string) => string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const options = this.options.get(`${args.type}::${args.name}`) ?? {};
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, options });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, this.generated) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}
