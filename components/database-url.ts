// The registry's PostgreSQL DSN; the password is URL-encoded as the image requires.
import * as pulumi from "@pulumi/pulumi";

export interface PostgresEndpoint {
    host: pulumi.Input<string>;
    port: number;
    database: string;
    user: string;
    sslmode: string;
}

export function postgresUrl(endpoint: PostgresEndpoint, password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([endpoint.host, password])
            .apply(
                ([host, pw]) =>
                    `postgres://${encodeURIComponent(endpoint.user)}:${encodeURIComponent(pw)}@${host}:${endpoint.port}/` +
                    `${encodeURIComponent(endpoint.database)}?sslmode=${endpoint.sslmode}`,
            ),
    );
}
