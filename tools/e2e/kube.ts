// kubectl against the e2e cluster (or the user's), returning parsed objects.
import { run } from "./processes";
import { fail } from "./report";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        uid?: string;
        generation?: number;
        resourceVersion?: string;
    };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
    data?: Record<string, string>;
    [field: string]: unknown;
}

export interface KubeEvent {
    reason?: string;
    message?: string;
    type?: string;
    involvedObject?: { kind?: string; name?: string };
}

/** A kubectl List; its items are what the server returned for the kinds asked for. */
function isList<Item>(value: unknown): value is { items: Item[] } {
    return typeof value === "object" && value !== null && "items" in value && Array.isArray(value.items);
}

export class Kubectl {
    constructor(
        private readonly binary: string,
        private readonly kubeconfig: string,
        private readonly context: string,
    ) {}

    exec(args: string[], input?: string) {
        return run(this.binary, ["--kubeconfig", this.kubeconfig, "--context", this.context, ...args], { input });
    }

    /** Every object of the given kinds (comma-separated, as kubectl takes them). */
    list(kinds: string, namespace?: string): KubeObject[] {
        const scope = namespace ? ["-n", namespace] : ["--all-namespaces"];
        const result = this.exec(["get", kinds, ...scope, "-o", "json"]);
        if (result.status !== 0) {
            fail(`kubectl get ${kinds} failed: ${result.stderr.trim()}`);
        }
        const parsed: unknown = JSON.parse(result.stdout);
        return isList<KubeObject>(parsed) ? parsed.items : [];
    }

    /** One object, or undefined when it does not exist. */
    get(kind: string, name: string, namespace?: string): KubeObject | undefined {
        const result = this.exec(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json", "--ignore-not-found"]);
        if (result.status !== 0) {
            fail(`kubectl get ${kind} ${name} failed: ${result.stderr.trim()}`);
        }
        const text = result.stdout.trim();
        if (!text) return undefined;
        const parsed: unknown = JSON.parse(text);
        return isKubeObject(parsed) ? parsed : undefined;
    }

    events(namespace: string): KubeEvent[] {
        const result = this.exec(["get", "events", "-n", namespace, "-o", "json"]);
        if (result.status !== 0) return [];
        const parsed: unknown = JSON.parse(result.stdout);
        return isList<KubeEvent>(parsed) ? parsed.items : [];
    }

    namespaceExists(namespace: string): boolean {
        return this.get("namespace", namespace) !== undefined;
    }
}

export function isKubeObject(value: unknown): value is KubeObject {
    return typeof value === "object" && value !== null && "kind" in value && "metadata" in value;
}

/**
 * A pod-creation refusal (PodSecurity admission, quota, invalid spec) that a controller
 * reports as a FailedCreate event: Pulumi would wait minutes for pods that never come.
 */
export function podCreationRefusal(kubectl: Kubectl, namespace: string): string | undefined {
    const refused = kubectl.events(namespace).find((event) => event.reason === "FailedCreate");
    return refused ? `${refused.involvedObject?.kind} ${refused.involvedObject?.name}: ${refused.message}` : undefined;
}
