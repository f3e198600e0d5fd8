// Pulumi's mock runtime with a monitor that only counts what a program registers.
import * as pulumi from "@pulumi/pulumi";

class CountingMocks implements pulumi.runtime.Mocks {
    count = 0;
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        if (args.custom !== false) this.count++;
        const state = args.type.startsWith("random:") ? { ...args.inputs, result: "generated" } : args.inputs;
        return { id: `${args.name}-id`, state };
    }
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}

/** Runs `run` as a program of `project` with the given config; resolves to the resources registered. */
export async function evaluate(project: string, config: Record<string, string>, secretKeys: string[], run: () => object): Promise<number> {
    const mocks = new CountingMocks();
    pulumi.runtime.setAllConfig(config, secretKeys);
    await pulumi.runtime.setMocks(mocks, project, "bench", false);
    const outputs = run();
    await new Promise<void>((resolve) => pulumi.output(outputs).apply(() => resolve()));
    await pulumi.runtime.disconnect();
    return mocks.count;
}
