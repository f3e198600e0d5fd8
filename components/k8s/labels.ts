// Recommended Kubernetes labels. Selectors use only the immutable subset (name, instance).
import { MESH } from "./names";

export const PART_OF = MESH;

export interface LabelArgs {
    /** app.kubernetes.io/name, e.g. `mcp-mesh-registry` or the agent's name. */
    name: string;
    /** app.kubernetes.io/component, e.g. `registry`, `agent`, `database`, `backup`. */
    component: string;
    /** app.kubernetes.io/instance: the Pulumi stack. */
    instance: string;
    /** app.kubernetes.io/version: the image tag. */
    version?: string;
}

export function selectorLabels(args: Pick<LabelArgs, "name" | "instance">): Record<string, string> {
    return {
        "app.kubernetes.io/name": args.name,
        "app.kubernetes.io/instance": args.instance,
    };
}

export function labels(args: LabelArgs): Record<string, string> {
    return {
        ...selectorLabels(args),
        "app.kubernetes.io/component": args.component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        ...(args.version ? { "app.kubernetes.io/version": args.version } : {}),
    };
}

/** The tag of an image reference (also of `name:tag@sha256:...`), else its digest's start, as a label value. */
export function imageVersion(image: string): string {
    const [reference, digest] = image.split("@");
    const tag = (reference.split("/").pop() ?? "").split(":")[1];
    if (tag) {
        return tag;
    }
    return digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "unknown";
}
