// The day-2 edit table, run for real on a deployed stack: each edit either applies cleanly with
// no data lost (every data-holding object keeps its uid and its volume), or is refused at preview
// with nothing changed and the CLI's words naming the setting and the way out. With the provider
// users run (package.json pins it, tools/e2e/plugins.ts installs the same one), a retained object
// under a fixed name must be adopted again by the next create.
import { Kubectl } from "./kube";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { check, Report } from "./report";
import { podCreationRefusal } from "./kube";
import { changedObjects, checkRefusal, snapshot } from "./refused-edits";

/** The objects whose identity is the data: kind, name, namespaced or not. */
interface DataObject {
    kind: string;
    name: string;
    namespaced: boolean;
}

const CRD: DataObject = { kind: "customresourcedefinition", name: "mcpagents.mesh.mcp.io", namespaced: false };
const BACKUP_CLAIM: DataObject = { kind: "persistentvolumeclaim", name: "mcp-mesh-registry-backups", namespaced: true };
const REGISTRY_CLAIM: DataObject = { kind: "persistentvolumeclaim", name: "data-mcp-mesh-registry-0", namespaced: true };
/** An agent with a workspace claim of its own, added by the table. */
const KEEPER = "keeper";
const KEEPER_CLAIM: DataObject = { kind: "persistentvolumeclaim", name: `${KEEPER}-workspace`, namespaced: true };

export interface EditTableContext {
    suite: string;
    cli: PulumiCli;
    kubectl: Kubectl;
    namespace: string;
    report: Report;
    /** Index the table's own agent takes in `agents`. */
    nextAgentIndex: number;
}

