// cert-manager objects for tls.source=cert-manager: a Certificate per mesh workload, signed
// by the issuer the stack names or, when it names none, by a CA of the mesh's own in the
// namespace (SelfSigned Issuer → CA Certificate → CA Issuer). Each Certificate writes the
// workload's Secret `<workload>-tls` (tls.crt, tls.key, ca.crt), the layout the pods mount.
// cert-manager renews a certificate `renewBefore` ahead of expiry and rewrites the Secret in
// place; the pods' liveness probes then restart the containers (components/k8s/mesh-tls.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./labels";
import { MESH, MESH_CA, SELF_SIGNED_ISSUER, tlsSecretName } from "./names";

export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";
/** The mesh CA lives long and keeps its key: a new CA would leave every workload trusting only its old one until each is reissued. */
const CA_DURATION = "87600h";

export interface IssuerRef {
    name: string;
    kind: "Issuer" | "ClusterIssuer";
    group: "cert-manager.io";
}

/** The cert-manager.io/v1 Certificate spec fields this program sets. */
export interface CertificateSpec {
    secretName: string;
    secretTemplate?: { labels: Record<string, string> };
    commonName: string;
    dnsNames?: string[];
    isCA?: boolean;
    duration: string;
    renewBefore?: string;
    usages: ("digital signature" | "key encipherment" | "cert sign" | "crl sign" | "server auth" | "client auth")[];
    privateKey: { algorithm: "ECDSA"; size: 256; encoding: "PKCS8"; rotationPolicy: "Always" | "Never" };
    issuerRef: IssuerRef;
}

/** The cert-manager.io/v1 Issuer spec fields this program sets: self-signed, or a CA held in a Secret. */
export type IssuerSpec = { selfSigned: Record<string, never> } | { ca: { secretName: string } };

export interface MeshCertificatesArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /** Each workload (object name of its Service) and the DNS names its clients dial. */
    workloads: { name: string; dnsNames: string[] }[];
    /** An issuer of the stack's (a CA-type issuer: it must fill ca.crt). Default: the mesh's own CA chain. */
    issuer?: { name: string; kind: "Issuer" | "ClusterIssuer" };
    /** Lifetime of the workload certificates, and how long before expiry they renew. */
    duration: string;
    renewBefore: string;
}

/** The in-cluster DNS names of a Service: short, namespaced and fully qualified. */
export function serviceDnsNames(service: string, namespace: string): string[] {
    return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** The Issuers and Certificates, children of `opts.parent`; returns every object (workloads' Certificates last). */
export function meshCertificates(
    name: string,
    args: MeshCertificatesArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource[] {
    const meta = (objectName: string) => ({
        name: objectName,
        namespace: args.namespace,
        labels: labels({ name: objectName, component: "tls", instance: args.instance }),
    });
    const created: k8s.apiextensions.CustomResource[] = [];
    const create = <Spec>(
        kind: "Issuer" | "Certificate",
        resourceName: string,
        objectName: string,
        spec: Spec,
        options: pulumi.CustomResourceOptions,
    ) => {
        const object = new k8s.apiextensions.CustomResource(
            resourceName,
            { apiVersion: CERT_MANAGER_API_VERSION, kind, metadata: meta(objectName), spec },
            options,
        );
        created.push(object);
        return object;
    };
    const issuer = (resourceName: string, objectName: string, spec: IssuerSpec, options: pulumi.CustomResourceOptions) =>
        create("Issuer", resourceName, objectName, spec, options);
    const certificate = (resourceName: string, objectName: string, spec: CertificateSpec, options: pulumi.CustomResourceOptions) =>
        create("Certificate", resourceName, objectName, spec, options);

    let issuerRef: IssuerRef;
    let dependsOn: pulumi.Resource[] = [];
    if (args.issuer) {
        issuerRef = { name: args.issuer.name, kind: args.issuer.kind, group: "cert-manager.io" };
    } else {
        const selfSigned = issuer(`${name}-selfsigned-issuer`, SELF_SIGNED_ISSUER, { selfSigned: {} }, opts);
        const ca = certificate(
            `${name}-ca-certificate`,
            MESH_CA,
            {
                secretName: MESH_CA,
                commonName: MESH_CA,
                isCA: true,
                duration: CA_DURATION,
                usages: ["digital signature", "cert sign", "crl sign"],
                privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Never" },
                issuerRef: { name: SELF_SIGNED_ISSUER, kind: "Issuer", group: "cert-manager.io" },
            },
            { ...opts, dependsOn: [selfSigned] },
        );
        const caIssuer = issuer(`${name}-ca-issuer`, MESH_CA, { ca: { secretName: MESH_CA } }, { ...opts, dependsOn: [ca] });
        issuerRef = { name: MESH_CA, kind: "Issuer", group: "cert-manager.io" };
        dependsOn = [caIssuer];
    }
    for (const workload of args.workloads) {
        certificate(
            `${name}-certificate-${workload.name}`,
            workload.name,
            {
                secretName: tlsSecretName(workload.name),
                secretTemplate: { labels: { "app.kubernetes.io/part-of": MESH } },
                commonName: workload.name,
                dnsNames: workload.dnsNames,
                duration: args.duration,
                renewBefore: args.renewBefore,
                // Server and client: every mesh workload serves mTLS and dials the others with the same certificate.
                usages: ["digital signature", "key encipherment", "server auth", "client auth"],
                // A new key on every renewal.
                privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Always" },
                issuerRef,
            },
            { ...opts, dependsOn },
        );
    }
    return created;
}
