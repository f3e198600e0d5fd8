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

function expectation(file: string): string {
    const match = /^# expect: (.+)$/m.exec(fs.readFileSync(file, "utf8"));
    assert.ok(match, `${file} has no '# expect: <message prefix>' line`);
    return match[1];
}

describe("bad-config corpus", () => {
    it("holds at least 30 invalid stack files", () => {
        assert.ok(files("bad-config").length >= 30);
    });

    for (const name of files("bad-config")) {
        it(`rejects ${name}`, async () => {
            const file = path.join(FIXTURES, "bad-config", name);
            const expected = expectation(file);
            await assert.rejects(renderStack({ stack: "bad", config: readStackFile(file, PROJECT_DIR) }), (error: unknown) => {
                assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`);
                assert.ok(
                    error.problems.some((line) => line.startsWith(expected)),
                    `expected a line starting with '${expected}', got:\n${error.problems.join("\n")}`,
                );
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
