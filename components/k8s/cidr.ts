// CIDR blocks as a NetworkPolicy's ipBlock takes them, checked strictly: an IPv4 or IPv6 address
// (node:net's parser: no leading zeros, no zone), a decimal prefix within the family's width, and
// no host bits set (the canonical network address, which Kubernetes stores unchanged).
import { isIPv4, isIPv6 } from "net";

/** Why `value` is not a canonical CIDR block, or undefined when it is one. */
export function cidrProblem(value: string): string | undefined {
    const rule = "must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32";
    const parts = value.split("/");
    if (parts.length !== 2) return rule;
    const [address, prefixText] = parts;
    const bits = isIPv4(address) ? 32 : isIPv6(address) && !address.includes("%") ? 128 : 0;
    if (bits === 0 || !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return rule;
    const prefix = Number(prefixText);
    if (prefix > bits) return `${rule} (the prefix of an IPv${bits === 32 ? 4 : 6} block is at most ${bits})`;
    const addressValue = bits === 32 ? ipv4Value(address) : ipv6Value(address);
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    if ((addressValue & hostMask) !== 0n) {
        return `${rule}: host bits are set; the block starts at ${formatNetwork(addressValue & ~hostMask, bits)}/${prefix}`;
    }
    return undefined;
}

function ipv4Value(address: string): bigint {
    return address.split(".").reduce((total, octet) => (total << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
    // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups.
    const lastColon = address.lastIndexOf(":");
    let text = address;
    if (address.includes(".")) {
        const v4 = ipv4Value(address.slice(lastColon + 1));
        text = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split("::");
    const headGroups = head ? head.split(":") : [];
    const tailGroups = tail === undefined ? [] : tail ? tail.split(":") : [];
    const groups =
        tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
    return groups.reduce((total, group) => (total << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function formatNetwork(value: bigint, bits: number): string {
    if (bits === 32) {
        return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
    }
    const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
    return groups.join(":");
}
