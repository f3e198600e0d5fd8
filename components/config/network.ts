// The stack config's `network` section.
import { z } from "zod";
import { cidr, dnsLabel, port } from "./k8s-schemas";

export const networkSchema = z.strictObject({
    /** The cluster DNS every pod may reach (the namespace default-denies all other egress). */
    dns: z
        .strictObject({
            namespace: dnsLabel.default("kube-system"),
            podLabels: z.record(z.string(), z.string()).default({ "k8s-app": "kube-dns" }),
            port: port.default(53),
            /**
             * A node-local DNS address the pods query instead of (or before) the DNS pods, e.g.
             * NodeLocal DNSCache's 169.254.20.10/32: allowed too, on the same port. Default: none.
             */
            ipBlock: cidr.optional(),
        })
        .prefault({}),
});
