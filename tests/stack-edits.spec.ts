// A stack-config edit is a green pull request: every edit the README shows, written into copies
// of the user's stack files the way the CLI writes it, then `npm run golden:update`, then the
// user-stack checks of `npm test` (tests/user-stacks.spec.ts) pass. Before the golden update
// they fail: the goldens do pin the user's stacks, and one step accepts an intended edit.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyConfigEdit } from "./support/cli-config";
import { README_EDITS } from "./support/readme-edits";
import { runUserStackChecks, updateGoldens, UserStackDirs } from "./support/user-stack-run";
import { PROJECT_DIR } from "./support/stacks";
import { projectName } from "./support/stack-file";

describe("stack edits: the README's edits, golden:update, and npm test's stack checks pass", function () {
    this.timeout(900_000);
    let dir: string;
    let dirs: UserStackDirs;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-stack-edits-"));
        const golden = path.join(dir, "golden");
        fs.mkdirSync(golden);
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        for (const file of fs.readdirSync(path.join(PROJECT_DIR, "tests", "golden"))) {
            fs.copyFileSync(path.join(PROJECT_DIR, "tests", "golden", file), path.join(golden, file));
        }
        const project = projectName(PROJECT_DIR);
        for (const [stack, edits] of Object.entries(README_EDITS)) {
            const text = edits.reduce(
                (current, edit) => applyConfigEdit(current, project, edit),
                fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"),
            );
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
        }
        dirs = { stackDir: dir, goldenDir: golden };
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes what the CLI writes: a typed --path value, a string without --path, an encrypted secret", () => {
        const prod = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        assert.match(prod, /^ {4}replicas: 2$/m);
        assert.match(prod, /^ {2}mcp-mesh:protectData: "true"$/m);
        assert.match(prod, /OPENAI_API_KEY:\n\s+secure: v1:/);
    });

    it("before golden:update, the user-stack checks fail on the goldens (and only there)", () => {
        const result = runUserStackChecks(dirs);
        assert.notEqual(result.status, 0, result.stdout);
        // Each failure: "  N) <describe>\n  <describe>\n  <test title>:" then its message.
        const titles = result.stdout
            .split(/^ {2}\d+\) /m)
            .slice(1)
            .map((failure) => failure.slice(0, failure.indexOf(":\n")));
        assert.ok(titles.length > 0, result.stdout);
        const notGolden = titles.filter((title) => !/its golden manifest|the URNs and options/.test(title));
        assert.deepEqual(notGolden, [], `failures other than the goldens:\n${result.stdout.slice(-4000)}`);
        assert.match(result.stdout, /differs from its golden manifest/);
    });

    it("after golden:update, every user-stack check passes on the edited stacks", () => {
        const update = updateGoldens(dirs);
        assert.equal(update.status, 0, update.stderr);
        const result = runUserStackChecks(dirs);
        assert.equal(result.status, 0, `${result.stdout.slice(-6000)}\n${result.stderr.slice(-2000)}`);
    });
});
