// tls.source=pulumi: the program's own CA and the workload certificates it signs, as Pulumi
// dynamic resources (no Pulumi TLS provider is needed). Private keys are secret outputs, so
// they are encrypted in state and never shown in previews.
//
// Renewal: every preview and `pulumi up` compares the clock with each certificate's expiry;
// within `renewBeforeHours` of it (or past it) the certificate is replaced by a new one with a
// new key. A new CA certificate, or new DNS names or validity, replaces a workload certificate too.
import * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "crypto";
import { createCa, issueCertificate, IssuedCertificate, renewalDue } from "./mesh-ca";

interface Validity {
    validityHours: number;
    renewBeforeHours: number;
}

interface CaInputs extends Validity {
    commonName: string;
}

interface CertificateInputs extends Validity {
    commonName: string;
    dnsNames: string[];
    caCertPem: string;
    caKeyPem: string;
}

type CaOutputs = CaInputs & IssuedCertificate;
/** The CA's key is an input only: it is not kept a second time among the certificate's outputs. */
type CertificateOutputs = Omit<CertificateInputs, "caKeyPem"> & IssuedCertificate;

/** The inputs whose change replaces the certificate, plus `notAfter` when renewal is due. */
function replacements<T extends Validity>(olds: T & { notAfter: string }, news: T, keys: (keyof T & string)[]): pulumi.dynamic.DiffResult {
    const replaces: string[] = keys.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    if (renewalDue(olds.notAfter, news.renewBeforeHours)) {
        replaces.push("notAfter");
    }
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

export const caProvider: pulumi.dynamic.ResourceProvider<CaInputs, CaOutputs> = {
    async create(inputs) {
        return { id: randomUUID(), outs: { ...inputs, ...createCa(inputs.commonName, inputs.validityHours) } };
    },
    async diff(_id, olds, news) {
        return replacements(olds, news, ["commonName", "validityHours"]);
    },
};

export const certificateProvider: pulumi.dynamic.ResourceProvider<CertificateInputs, CertificateOutputs> = {
    async create({ caKeyPem, ...inputs }) {
        const issued = issueCertificate({ certPem: inputs.caCertPem, keyPem: caKeyPem }, inputs, inputs.validityHours);
        return { id: randomUUID(), outs: { ...inputs, ...issued } };
    },
    async diff(_id, olds, news) {
        return replacements<Omit<CertificateInputs, "caKeyPem">>(olds, news, ["commonName", "dnsNames", "validityHours", "caCertPem"]);
    },
};

export interface MeshCaArgs {
    commonName: string;
    /** Lifetime in hours, and how long before expiry `pulumi up` replaces it. */
    validityHours: number;
    renewBeforeHours: number;
}

/** The mesh CA: a self-signed certificate and its key (secret). */
export class MeshCa extends pulumi.dynamic.Resource {
    public readonly certPem!: pulumi.Output<string>;
    public readonly keyPem!: pulumi.Output<string>;
    public readonly notAfter!: pulumi.Output<string>;

    constructor(name: string, args: MeshCaArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            caProvider,
            name,
            { ...args, certPem: undefined, keyPem: undefined, notAfter: undefined },
            { ...opts, additionalSecretOutputs: ["keyPem"] },
            "tls",
            "CertificateAuthority",
        );
    }
}

export interface MeshCertificateArgs {
    ca: MeshCa;
    commonName: string;
    dnsNames: string[];
    validityHours: number;
    renewBeforeHours: number;
}

/** A workload certificate (server and client auth) signed by the mesh CA, and its key (secret). */
export class MeshCertificate extends pulumi.dynamic.Resource {
    public readonly certPem!: pulumi.Output<string>;
    public readonly keyPem!: pulumi.Output<string>;
    public readonly notAfter!: pulumi.Output<string>;

    constructor(name: string, args: MeshCertificateArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            certificateProvider,
            name,
            {
                commonName: args.commonName,
                dnsNames: args.dnsNames,
                validityHours: args.validityHours,
                renewBeforeHours: args.renewBeforeHours,
                caCertPem: args.ca.certPem,
                caKeyPem: pulumi.secret(args.ca.keyPem),
                certPem: undefined,
                keyPem: undefined,
                notAfter: undefined,
            },
            { ...opts, additionalSecretOutputs: ["keyPem"] },
            "tls",
            "Certificate",
        );
    }
}
