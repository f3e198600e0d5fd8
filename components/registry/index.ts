// The registry: what a Pulumi program imports to run one on its own.
export { Registry, RegistryArgs, registryConfig } from "./registry";
export { meshProvider, MUTABLE_CONFIG_SETTINGS } from "../k8s/provider-settings";
