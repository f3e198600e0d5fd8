// Content checksums for pod-template annotations (`checksum/*`): a change of what the pods read
// at start changes the annotation, so the pods roll. Not for secret values (see secret-checksum.ts).
import { createHash } from "crypto";

export function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/** A checksum of a ConfigMap's data, independent of key order. */
export function checksum(data: Record<string, string>): string {
    return sha256(
        JSON.stringify(
            Object.keys(data)
                .sort()
                .map((key) => [key, data[key]]),
        ),
    );
}
