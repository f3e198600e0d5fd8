// How the registry and the backup job reach PostgreSQL without a password in a log line, an
// environment dump or an argv: a DSN without the password (the registry logs its DSN) plus
// PGPASSWORD from a Secret, and a libpq service file (mounted from a Secret) for pg_dump.
export interface PostgresEndpoint {
    host: string;
    port: number;
    database: string;
    user: string;
    sslmode: string;
    /**
     * Path of the CA file (mounted) the client verifies the server's certificate against
     * (verify-ca, verify-full): given as PGSSLROOTCERT, which lib/pq (registry) and libpq (backup) both read.
     */
    sslRootCert?: string;
}

/** Where the registry and the backup job mount the CA that signed the server's certificate. */
export const POSTGRES_CA_DIR = "/etc/mcp-mesh/postgres-ca";
export const POSTGRES_CA_FILE = `${POSTGRES_CA_DIR}/ca.crt`;

/** The volume holding that CA: `key` of `secretName`, as ca.crt. */
export interface PostgresCa {
    secretName: string;
    key: string;
}

/** The registry's DATABASE_URL: no password (lib/pq reads it from PGPASSWORD). */
export function postgresDsn(endpoint: PostgresEndpoint): string {
    return (
        `postgres://${encodeURIComponent(endpoint.user)}@${endpoint.host}:${endpoint.port}/` +
        `${encodeURIComponent(endpoint.database)}?sslmode=${endpoint.sslmode}`
    );
}

/** The libpq service name the backup and restore scripts connect with (PGSERVICE). */
export const PG_SERVICE = "registry";

/** A libpq connection service file (pg_service.conf) holding one service, password included. */
export function pgServiceFile(endpoint: PostgresEndpoint, password: string): string {
    return [
        `[${PG_SERVICE}]`,
        `host=${endpoint.host}`,
        `port=${endpoint.port}`,
        `dbname=${endpoint.database}`,
        `user=${endpoint.user}`,
        `sslmode=${endpoint.sslmode}`,
        `password=${password.replace(/[\r\n]/g, "")}`,
        "",
    ].join("\n");
}
