// Every stack-config edit the README shows, per example stack, as `pulumi config set|rm`
// arguments: tests/stack-edits.spec.ts writes them like the CLI, the e2e runs them with the CLI.
import { ConfigEdit } from "./cli-config";

const set = (key: string, value: string): ConfigEdit => ({ key, value, path: true });

/** The README's edits ("Editing config", "Agents", "Backups and restores", "Data protection"), per stack. */
export const README_EDITS: Record<string, ConfigEdit[]> = {
    prod: [
        set("registry.replicas", "5"), // up
        set("registry.replicas", "2"), // and down
        set("registry.logLevel", "DEBUG"),
        set("agents[0].replicas", "5"),
        { key: "agents[0].replicas", path: true }, // config rm: an autoscaler decides instead
        set("agents[0].autoscaling.maxReplicas", "10"),
        set("agents[0].autoscaling.minReplicas", "2"),
        set("agents[2].name", "weather"),
        set("agents[2].code", "agents/hello_world.py"),
        set("agents[2].env.MCP_MESH_LOG_LEVEL", "DEBUG"),
        set("agents[0].secretEnv[0]", "OPENAI_API_KEY"),
        { key: "agentSecrets.data-processor.OPENAI_API_KEY", value: "sk-not-a-key", path: true, secret: true },
        set("backup.schedule", "30 3 * * 1-5"),
        set("backup.retention", "30"),
        { key: "protectData", value: "true" }, // top level: the CLI stores the string "true"
    ],
    dev: [
        set("agents[0].replicas", "3"),
        set("agents[0].replicas", "1"),
        set("agents[0].mode", "customResource"),
        set("registry.logLevel", "INFO"),
        { key: "protectData", value: "false" },
        // External PostgreSQL: the database section, and the password encrypted.
        set("database.type", "postgres"),
        set("database.postgres.host", "db.example.com"),
        set("database.postgres.sslmode", "verify-full"),
        { key: "databasePassword", value: "not-a-password", secret: true },
        // SQLite settings do nothing on PostgreSQL (a config error): the edit removes them.
        { key: "registry.storage", path: true },
        set("registry.replicas", "2"),
    ],
};
