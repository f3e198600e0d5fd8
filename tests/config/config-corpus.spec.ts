// Every stack file in tests/fixtures/bad-config is rejected with a message naming its key;
// every file in tests/fixtures/good-config renders.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../components/config/mesh-config";
import { renderStack } from "../support/render";
import { openApiValidator } from "../support/openapi";
import { readStackFile } from "../support/stack-file";
import { PROJECT_DIR } from "../support/stacks";

const FIXTURES = path.join(__dirname, "..", "fixtures");

function files(kind: string): string[] {
    return fs
        .readdirSync(path.join(FIXTURES, kind))
        .filter((f) => f.endsWith(".yaml"))
        .sort();
}

/** Every `# expect: <message prefix>` line: each must start one of the problems (all reported at once). */
function expectations(file: string): string[] {
    const found = [...fs.readFileSync(file, "utf8").matchAll(/^# expect: (.+)$/gm)].map((match) => match[1]);
    assert.ok(found.length > 0, `${file} has no '# expect: <message prefix>' line`);
    return found;
}

describe("bad-config corpus", () => {
    it("holds at least 30 invalid stack files", () => {
        assert.ok(files("bad-config").length >= 30);
    });

    for (const name of files("bad-config")) {
        it(`rejects ${name}`, async () => {
            const file = path.join(FIXTURES, "bad-config", name);
            await assert.rejects(renderStack({ stack: "bad", config: readStackFile(file, PROJECT_DIR) }), (error: unknown) => {
                assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
                for (const expected of expectations(file)) {
                    assert.ok(
                        error.problems.some((line) => line.startsWith(expected)),
                        `expected a line starting with '${expected}', got:\n${error.problems.join("\n")}`,
                    );
                }
                return true;
            });
        });
    }

    for (const name of files("good-config")) {
        it(`renders ${name}`, async () => {
            const { objects } = await renderStack({
                stack: "good",
                config: readStackFile(path.join(FIXTURES, "good-config", name), PROJECT_DIR),
            });
            assert.ok(objects.some((o) => o.kind === "StatefulSet"));
            for (const object of objects) {
                const validate = openApiValidator(object);
                if (validate) assert.doesNotThrow(() => validate(object), `${object.kind}/${object.metadata.name}`);
            }
        });
    }
});
