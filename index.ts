// Entry point for `pulumi up`: program() (components/program.ts) reads and validates the stack config
// and builds the mesh; this file warns when a preview cannot see the cluster, and exports the outputs.
import * as pulumi from "@pulumi/pulumi";
import { program } from "./components/program";
import { clusterProblem } from "./components/k8s/cluster-reachability";

const outputs = program();

if (pulumi.runtime.isDryRun()) {
    const kubernetes = new pulumi.Config("kubernetes");
    const problem = clusterProblem({ kubeconfig: kubernetes.get("kubeconfig"), context: kubernetes.get("context") });
    if (problem) {
        void pulumi.log.warn(
            `THIS PREVIEW DID NOT SEE THE CLUSTER: ${problem}. It shows the plan against an empty cluster, not the ` +
                "change to the live one; fix the kubeconfig or kubernetes:context and preview again (pulumi up would fail).",
        );
    }
}

export const namespace = outputs.namespace;
export const registryUrl = outputs.registryUrl;
export const registryService = outputs.registryService;
export const kubectl = outputs.kubectl;
export const agents = outputs.agents;
export const dashboard = outputs.dashboard;
