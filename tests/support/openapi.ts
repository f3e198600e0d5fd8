// Validates rendered objects against the Kubernetes OpenAPI schema (kubernetes-models).
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { K8sObject } from "./render";

interface Model {
    validate(): void;
}
type ModelClass<T> = new (data: T) => Model;

function validator<T>(model: ModelClass<T>): (object: K8sObject) => void {
    // The rendered object is exactly the model's data shape; validate() checks it.
    return (object) => new model(object as unknown as T).validate();
}

const VALIDATORS: Record<string, (object: K8sObject) => void> = {
    "v1/Namespace": validator(Namespace),
    "v1/ServiceAccount": validator(ServiceAccount),
    "v1/ConfigMap": validator(ConfigMap),
    "v1/Secret": validator(Secret),
    "v1/Service": validator(Service),
    "v1/PersistentVolumeClaim": validator(PersistentVolumeClaim),
    "apps/v1/StatefulSet": validator(StatefulSet),
    "apps/v1/Deployment": validator(Deployment),
    "batch/v1/CronJob": validator(CronJob),
    "batch/v1/Job": validator(Job),
    "rbac.authorization.k8s.io/v1/Role": validator(Role),
    "rbac.authorization.k8s.io/v1/RoleBinding": validator(RoleBinding),
    "networking.k8s.io/v1/NetworkPolicy": validator(NetworkPolicy),
    "policy/v1/PodDisruptionBudget": validator(PodDisruptionBudget),
    "autoscaling/v2/HorizontalPodAutoscaler": validator(HorizontalPodAutoscaler),
    "apiextensions.k8s.io/v1/CustomResourceDefinition": validator(CustomResourceDefinition),
};

/** Custom resources whose schema is not in the Kubernetes OpenAPI document. */
export const CUSTOM_KINDS = new Set([
    "mesh.mcp.io/v1alpha1/MCPAgent",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
]);

export function openApiValidator(object: K8sObject): ((object: K8sObject) => void) | undefined {
    return VALIDATORS[`${object.apiVersion}/${object.kind}`];
}
