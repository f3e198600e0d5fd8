// The policies of the pack, built on rules.ts.
import { ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as rules from "./rules";

type Check = (object: rules.KubeObject) => string[];

function report(problems: string[], reportViolation: ReportViolation): void {
    for (const problem of problems) reportViolation(problem);
}

function resourcePolicy(name: string, description: string, check: Check): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.type.startsWith("kubernetes:")) report(check(args.props), reportViolation);
        },
    };
}

function stackPolicy(name: string, description: string, check: (objects: rules.KubeObject[]) => string[]): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            report(check(args.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.props)), reportViolation);
        },
    };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    resourcePolicy(
        "pod-security-restricted",
        "Every pod meets Pod Security Standards 'restricted', init containers included.",
        rules.podSecurityViolations,
    ),
    resourcePolicy("requests-and-limits", "Every container sets cpu and memory requests and limits.", rules.resourceLimitViolations),
    resourcePolicy("pinned-images", "No image uses :latest or omits its tag.", rules.imageTagViolations),
    resourcePolicy("no-plain-credentials", "No credentials in ConfigMaps or plain environment values.", rules.credentialViolations),
    stackPolicy(
        "pdb-for-multi-replica",
        "Every workload with more than one replica has a PodDisruptionBudget.",
        rules.disruptionBudgetViolations,
    ),
    stackPolicy(
        "network-policy-coverage",
        "Every pod is selected by a NetworkPolicy, and its egress is restricted by one.",
        rules.networkPolicyViolations,
    ),
];
