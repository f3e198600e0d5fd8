// Short names for the Kubernetes input types the components build (typed object literals).
import * as k8s from "@pulumi/kubernetes";

export type Affinity = k8s.types.input.core.v1.Affinity;
export type Container = k8s.types.input.core.v1.Container;
export type DeploymentStrategy = k8s.types.input.apps.v1.DeploymentStrategy;
export type EnvVar = k8s.types.input.core.v1.EnvVar;
export type LabelSelector = k8s.types.input.meta.v1.LabelSelector;
export type LocalObjectReference = k8s.types.input.core.v1.LocalObjectReference;
export type NetworkPolicyEgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
export type NetworkPolicyIngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
export type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
export type PersistentVolumeClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;
export type PodDisruptionBudgetSpec = k8s.types.input.policy.v1.PodDisruptionBudgetSpec;
export type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
export type Probe = k8s.types.input.core.v1.Probe;
export type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;
export type Schema = k8s.types.input.apiextensions.v1.JSONSchemaProps;
export type SecurityContext = k8s.types.input.core.v1.SecurityContext;
export type Toleration = k8s.types.input.core.v1.Toleration;
export type TopologySpreadConstraint = k8s.types.input.core.v1.TopologySpreadConstraint;
export type Volume = k8s.types.input.core.v1.Volume;
export type VolumeMount = k8s.types.input.core.v1.VolumeMount;
