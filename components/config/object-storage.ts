// Stack-config schema of `backup.objectStorage`: an S3-compatible bucket each verified backup is
// copied to (and read back from) by rclone, with credentials from a Secret the user creates.
import { z } from "zod";
import { HIDE_VALUE } from "./errors";
import { cidr, dnsSubdomain, pinnedImage, port } from "./k8s-schemas";

/**
 * rclone's official image (alpine: sh, sha256sum, sed, awk) at the release the tests build from
 * the Go module proxy (.ci/object-store-tools.sh reads the tag from this line). Pinned by tag
 * only: no machine here reaches Docker Hub to read the digest, and a digest copied from
 * elsewhere would be one nobody checked; pin `image` by digest from your registry mirror.
 */
export const RCLONE_IMAGE = "rclone/rclone:1.76.0";

/** rclone's s3 `provider` values the program offers: each speaks the S3 API (GCS through its XML/interoperability API). */
export const S3_PROVIDERS = ["AWS", "GCS", "Minio", "Ceph", "Other"] as const;

/** A Kubernetes Secret key (what a secretKeyRef may name). */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, {
    error: "must be a Secret key (letters, digits, '-', '_' and '.')",
});

/** The bucket-name rules S3 and its imitators share: 3-63 lower-case letters, digits, '.', '-'. */
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: "must be a bucket name: 3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit",
});

/** Object-key folders: segments of letters, digits, '.', '_', '-' joined by '/', no '.' or '..' segment. */
export const prefix = z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
        error: "must be folders joined by '/' (letters, digits, '.', '_', '-'; no leading, trailing or double '/')",
    })
    .refine((value) => !value.split("/").some((segment) => segment === "." || segment === ".."), {
        error: "must not contain a '.' or '..' folder",
    });

/** Why `value` cannot be the S3 endpoint, or undefined. Credentials never go in a URL. */
export function endpointProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "must be an http:// or https:// URL (e.g. https://s3.eu-central-1.amazonaws.com)";
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
        return "must be an http:// or https:// URL (e.g. https://s3.eu-central-1.amazonaws.com)";
    }
    if (url.username || url.password) {
        return "must not hold credentials: put them in the Secret credentials.secretName names";
    }
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
        return "must be the server's base URL only (no path, query or fragment): the bucket and prefix are their own keys";
    }
    return undefined;
}

function hasUserInfo(value: string): boolean {
    return /^[^/]*\/\/[^/]*@/.test(value);
}

/** The port the endpoint's URL names, else its scheme's (443 for https, 80 for http). */
export function endpointPort(endpoint: string | undefined): number {
    if (!endpoint) return 443;
    const url = new URL(endpoint);
    return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
}

export const objectStorageSchema = z
    .strictObject({
        /** The S3 API flavour (rclone's s3 `provider`). Default: Other. */
        provider: z.enum(S3_PROVIDERS).default("Other"),
        /** Base URL of the S3 API, e.g. https://minio.example:9000. Required unless provider is AWS (then the region's endpoint). */
        endpoint: z
            .string()
            .superRefine((value, ctx) => {
                const problem = endpointProblem(value);
                // An endpoint with user:password@ would print them in the message: never.
                if (problem) ctx.addIssue({ code: "custom", message: problem, params: { [HIDE_VALUE]: hasUserInfo(value) } });
            })
            .optional(),
        /** The bucket; it must exist: the backup never creates one. */
        bucket,
        /** Folder in the bucket that holds this stack's backups. Default: mcp-mesh/<instance>, so stacks sharing a bucket never prune each other's. */
        prefix: prefix.optional(),
        /** Signing region. Default: us-east-1 (what most S3-compatible servers expect). */
        region: z
            .string()
            .regex(/^[a-z0-9-]{1,64}$/, { error: "must be a region name such as eu-central-1 (lower-case letters, digits, '-')" })
            .default("us-east-1"),
        /** Path-style addressing (endpoint/bucket/key) rather than virtual-hosted (bucket.endpoint/key): MinIO and Ceph need it. Default: true. */
        pathStyle: z.boolean().default(true),
        /** Server-side encryption of every object: none, AES256 (SSE-S3) or aws:kms (SSE-KMS, with kmsKeyId). Default: none. */
        serverSideEncryption: z.enum(["none", "AES256", "aws:kms"]).default("none"),
        /** The KMS key (id, ARN or alias) for serverSideEncryption aws:kms. Default: none. */
        kmsKeyId: z
            .string()
            .regex(/^[A-Za-z0-9:/_.-]{1,2048}$/, { error: "must be a KMS key id, ARN or alias (letters, digits, ':', '/', '_', '.', '-')" })
            .optional(),
        /** The Secret (created by you in the namespace) holding the access key pair, and its keys. */
        credentials: z.strictObject({
            secretName: dnsSubdomain,
            accessKeyIdKey: secretKey.default("AWS_ACCESS_KEY_ID"),
            secretAccessKeyKey: secretKey.default("AWS_SECRET_ACCESS_KEY"),
        }),
        /** Verified remote backups to keep; the newest is never deleted. Default: backup.retention. */
        retention: z.number().int().min(1).max(3650).optional(),
        /** What the backup pod may reach: the endpoint's port (default: the URL's, else 443/80) and, optionally, its address blocks (default: every address). */
        egress: z.strictObject({ port: port.optional(), cidrs: z.array(cidr).default([]) }).prefault({}),
        /** The image that uploads (rclone, with sh and sha256sum). Default: RCLONE_IMAGE. */
        image: pinnedImage.default(RCLONE_IMAGE),
    })
    .superRefine((store, ctx) => {
        if (!store.endpoint && store.provider !== "AWS") {
            ctx.addIssue({
                code: "custom",
                path: ["endpoint"],
                input: undefined,
                message: `is required unless provider is AWS (provider is ${store.provider})`,
            });
        }
        if (store.serverSideEncryption === "aws:kms" && !store.kmsKeyId) {
            ctx.addIssue({
                code: "custom",
                path: ["kmsKeyId"],
                input: undefined,
                message: "is required with serverSideEncryption aws:kms",
            });
        }
        if (store.serverSideEncryption !== "aws:kms" && store.kmsKeyId) {
            ctx.addIssue({
                code: "custom",
                path: ["kmsKeyId"],
                input: store.kmsKeyId,
                message: `applies only with serverSideEncryption aws:kms (it is ${store.serverSideEncryption})`,
            });
        }
    });

export type ObjectStorageConfig = z.output<typeof objectStorageSchema>;
