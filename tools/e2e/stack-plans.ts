// The stacks the e2e runs (the fixture stacks the tests own, not the user's), and the edits it tries on each.
import * as path from "path";
import { StackPlan } from "./stack-scenario";

export function stackPlans(repoRoot: string): StackPlan[] {
    return [
        {
            stack: "dev",
            stackFile: path.join(repoRoot, "tests", "fixtures", "stacks", "Pulumi.dev.yaml"),
            replicaEdit: { key: "agents[0].replicas", value: "3", field: "spec.replicas" },
            storageEdits: [
                { key: "registry.storage.size", value: "2Gi" },
                { key: "registry.storage.storageClass", value: "e2e-other" },
                { key: "backup.storage.size", value: "2Gi" },
                { key: "backup.storage.storageClass", value: "e2e-other" },
            ],
            secretAgent: { index: 0, name: "hello-world" },
            autoscaledAgent: { index: 1 },
            // Dev runs the day-2 edit table (prod's protectData and three replicas would make it slower, not wiser).
            editTable: { nextAgentIndex: 1 },
            stuckRollout: true,
            refusedEdits: [
                {
                    title: "namespace mcp-mesh-dev → mcp-mesh-e2e-moved (preview, and up --skip-preview)",
                    edits: [{ key: "namespace", value: "mcp-mesh-e2e-moved" }],
                    refused: [{ key: "namespace", was: "mcp-mesh-dev" }],
                    up: true,
                    newNamespace: "mcp-mesh-e2e-moved",
                },
                {
                    title: "database.type sqlite → postgres (provisioned)",
                    // registry.storage is a config error on PostgreSQL: without this the config check, not the guard, refuses.
                    edits: [
                        { key: "registry.storage" },
                        { key: "database.type", value: "postgres" },
                        { key: "database.postgres.mode", value: "provision" },
                    ],
                    refused: [{ key: "database.type", was: "sqlite" }],
                },
            ],
        },
        {
            stack: "prod",
            stackFile: path.join(repoRoot, "tests", "fixtures", "stacks", "Pulumi.prod.yaml"),
            replicaEdit: { key: "registry.replicas", value: "4", field: "spec.replicas" },
            // On PostgreSQL the registry has no claims (registry.storage is a config error there).
            storageEdits: [
                { key: "database.postgres.storage.size", value: "40Gi" },
                { key: "database.postgres.storage.storageClass", value: "e2e-other" },
                { key: "backup.storage.size", value: "60Gi" },
                { key: "backup.storage.storageClass", value: "e2e-other" },
            ],
            secretAgent: { index: 0, name: "data-processor" },
            // Mutual TLS from the program's own CA (Pulumi.prod.yaml).
            tls: true,
            offsiteBackup: { drillDatabase: "mcp_mesh_drill" },
            refusedEdits: [
                {
                    title: "the provisioned PostgreSQL's database.postgres.user and .database",
                    edits: [
                        { key: "database.postgres.user", value: "registry" },
                        { key: "database.postgres.database", value: "mesh" },
                    ],
                    refused: [
                        { key: "database.postgres.user", was: "mcp_mesh" },
                        { key: "database.postgres.database", was: "mcp_mesh_registry" },
                    ],
                },
            ],
        },
    ];
}
