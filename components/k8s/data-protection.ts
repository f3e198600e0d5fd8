// What keeps data through mistakes, decided in one place: objects that hold data are always
// retained when they leave the program (or the stack is destroyed), and protected where the
// stack says so; a claim's immutable fields never turn a config edit into a delete-first replace.
import * as pulumi from "@pulumi/pulumi";

/**
 * Options for an object that holds data (a claim, the namespace that holds the claims, the
 * CRD that holds every MCPAgent): `retainOnDelete` always, `protect` with `protectData`.
 */
export function dataOptions(parent: pulumi.Resource, protectData: boolean): pulumi.CustomResourceOptions {
    return { parent, retainOnDelete: true, ...(protectData ? { protect: true } : {}) };
}

/**
 * PersistentVolumeClaim fields the API server refuses to change: the kubernetes provider
 * replaces the claim (deleting it first, since its name is fixed) when any of them changes.
 * They are ignored after creation; the `mcp-mesh.io/requested-*` annotations show the edit in
 * preview, and the README's storage runbook says how to move data to a claim that has them.
 * The size (`spec.resources.requests.storage`) stays live: growing it is an in-place update.
 */
export const CLAIM_IMMUTABLE_FIELDS = [
    "spec.accessModes",
    "spec.storageClassName",
    "spec.selector",
    "spec.volumeName",
    "spec.volumeMode",
    "spec.dataSource",
    "spec.dataSourceRef",
];

export interface RequestedStorage {
    size: string;
    storageClass?: string;
    accessMode?: string;
}

/** Annotations that make every storage edit visible in preview, even where the field is ignored. */
export function requestedStorageAnnotations(storage: RequestedStorage): Record<string, string> {
    return {
        "mcp-mesh.io/requested-storage": storage.size,
        "mcp-mesh.io/requested-storage-class": storage.storageClass ?? "(cluster default)",
        ...(storage.accessMode ? { "mcp-mesh.io/requested-access-mode": storage.accessMode } : {}),
    };
}

/** Options for a standalone claim: data options plus the immutable fields ignored. */
export function claimOptions(parent: pulumi.Resource, protectData: boolean): pulumi.CustomResourceOptions {
    return { ...dataOptions(parent, protectData), ignoreChanges: CLAIM_IMMUTABLE_FIELDS };
}
