// Recommended Kubernetes labels. Selectors use only the immutable subset (name, instance).
export const PART_OF = "mcp-mesh";

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

/** The tag (or digest) of an image reference, as a label value. */
export function imageVersion(image: string): string {
    const digest = image.split("@")[1];
    if (digest) {
        return digest.replace(/^sha256:/, "").slice(0, 12);
    }
    return (image.split("/").pop() ?? "").split(":")[1] ?? "unknown";
}
