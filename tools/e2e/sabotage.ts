// Breaking the program on purpose, on the e2e's scratch copy only, to show that each kind of
// defect makes the e2e fail in its own way:  npm run e2e -- --stack dev --sabotage <name>
import * as fs from "fs";
import * as path from "path";

interface Sabotage {
    file: string;
    from: string;
    to: string;
    /** What the e2e must then report. */
    expect: string;
}

export const SABOTAGES: Record<string, Sabotage> = {
    // A pod that violates Pod Security Standards restricted: admission refuses it.
    restricted: {
        file: "components/k8s/security.ts",
        from: "allowPrivilegeEscalation: false",
        to: "allowPrivilegeEscalation: true",
        expect: "pulumi up stopped: a controller could not create pods (PodSecurity)",
    },
    // A field the API server rejects: an invalid label value.
    rejected: {
        file: "components/k8s/labels.ts",
        from: '"app.kubernetes.io/managed-by": "pulumi"',
        to: '"app.kubernetes.io/managed-by": "pulumi program"',
        expect: "pulumi preview fails: the server (dry run) answers Invalid value",
    },
    // A field the API server rewrites: an empty list it drops, so the live object never equals the program's.
    rewritten: {
        file: "components/backup/backup.ts",
        from: 'policyTypes: ["Ingress"] },',
        to: 'policyTypes: ["Ingress"], ingress: [] },',
        expect: "live objects differ from what the program asked for: spec.ingress",
    },
    // Drop the retention of claims: an edit that removes one (backup off, an agent removed) then deletes its data.
    "no-retain": {
        file: "components/k8s/data-protection.ts",
        from: "return { parent, retainOnDelete: true, ...",
        to: "return { parent, retainOnDelete: false, ...",
        expect: "edit table: data objects changed identity (deleted and recreated)",
    },
    // A guard that forgets what was deployed: a namespace or database type edit then applies.
    "no-guard": {
        file: "components/k8s/settings-guard.ts",
        from: "failures: guardFailures(olds, news, wayOuts)",
        to: "failures: guardFailures({}, news, wayOuts)",
        expect: "edit refused: ... accepted the edit",
    },
};

export function applySabotage(name: string, projectDir: string): Sabotage {
    const sabotage = SABOTAGES[name];
    if (!sabotage) {
        throw new Error(`--sabotage ${name}: unknown; one of ${Object.keys(SABOTAGES).join(", ")}`);
    }
    const file = path.join(projectDir, sabotage.file);
    const text = fs.readFileSync(file, "utf8");
    if (!text.includes(sabotage.from)) {
        throw new Error(`--sabotage ${name}: ${sabotage.file} no longer contains ${sabotage.from}; update tools/e2e/sabotage.ts`);
    }
    fs.writeFileSync(file, text.replace(sabotage.from, sabotage.to));
    return sabotage;
}
