// The kubernetes provider settings the components rely on, carried by each component: Registry,
// Agent and Backup keep fixed-name ConfigMaps and Secrets (pods and people address them by name)
// and edit them in place, which the provider does only with `enableConfigMapMutable` and
// `enableSecretMutable`. Without them every edit replaces the object, deleting it first (its name
// is fixed), and pods starting in that gap fail. So each component checks, when it is built, the
// provider it will use, and refuses one it knows lacks them, naming the fix.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** What the components need from the kubernetes provider. */
export const MUTABLE_CONFIG_SETTINGS = { enableConfigMapMutable: true, enableSecretMutable: true } as const;
const SETTINGS = ["enableConfigMapMutable", "enableSecretMutable"] as const;

const ENV_OVERRIDES: Record<(typeof SETTINGS)[number], string> = {
    enableConfigMapMutable: "PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE",
    enableSecretMutable: "PULUMI_K8S_ENABLE_SECRET_MUTABLE",
};

const meshProviders = new WeakSet<pulumi.ProviderResource>();

/**
 * An explicit kubernetes provider with the settings the components need (for a program that
 * deploys them through its own provider: another cluster, a kubeconfig of its own).
 */
export function meshProvider(name: string, args: k8s.ProviderArgs = {}, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    const provider = new k8s.Provider(name, { ...args, ...MUTABLE_CONFIG_SETTINGS }, opts);
    meshProviders.add(provider);
    return provider;
}

/** Settings of the default provider (stack config `kubernetes:<key>`, else its environment variable) that are not on. */
function defaultProviderGaps(): string[] {
    const config = new pulumi.Config("kubernetes");
    return SETTINGS.filter((key) => !(config.getBoolean(key) ?? process.env[ENV_OVERRIDES[key]] === "true"));
}

/**
 * Checks the kubernetes provider `component` will use (its own, or its parent's, or the
 * default one). The default provider must have the settings in stack config, else a RunError
 * (one line, no stack trace) names them and the fix; a provider from `meshProvider` has them; any
 * other explicit provider cannot be inspected, so a warning says what it must set.
 */
export function requireMutableConfig(component: pulumi.Resource, description: string): void {
    const provider = component.getProvider("kubernetes:core/v1:ConfigMap");
    if (provider === undefined) {
        const gaps = defaultProviderGaps();
        if (gaps.length > 0) {
            throw new pulumi.RunError(
                `${description}: the kubernetes provider must update ConfigMaps and Secrets in place; set ` +
                    `${gaps.map((key) => `kubernetes:${key}: true`).join(" and ")} in Pulumi.yaml's config (or the stack's), or ` +
                    "pass a provider from meshProvider(); otherwise every edit replaces its fixed-name ConfigMaps and Secrets, " +
                    "deleting them first, and pods starting in between fail",
            );
        }
    } else if (!meshProviders.has(provider)) {
        void pulumi.log.warn(
            `${description}: uses an explicit kubernetes provider; it must set enableConfigMapMutable and ` +
                "enableSecretMutable (meshProvider() does), or edits replace fixed-name ConfigMaps and Secrets delete-first",
            component,
        );
    }
}
