// The stack config's `storage` section: the shared volumes agents can mount.
import { z } from "zod";
import { dnsSubdomain, quantity } from "./k8s-schemas";

export const accessMode = z.enum(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]);
/** Access modes that let pods of one node only use a claim. */
export const SINGLE_NODE_MODES: readonly string[] = ["ReadWriteOnce", "ReadWriteOncePod"];

/** The shared volumes of `storage`, and the keys agents list in `sharedStorage`. */
export const SHARED_VOLUMES = ["workspace", "sharedCache", "logs"] as const;
export type SharedVolume = (typeof SHARED_VOLUMES)[number];

const sharedClaim = (size: string) =>
    z.strictObject({
        size: quantity.default(size),
        storageClass: dnsSubdomain.optional(),
        /** Shared by several pods on several nodes: ReadWriteMany unless you know better. */
        accessMode: accessMode.default("ReadWriteMany"),
    });

/** The seed's shared volumes, each an optional PersistentVolumeClaim agents can mount. */
export const sharedStorageSchema = z.strictObject({
    workspace: sharedClaim("10Gi").optional(),
    sharedCache: sharedClaim("5Gi").optional(),
    logs: sharedClaim("5Gi").optional(),
});

export type SharedStorageConfig = z.output<typeof sharedStorageSchema>;
