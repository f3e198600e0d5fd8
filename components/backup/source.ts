// What a backup copies, shared by the backup CronJob and the restore drill.
import { PostgresCa } from "../data/database-url";

/**
 * What the backup copies: registry pod 0's SQLite file (with sqlite3 from `image`), or a
 * PostgreSQL database (with pg_dump from `image`).
 */
export type BackupSource =
    | { type: "sqlite"; image: string }
    | {
          type: "postgres";
          image: string;
          host: string;
          database: string;
          /** The CA the service file's sslrootcert names (verify-ca/verify-full), mounted like the registry's. Default: none. */
          ca?: PostgresCa;
      };
