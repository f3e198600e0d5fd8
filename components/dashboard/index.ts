// The dashboard: what a Pulumi program imports to run one on its own.
export { Dashboard, DashboardArgs, dashboardConfig } from "./dashboard";
