// The registry's PostgreSQL: an external server's endpoint, or one run in the cluster.
export { Postgres, PostgresArgs } from "./postgres";
