// The backup CronJob, its claim and scripts: what a Pulumi program imports to back up a registry.
export { Backup, BackupArgs } from "./backup";
export { meshProvider, MUTABLE_CONFIG_SETTINGS } from "../k8s/provider-settings";
