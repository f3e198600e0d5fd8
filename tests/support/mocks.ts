// Pulumi mock runtime that records every resource the program registers.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { caProvider, certificateProvider } from "../../components/k8s/mesh-ca-resources";

export interface RegisteredResource {
    type: string;
    name: string;
    /**
     * The URN the engine would give it: `urn:pulumi:<stack>::<project>::<type chain>::<name>`, the
     * type chain being the types of its ancestors and its own, joined by `$`.
     */
    urn: string;
    inputs: Record<string, unknown>;
    /** The resource options the program gave (protect, ignoreChanges, dependsOn, ...). */
    options: pulumi.CustomResourceOptions;
    /** URNs of the resources named in `options.dependsOn`, in order (`(not a resource)` for anything else). */
    dependsOn: string[];
    /** Paths of the inputs the program gave as secret Outputs (e.g. `stringData.API_KEY`). */
    secretInputs: Promise<string[]>;
}

/** An input as its provider receives it: a secret-marked value unwrapped. */
function plainInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const isSecret = (value: unknown): value is { value: unknown } =>
        typeof value === "object" && value !== null && Reflect.get(value, pulumi.runtime.specialSigKey) === pulumi.runtime.specialSecretSig;
    return Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, isSecret(value) ? value.value : value]));
}

const caInputs = z.object({ commonName: z.string(), validityHours: z.number(), renewBeforeHours: z.number() });
const certificateInputs = caInputs.extend({ dnsNames: z.array(z.string()), caCertPem: z.string(), caKeyPem: z.string() });

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

/** Outputs a provider would compute that the program reads (random results, certificates). */
function computedState(type: string, name: string, generated: (name: string) => string): Record<string, unknown> {
    if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
        return { result: generated(name) };
    }
    // The program's own CA and certificates (components/k8s/mesh-ca-resources.ts).
    if (type.startsWith("pulumi-nodejs:dynamic/tls:")) {
        return { certPem: generated(`${name}.certPem`), keyPem: generated(`${name}.keyPem`) };
    }
    return {};
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RegisteredResource[] = [];
    private readonly options = new Map<string, pulumi.CustomResourceOptions>();
    private readonly secretInputs = new Map<string, Promise<string[]>>();
    /** Type chain (`parent$...$type`) per resource object, and URN per `type::name`. */
    private readonly typeChains = new Map<pulumi.Resource, string>();
    private readonly urns = new Map<string, string>();
    private readonly urnsByResource = new Map<pulumi.Resource, string>();
    private readonly dependencies = new Map<string, string[]>();

    /** The URN of a resource the program registered (e.g. one named in dependsOn). */
    urnOf(resource: pulumi.Resource): string | undefined {
        return this.urnsByResource.get(resource);
    }

    /**
     * A transformation for the root component that records each resource's options, secret
     * inputs and URN (transformations reach the root and every descendant, components included).
     */
    readonly recordOptions: pulumi.ResourceTransformation = (args) => {
        const parentChain = args.opts.parent ? this.typeChains.get(args.opts.parent) : undefined;
        const typeChain = parentChain ? `${parentChain}$${args.type}` : args.type;
        const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${typeChain}::${args.name}`;
        this.typeChains.set(args.resource, typeChain);
        this.urnsByResource.set(args.resource, urn);
        this.urns.set(`${args.type}::${args.name}`, urn);
        this.options.set(`${args.type}::${args.name}`, args.opts);
        const dependsOn = args.opts.dependsOn;
        this.dependencies.set(
            `${args.type}::${args.name}`,
            (Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []).map((dependency: unknown) =>
                pulumi.Resource.isInstance(dependency) ? (this.urnOf(dependency) ?? "(unknown resource)") : "(not a resource)",
            ),
        );
        this.secretInputs.set(`${args.type}::${args.name}`, secretPaths(args.props, ""));
        return undefined;
    };

    /**
     * @param preview Answer as the engine does in a preview of a new stack: no ID (the SDK makes
     *   it unknown) and only the inputs back, so every output a provider computes is unknown.
     */
    /**
     * @param issueCertificates Run the program's own CA (tls.source=pulumi) for real, as its
     *   dynamic provider does in an update, instead of placeholders.
     */
    constructor(
        private readonly generated: (name: string) => string,
        private readonly preview = false,
        private readonly issueCertificates = false,
    ) {}

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> {
        const options = this.options.get(`${args.type}::${args.name}`) ?? {};
        const secretInputs = this.secretInputs.get(`${args.type}::${args.name}`) ?? Promise.resolve([]);
        const urn =
            this.urns.get(`${args.type}::${args.name}`) ??
            `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${args.type}::${args.name}`;
        const dependsOn = this.dependencies.get(`${args.type}::${args.name}`) ?? [];
        this.resources.push({ type: args.type, name: args.name, urn, inputs: args.inputs, options, dependsOn, secretInputs });
        if (this.preview) {
            return { id: "", state: { ...args.inputs } };
        }
        if (this.issueCertificates && args.type === "pulumi-nodejs:dynamic/tls:CertificateAuthority") {
            const created = await caProvider.create(caInputs.parse(plainInputs(args.inputs)));
            return { id: created.id, state: { ...args.inputs, ...created.outs } };
        }
        if (this.issueCertificates && args.type === "pulumi-nodejs:dynamic/tls:Certificate") {
            const created = await certificateProvider.create(certificateInputs.parse(plainInputs(args.inputs)));
            return { id: created.id, state: { ...args.inputs, ...created.outs } };
        }
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, this.generated) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }
}
