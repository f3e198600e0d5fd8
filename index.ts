// Entry point for `pulumi up`: validate stack config, build the mesh, export outputs.
import { program } from "./components/program";

const outputs = program();

export const namespace = outputs.namespace;
export const registryUrl = outputs.registryUrl;
export const registryService = outputs.registryService;
export const kubectl = outputs.kubectl;
export const agents = outputs.agents;
