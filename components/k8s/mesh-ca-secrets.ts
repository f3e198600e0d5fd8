// tls.source=pulumi: the mesh CA, a certificate per mesh workload, and each workload's Secret
// `<workload>-tls` in the layout cert-manager writes (tls.crt, tls.key, ca.crt), which the pods mount.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { labels } from "./labels";
import { MeshCa, MeshCertificate } from "./mesh-ca-resources";
import { MESH_CA, tlsSecretName } from "./names";

/** The mesh CA lives long: a new one reissues every workload certificate at once. */
const CA_VALIDITY_HOURS = 87_600;
const CA_RENEW_BEFORE_HOURS = 8_760;

export interface ProgramCertificatesArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /** Each workload (object name of its Service) and the DNS names its clients dial. */
    workloads: { name: string; dnsNames: string[] }[];
    /** Lifetime of the workload certificates, and how long before expiry `pulumi up` renews them. */
    validityHours: number;
    renewBeforeHours: number;
}

/** Per workload: a fingerprint of its current certificate (public), for a pod-template annotation that rolls the pods on renewal. */
export type CertificateFingerprints = Map<string, pulumi.Output<string>>;

export function programCertificates(
    name: string,
    args: ProgramCertificatesArgs,
    opts: pulumi.CustomResourceOptions,
): CertificateFingerprints {
    const ca = new MeshCa(
        `${name}-ca`,
        { commonName: MESH_CA, validityHours: CA_VALIDITY_HOURS, renewBeforeHours: CA_RENEW_BEFORE_HOURS },
        opts,
    );
    const fingerprints: CertificateFingerprints = new Map();
    for (const workload of args.workloads) {
        const certificate = new MeshCertificate(
            `${name}-certificate-${workload.name}`,
            {
                ca,
                commonName: workload.name,
                dnsNames: workload.dnsNames,
                validityHours: args.validityHours,
                renewBeforeHours: args.renewBeforeHours,
            },
            opts,
        );
        const secretName = tlsSecretName(workload.name);
        const secret = new k8s.core.v1.Secret(
            `${name}-tls-${workload.name}`,
            {
                metadata: {
                    name: secretName,
                    namespace: args.namespace,
                    labels: labels({ name: secretName, component: "tls", instance: args.instance }),
                },
                type: "kubernetes.io/tls",
                // Secret whatever the engine does with additionalSecretOutputs (mocks, other engines).
                stringData: { "tls.crt": certificate.certPem, "tls.key": pulumi.secret(certificate.keyPem), "ca.crt": ca.certPem },
            },
            opts,
        );
        // Taken through the Secret, so the pods roll only after it holds the new certificate.
        const fingerprint = pulumi
            .all([secret.metadata.name, certificate.certPem, ca.certPem])
            .apply(([, cert, caCert]) => createHash("sha256").update(cert).update(caCert).digest("hex"));
        fingerprints.set(workload.name, pulumi.unsecret(fingerprint));
    }
    return fingerprints;
}
