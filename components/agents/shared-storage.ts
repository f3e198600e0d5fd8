// The seed's shared agent volumes (`storage.workspace`, `storage.sharedCache`, `storage.logs`):
// one PersistentVolumeClaim each, for agents that list them in `sharedStorage`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SHARED_VOLUMES, SharedStorageConfig, SharedVolume } from "../config/storage";
import { SHARED_VOLUME_CLAIMS } from "./spec";
import { claimSpec } from "../k8s/builders";
import { labels } from "../k8s/labels";
import { claimOptions, requestedStorageAnnotations } from "../k8s/data-protection";

export interface SharedStorageArgs {
    /** The validated `storage` section; a claim per key that is set. */
    storage: SharedStorageConfig;
    /** Namespace to create the claims in. */
    namespace: pulumi.Input<string>;
    /** Value of app.kubernetes.io/instance; McpMesh passes the stack name. */
    instance: string;
    /** Protect and retain the claims (`protectData`). Default: false. */
    protectData?: boolean;
}

export class SharedStorage extends pulumi.ComponentResource {
    /** Claim name per shared volume the stack defines. */
    public readonly claims: Partial<Record<SharedVolume, pulumi.Output<string>>>;

    constructor(name: string, args: SharedStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp-mesh:index:SharedStorage", name, {}, opts);
        const claims: Partial<Record<SharedVolume, pulumi.Output<string>>> = {};
        for (const volume of SHARED_VOLUMES) {
            const spec = args.storage[volume];
            if (!spec) {
                continue;
            }
            const claimName = SHARED_VOLUME_CLAIMS[volume].claim;
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-${volume}`,
                {
                    metadata: {
                        name: claimName,
                        namespace: args.namespace,
                        labels: labels({ name: claimName, component: "storage", instance: args.instance }),
                        annotations: requestedStorageAnnotations(spec),
                    },
                    spec: claimSpec(spec),
                },
                claimOptions(this, args.protectData ?? false),
            );
            claims[volume] = claim.metadata.name;
        }
        this.claims = claims;
        this.registerOutputs({ claims: this.claims });
    }
}
