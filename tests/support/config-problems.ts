// Shared by the config specs: the problems a raw config is rejected with, and a table of
// rejections each checked for a line starting with the expected message.
import { strict as assert } from "assert";
import { ConfigError, parseMeshConfig } from "../../components/config/mesh-config";

export function problems(raw: Record<string, unknown>, secretKeys: string[] = []): string[] {
    try {
        parseMeshConfig(raw, { secretKeys });
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail("expected the config to be rejected");
}

export type Rejection = [what: string, raw: Record<string, unknown>, expected: string];

export function itRejects(rejections: readonly Rejection[]): void {
    for (const [what, raw, expected] of rejections) {
        it(`rejects ${what}`, () => {
            const found = problems(raw);
            assert.ok(
                found.some((line) => line.startsWith(expected)),
                `expected a line starting with:\n  ${expected}\ngot:\n  ${found.join("\n  ")}`,
            );
        });
    }
}
