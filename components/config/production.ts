// Production stacks must run mutual TLS: a stack named prod or production, alone or as a
// prefix (`prod-eu`, `production-2`), is refused with tls.enabled false. By the stack's name,
// not a setting, so that no production stack can leave it out by omission.
import { TlsConfig } from "./tls";

export const PRODUCTION_STACK = /^(prod|production)(-.+)?$/;

/** `tls`: the stack's valid tls section, if it is valid. */
export function productionProblems(tls: TlsConfig | undefined, stack: string | undefined): string[] {
    if (stack === undefined || !PRODUCTION_STACK.test(stack) || tls === undefined || tls.enabled) {
        return [];
    }
    return [
        `tls.enabled: got false; stack "${stack}" is a production stack (named prod, production, prod-* or production-*) ` +
            "and must run mutual TLS: pulumi config set --path tls.enabled true (README, TLS)",
    ];
}
