// The PrometheusRule with the mesh's alerts: what a Pulumi program imports to alert on a registry and its backups.
export { MeshAlerts, MeshAlertsArgs } from "./alerts";
