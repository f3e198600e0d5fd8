// The user's workflow with the real CLI: the README's `pulumi config set|rm` commands on copies
// of the user's stack files leave files that `npm run golden:update` plus npm test's user-stack
// checks accept, and that the specs' CLI emulation (tests/support/cli-config.ts) writes alike.
// And a preview that cannot see its cluster says so.
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { parse } from "yaml";
import { applyConfigEdit } from "../../tests/support/cli-config";
import { README_EDITS } from "../../tests/support/readme-edits";
import { runUserStackChecks, updateGoldens } from "../../tests/support/user-stack-run";
import { cliWords, copyProject, PulumiCli } from "./pulumi-cli";
import { check } from "./report";
import { RunContext } from "./stack-scenario";

const PREVIEW_WARNING = "THIS PREVIEW DID NOT SEE THE CLUSTER";

/** A stack file's content, with what differs on every write (salt, ciphertexts) made equal. */
function comparable(text: string): unknown {
    const scrub = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(scrub);
        if (typeof value === "object" && value !== null) {
            if (Object.keys(value).join() === "secure") return { secure: "<ciphertext>" };
            return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item)]));
        }
        return value;
    };
    const doc: unknown = parse(text);
    const config = typeof doc === "object" && doc !== null && "config" in doc ? doc.config : undefined;
    return scrub(config);
}

export async function checkReadmeEdits({ toolchain, access, runDir, repoRoot, report }: RunContext): Promise<void> {
    await report.step(
        "readme-edits",
        "the README's config commands, run by the CLI on the user's stacks, pass golden:update and npm test's stack checks",
        () => {
            const dir = path.join(runDir, "readme-edits");
            copyProject(repoRoot, dir, path.join(repoRoot, "Pulumi.dev.yaml"), "dev");
            const golden = path.join(dir, "golden");
            fs.cpSync(path.join(repoRoot, "tests", "golden"), golden, { recursive: true });
            for (const [stack, edits] of Object.entries(README_EDITS)) {
                const original = fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8");
                fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), original);
                const cli = new PulumiCli(toolchain, dir, stack, path.join(dir, "state"));
                cli.must(["stack", "init", "--secrets-provider", "passphrase"]);
                for (const edit of edits) {
                    const flags = [
                        ...(edit.path ? ["--path"] : []),
                        ...(edit.secret ? ["--secret"] : edit.value !== undefined ? ["--plaintext"] : []),
                    ];
                    cli.must(
                        edit.value === undefined ? ["config", "rm", ...flags, edit.key] : ["config", "set", ...flags, edit.key, edit.value],
                    );
                }
                const byCli = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
                const emulated = edits.reduce((text, edit) => applyConfigEdit(text, "mcp-mesh", edit), original);
                check(
                    isDeepStrictEqual(comparable(byCli), comparable(emulated)),
                    `${stack}: the CLI wrote\n${byCli}\nbut the specs' emulation writes\n${emulated}`,
                );
            }
            const dirs = { stackDir: dir, goldenDir: golden };
            const update = updateGoldens(dirs);
            check(update.status === 0, `npm run golden:update on the edited stacks exited ${update.status}:\n${update.stderr}`);
            const spec = runUserStackChecks(dirs);
            check(
                spec.status === 0,
                `npm test's user-stack checks on the CLI-edited stacks failed:\n${spec.stdout.slice(-6000)}\n${spec.stderr.slice(-2000)}`,
            );
        },
    );

    await report.step("readme-edits", "a preview that cannot reach the stack's cluster warns, naming why; one that can does not", () => {
        const dir = path.join(runDir, "preview-warning");
        copyProject(repoRoot, dir, path.join(repoRoot, "tests", "fixtures", "stacks", "Pulumi.dev.yaml"), "dev");
        const cli = new PulumiCli(toolchain, dir, "dev", path.join(dir, "state"));
        cli.must(["stack", "init", "--secrets-provider", "passphrase"]);
        cli.configSet("kubernetes:kubeconfig", access.kubeconfig);
        cli.configSet("kubernetes:context", "mcp-mesh-no-such-context");
        const blind = cli.exec(["preview"]);
        const words = cliWords(blind);
        check(words.includes(PREVIEW_WARNING), `a preview against a missing context did not warn:\n${words}`);
        check(words.includes("context mcp-mesh-no-such-context is not in"), `the warning does not say why:\n${words}`);
        cli.configSet("kubernetes:context", access.context);
        const seeing = cli.exec(["preview"]);
        check(seeing.status === 0, `preview with the cluster's context failed:\n${cliWords(seeing)}`);
        check(!cliWords(seeing).includes(PREVIEW_WARNING), `a preview that reaches the cluster warned:\n${cliWords(seeing)}`);
    });
}
