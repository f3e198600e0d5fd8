// Entry point for `pulumi up`: program() (components/program.ts) reads and validates the stack config
// and builds the mesh; this file only exports its outputs.
import { program } from "./components/program";

const outputs = program();

export const namespace = outputs.namespace;
export const registryUrl = outputs.registryUrl;
export const registryService = outputs.registryService;
export const kubectl = outputs.kubectl;
export const agents = outputs.agents;