export async function runEditTable({ suite, cli, kubectl, namespace, report, nextAgentIndex }: EditTableContext): Promise<void> {
    /** uid and bound volume: the same pair afterwards means the same object with the same data. */
    const identity = (object: DataObject): string | undefined => {
        const live = kubectl.get(object.kind, object.name, object.namespaced ? namespace : undefined);
        if (!live) return undefined;
        const volume = typeof live.spec?.volumeName === "string" ? live.spec.volumeName : "";
        return `${live.metadata.uid ?? "?"}${volume ? ` on ${volume}` : ""}`;
    };
    const identities = (objects: DataObject[]): Map<string, string | undefined> =>
        new Map(objects.map((object) => [`${object.kind}/${object.name}`, identity(object)]));
    const sameData = (before: Map<string, string | undefined>, when: string): void => {
        const lost = [...before].filter(([key, was]) => {
            const [kind, name] = key.split("/");
            return identity({ kind, name, namespaced: kind !== CRD.kind }) !== was;
        });
        check(
            lost.length === 0,
            `${when}: data objects changed identity (deleted and recreated, or gone): ${lost
                .map(([key, was]) => {
                    const [kind, name] = key.split("/");
                    return `${key} was ${was ?? "absent"}, now ${identity({ kind, name, namespaced: kind !== CRD.kind }) ?? "absent"}`;
                })
                .join("; ")}`,
        );
    };
    const up = async (when: string): Promise<void> => {
        const result = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
        check(result.status === 0, `${when}: pulumi up exited ${result.status}:\n${cliWords(result)}`);
    };
    const settled = (when: string): void => {
        const result = cli.exec(["preview", "--expect-no-changes", "--diff"]);
        check(result.status === 0, `${when}: a second preview still plans changes:\n${cliWords(result)}`);
    };

    await report.step(
        suite,
        "edit: backup.enabled true → false → true: the retained backup claim is adopted again, same data",
        async () => {
            const before = identities([BACKUP_CLAIM]);
            check(before.get(`${BACKUP_CLAIM.kind}/${BACKUP_CLAIM.name}`) !== undefined, "no backup claim to begin with");
            cli.configSet("backup.enabled", "false", { path: true });
            await up("backup off");
            sameData(before, "backup off (the claim is retainOnDelete)");
            check(kubectl.get("cronjob", "mcp-mesh-registry-backup", namespace) === undefined, "backup off: the CronJob is still there");
            cli.configSet("backup.enabled", "true", { path: true });
            await up("backup on again");
            sameData(before, "backup on again");
            settled("backup on again");
        },
    );

    await report.step(suite, "edit: installCrds true → false → true: the retained CRD is adopted again, same object", async () => {
        const before = identities([CRD]);
        cli.configSet("installCrds", "false");
        await up("installCrds off");
        sameData(before, "installCrds off (the CRD is retainOnDelete)");
        cli.configSet("installCrds", "true");
        await up("installCrds on again");
        sameData(before, "installCrds on again");
        settled("installCrds on again");
    });

    await report.step(suite, "edit: an agent with a claim of its own, removed and added again: same claim, same data", async () => {
        const agent = `agents[${nextAgentIndex}]`;
        const addKeeper = (): void => {
            cli.configSet(`${agent}.name`, KEEPER, { path: true });
            cli.configSet(`${agent}.code`, "agents/hello_world.py", { path: true });
            cli.configSet(`${agent}.persistence.enabled`, "true", { path: true });
        };
        addKeeper();
        await up("agent added");
        const before = identities([KEEPER_CLAIM]);
        check(before.get(`${KEEPER_CLAIM.kind}/${KEEPER_CLAIM.name}`) !== undefined, `agent added: no claim ${KEEPER_CLAIM.name}`);
        cli.must(["config", "rm", "--path", agent]);
        await up("agent removed");
        sameData(before, "agent removed (its claim is retainOnDelete)");
        check(kubectl.get("deployment", KEEPER, namespace) === undefined, "agent removed: its Deployment is still there");
        addKeeper();
        await up("agent added again");
        sameData(before, "agent added again");
        settled("agent added again");
    });

    await report.step(
        suite,
        "edit: agent mode deployment → customResource → deployment: applies, its retained claim comes back",
        async () => {
            const mode = `agents[${nextAgentIndex}].mode`;
            const before = identities([KEEPER_CLAIM]);
            cli.configSet(mode, "customResource", { path: true });
            await up("mode customResource");
            sameData(before, "mode customResource (the claim is retainOnDelete, left for the controller)");
            check(kubectl.get("deployment", KEEPER, namespace) === undefined, "mode customResource: the Deployment is still there");
            check(kubectl.get("mcpagent", KEEPER, namespace) !== undefined, "mode customResource: no MCPAgent");
            cli.configSet(mode, "deployment", { path: true });
            await up("mode deployment again");
            sameData(before, "mode deployment again");
            check(kubectl.get("mcpagent", KEEPER, namespace) === undefined, "mode deployment again: the MCPAgent is still there");
            check(kubectl.get("deployment", KEEPER, namespace) !== undefined, "mode deployment again: no Deployment");
            settled("mode deployment again");
        },
    );

    await report.step(suite, "edit: pulumi stack rename with instance unset is refused at preview; the way out applies", () => {
        const instance = cli.stack;
        const renamedStack = `${cli.stack}-renamed`;
        const before = snapshot(kubectl, namespace);
        // Unset, instance is the stack name (the same value: no change); a rename then changes it.
        cli.must(["config", "rm", "instance"]);
        cli.must(["stack", "rename", renamedStack]);
        const renamed = cli.renamedTo(renamedStack);
        try {
            const preview = renamed.exec(["preview"]);
            checkRefusal(cliWords(preview), preview.status, { refused: [{ key: "instance", was: instance }] }, "pulumi preview");
            renamed.configSet("instance", instance);
            const kept = renamed.exec(["preview", "--expect-no-changes", "--diff"]);
            check(
                kept.status === 0,
                `after \`pulumi config set mcp-mesh:instance ${instance}\`, a preview still plans changes:\n${cliWords(kept)}`,
            );
        } finally {
            renamed.must(["stack", "rename", instance]);
        }
        const changed = changedObjects(before, snapshot(kubectl, namespace));
        check(changed.length === 0, `the refused rename changed objects:\n${changed.join("\n")}`);
    });

    await report.step(suite, "edit: protectData on, then removing a protected object is refused at preview, nothing changed", async () => {
        cli.configSet("protectData", "true");
        await up("protectData on");
        const before = identities([BACKUP_CLAIM, KEEPER_CLAIM]);
        const stackFile = cli.stackFile();
        cli.configSet("backup.enabled", "false", { path: true });
        try {
            const preview = cli.exec(["preview"]);
            const words = cliWords(preview);
            check(preview.status !== 0, `preview accepted the removal of the protected backup claim:\n${words}`);
            check(/protect/i.test(words), `the refusal does not say the object is protected:\n${words}`);
            process.stdout.write(
                `[e2e] ${suite}: refused as it should be: ${words
                    .split("\n")
                    .find((line) => /protect/i.test(line))
                    ?.trim()}\n`,
            );
            sameData(before, "refused removal");
        } finally {
            // Whatever happened, the later rows start unprotected.
            cli.restoreStackFile(stackFile);
            cli.configSet("protectData", "false");
            await up("protectData off");
        }
        sameData(before, "protectData off");
    });

    await report.step(suite, "edit: pulumi destroy, then pulumi up: namespace, claims and CRD come back with their data", async () => {
        const data = [BACKUP_CLAIM, REGISTRY_CLAIM, KEEPER_CLAIM, CRD];
        const before = identities(data);
        const namespaceBefore = kubectl.get("namespace", namespace)?.metadata.uid;
        cli.must(["destroy", "--yes", "--skip-preview"]);
        sameData(before, "after destroy (retained)");
        await up("up after destroy");
        sameData(before, "up after destroy");
        check(kubectl.get("namespace", namespace)?.metadata.uid === namespaceBefore, "up after destroy: the namespace was recreated");
        settled("up after destroy");
    });
}
