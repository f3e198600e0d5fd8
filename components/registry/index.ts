// The registry: what a Pulumi program imports to run one on its own.
export { Registry, RegistryArgs, registryConfig } from "./registry";
