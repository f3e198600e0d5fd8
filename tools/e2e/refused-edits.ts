// Edits of settings a deployed stack keeps (components/k8s/settings-guard.ts), run for real: the
// preview, and `pulumi up --skip-preview`, are refused with the CLI's words naming the setting,
// its deployed value and the command that keeps it; no object in the namespace changed (same uid,
// same generation or version); after reverting, a preview plans no change.
import { keepCommand } from "../../components/k8s/settings-guard";
import { Kubectl } from "./kube";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { check, Report } from "./report";

export interface RefusedEdit {
    /** The row's title. */
    title: string;
    /** `pulumi config set --path` edits; no value: `pulumi config rm --path` (companion edits the config rules require). */
    edits: { key: string; value?: string }[];
    /** The settings the refusal must name, each with its deployed value. */
    refused: { key: string; was: string }[];
    /** Also run `pulumi up --skip-preview` (what the Automation API runs) and see it refused, nothing changed. */
    up?: boolean;
    /** A namespace the edit names, which must not come to exist. */
    newNamespace?: string;
}

/** Kinds the program creates in its namespace (pods and events change by themselves). */
const KINDS =
    "deployments,statefulsets,cronjobs,services,configmaps,secrets,persistentvolumeclaims,serviceaccounts,networkpolicies,poddisruptionbudgets,mcpagents";

/** Every object of the namespace (and the namespace itself) by kind and name: uid and generation (or version). */
export function snapshot(kubectl: Kubectl, namespace: string): Map<string, string> {
    const namespaceObject = kubectl.get("namespace", namespace);
    const objects = [...kubectl.list(KINDS, namespace), ...(namespaceObject ? [namespaceObject] : [])];
    return new Map(
        objects.map((object) => [
            `${object.kind}/${object.metadata.name}`,
            `${object.metadata.uid ?? "?"}@${object.metadata.generation ?? object.metadata.resourceVersion ?? "?"}`,
        ]),
    );
}

/** What differs between two snapshots, one entry per object. */
export function changedObjects(before: Map<string, string>, after: Map<string, string>): string[] {
    const keys = new Set([...before.keys(), ...after.keys()]);
    return [...keys]
        .filter((key) => before.get(key) !== after.get(key))
        .map((key) => `${key}: ${before.get(key) ?? "absent"} → ${after.get(key) ?? "absent"}`);
}

/** Checks a failed command's words name each refused setting, its deployed value and the way to keep it. */
export function checkRefusal(words: string, status: number, edit: Pick<RefusedEdit, "refused">, command: string): void {
    check(status !== 0, `${command} accepted the edit:\n${words}`);
    for (const { key, was } of edit.refused) {
        check(
            words.includes(`property ${key} value`) && words.includes(`deployed as ${was}`) && words.includes(keepCommand(key, was)),
            `${command}: the refusal does not name ${key}, its deployed value ${was} and \`${keepCommand(key, was)}\`:\n${words}`,
        );
    }
}

export async function runRefusedEdits(
    suite: string,
    {
        cli,
        kubectl,
        namespace,
        report,
        edits,
    }: { cli: PulumiCli; kubectl: Kubectl; namespace: string; report: Report; edits: RefusedEdit[] },
): Promise<void> {
    for (const edit of edits) {
        await report.step(suite, `edit refused: ${edit.title}`, () => {
            const before = snapshot(kubectl, namespace);
            const stackFile = cli.stackFile();
            try {
                for (const { key, value } of edit.edits) {
                    if (value === undefined) cli.must(["config", "rm", "--path", key]);
                    else cli.configSet(key, value, { path: true });
                }
                const preview = cli.exec(["preview"]);
                checkRefusal(cliWords(preview), preview.status, edit, "pulumi preview");
                const line = cliWords(preview)
                    .split("\n")
                    .find((l) => l.includes(`property ${edit.refused[0].key} value`));
                process.stdout.write(`[e2e] ${suite}: refused as it should be: ${line?.trim()}\n`);
                if (edit.up) {
                    const up = cli.exec(["up", "--yes", "--skip-preview"]);
                    checkRefusal(cliWords(up), up.status, edit, "pulumi up --skip-preview");
                }
                check(!edit.newNamespace || !kubectl.namespaceExists(edit.newNamespace), `namespace ${edit.newNamespace} was created`);
                const changed = changedObjects(before, snapshot(kubectl, namespace));
                check(changed.length === 0, `the refused edit changed objects:\n${changed.join("\n")}`);
            } finally {
                cli.restoreStackFile(stackFile);
            }
            const settled = cli.exec(["preview", "--expect-no-changes", "--diff"]);
            check(settled.status === 0, `after reverting, a preview still plans changes:\n${cliWords(settled)}`);
        });
    }
}
