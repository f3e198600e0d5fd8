// The stack config's `database` section: SQLite in the registry's volume, or PostgreSQL
// (an external server, or one the program provisions).
import { z } from "zod";
import { dnsSubdomain, pinnedImage, port, quantity, withDefaultResources } from "./k8s-schemas";

export const POSTGRES_IMAGE = "postgres:17.2";

const postgresSchema = z
    .strictObject({
        /** `external`: connect to an existing server; `provision`: run one in the cluster. */
        mode: z.enum(["external", "provision"]).default("external"),
        host: z.string().min(1).optional(),
        port: port.default(5432),
        database: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, { error: "must be a lower-case SQL identifier" })
            .default("mcp_mesh_registry"),
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, { error: "must be a lower-case SQL identifier" })
            .default("mcp_mesh"),
        /**
         * Default: `require` for external servers; for the in-cluster one `verify-full` with
         * tls.enabled (it then serves TLS with a mesh certificate), else `disable`.
         */
        sslmode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]).optional(),
        /** External servers: the Secret (and key) holding the CA that signed the server's certificate (verify-ca, verify-full). */
        sslRootCert: z
            .strictObject({
                secretName: dnsSubdomain,
                key: z
                    .string()
                    .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key (letters, digits, '-', '_', '.')" })
                    .default("ca.crt"),
            })
            .optional(),
        image: pinnedImage.default(POSTGRES_IMAGE),
        resources: withDefaultResources({
            requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "256Mi" },
            limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "1Gi" },
        }),
        storage: z.strictObject({ size: quantity.default("10Gi"), storageClass: dnsSubdomain.optional() }).prefault({}),
    })
    .transform((pg) => ({ ...pg, sslmode: pg.sslmode ?? (pg.mode === "external" ? "require" : "disable") }));

export const databaseSchema = z.strictObject({
    type: z.enum(["sqlite", "postgres"]).default("sqlite"),
    postgres: postgresSchema.prefault({}),
});

export type PostgresConfig = z.output<typeof postgresSchema>;
