// The stack config's `network` section.
import { z } from "zod";
import { dnsLabel, port } from "./k8s-schemas";

export const networkSchema = z.strictObject({
    /** The cluster DNS every pod may reach (the namespace default-denies all other egress). */
    dns: z
        .strictObject({
            namespace: dnsLabel.default("kube-system"),
            podLabels: z.record(z.string(), z.string()).default({ "k8s-app": "kube-dns" }),
            port: port.default(53),
        })
        .prefault({}),
});
