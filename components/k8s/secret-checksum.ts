// A pod-template annotation that changes when a Secret's values change, so the pods roll,
// without publishing anything about the values: an HMAC keyed by a random key kept in state.
// It is marked non-secret on purpose: a secret annotation would hide the whole pod spec in previews.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHmac } from "crypto";

export function secretChecksum(
    keyName: string,
    values: Record<string, pulumi.Input<string>>,
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
    const key = new random.RandomPassword(keyName, { length: 32, special: false }, opts).result;
    const names = Object.keys(values).sort();
    return pulumi.unsecret(
        pulumi.all([key, ...names.map((name) => values[name])]).apply(([hmacKey, ...secrets]) =>
            createHmac("sha256", hmacKey)
                .update(JSON.stringify(names.map((n, i) => [n, secrets[i]])))
                .digest("hex"),
        ),
    );
}
