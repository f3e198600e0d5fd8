// The CIDR check for NetworkPolicy ipBlocks (agents[i].egress, network.dns.ipBlock).
import { strict as assert } from "assert";
import { cidrProblem } from "../../components/k8s/cidr";

describe("CIDR blocks", () => {
    it("accepts canonical IPv4 and IPv6 blocks", () => {
        for (const block of [
            "10.0.0.0/8",
            "169.254.20.10/32",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::/0",
            "::ffff:192.0.2.0/120",
            "fd00::1/128",
        ]) {
            assert.equal(cidrProblem(block), undefined, block);
        }
    });

    it("refuses addresses without a prefix, bad prefixes, leading zeros, zones and host bits", () => {
        const rejected: [string, RegExp][] = [
            ["10.0.0.0", /^must be a CIDR block/],
            ["10.0.0.0/33", /at most 32/],
            ["2001:db8::/129", /at most 128/],
            ["10.0.0.0/08", /^must be a CIDR block/],
            ["010.0.0.0/8", /^must be a CIDR block/],
            ["10.0.0.0/-1", /^must be a CIDR block/],
            ["fe80::%eth0/64", /^must be a CIDR block/],
            ["api.openai.com/32", /^must be a CIDR block/],
            ["10.0.0.1/8", /host bits are set; the block starts at 10\.0\.0\.0\/8$/],
            ["2001:db8::1/32", /host bits are set; the block starts at 2001:db8:0:0:0:0:0:0\/32$/],
        ];
        for (const [block, expected] of rejected) {
            assert.match(cidrProblem(block) ?? "accepted", expected, block);
        }
    });
});
