// The baseline: a program that registers `count` bare Kubernetes resources with the Pulumi SDK.
import * as k8s from "@pulumi/kubernetes";
import { evaluate } from "./counting-mocks";

export function evaluateBaseline(count: number): Promise<number> {
    return evaluate("baseline", {}, [], () => {
        for (let i = 0; i < count; i++) {
            new k8s.core.v1.ConfigMap(`baseline-${i}`, { metadata: { name: `baseline-${i}` }, data: { index: String(i) } });
        }
        return {};
    });
}
