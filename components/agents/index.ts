// Agents: what a Pulumi program imports to run one on its own (or the MCPAgent CRD).
export { Agent, AgentArgs, agentConfig } from "./agent";
export { mcpAgentCrd } from "./crd";
export { SharedStorage, SharedStorageArgs } from "./shared-storage";
export { meshProvider, MUTABLE_CONFIG_SETTINGS } from "../k8s/provider-settings";
