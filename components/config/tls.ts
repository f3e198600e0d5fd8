// The stack config's `tls` section: one switch that makes every mesh connection mutual TLS
// (agents → registry, agent → agent; registry and backup → the provisioned PostgreSQL), and
// where the certificates come from.
import { z } from "zod";
import { dnsSubdomain } from "./k8s-schemas";

/** A Go duration as cert-manager takes it, in hours or minutes (`2160h`, `90m`). */
const duration = z.string().regex(/^[1-9]\d*[hm]$/, { error: "must be a duration in hours or minutes, such as 2160h or 90m" });

export const TLS_SOURCES = ["pulumi", "cert-manager", "secrets"] as const;

export const tlsSchema = z
    .strictObject({
        /** Mutual TLS for every connection in the mesh; the registry admits only holders of a mesh certificate. */
        enabled: z.boolean().default(false),
        /**
         * `pulumi`: the program's own CA, its keys secret in Pulumi state, renewed by `pulumi up`;
         * `cert-manager`: the program creates cert-manager Certificates (against `issuer`, or a
         * self-signed CA of its own in the namespace); `secrets`: you create the Secrets (README, "TLS").
         */
        source: z.enum(TLS_SOURCES).default("pulumi"),
        /** cert-manager only: an existing CA-type issuer (it must fill `ca.crt`); none: SelfSigned → CA Certificate → CA Issuer. */
        issuer: z
            .strictObject({
                name: dnsSubdomain,
                kind: z.enum(["Issuer", "ClusterIssuer"]).default("Issuer"),
            })
            .optional(),
        /** Lifetime of the workload certificates, and how long before expiry they renew (cert-manager; or the first `pulumi up` in that window). */
        duration: duration.default("2160h"),
        renewBefore: duration.default("720h"),
    })
    .superRefine((tls, ctx) => {
        if (tls.source !== "cert-manager") {
            for (const key of ["issuer"] as const) {
                if (tls[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        input: tls[key],
                        message: `only used with tls.source=cert-manager (got source ${tls.source}); remove it`,
                    });
                }
            }
        }
        if (hours(tls.renewBefore) >= hours(tls.duration)) {
            ctx.addIssue({
                code: "custom",
                path: ["renewBefore"],
                input: tls.renewBefore,
                message: `must be shorter than tls.duration (${tls.duration})`,
            });
        }
    });

export type TlsConfig = z.output<typeof tlsSchema>;

/** A duration setting in hours. */
export function hours(value: string): number {
    const amount = Number(value.slice(0, -1));
    return value.endsWith("h") ? amount : amount / 60;
}
