// Proof that `--policy-pack policy` really runs the pack: a scratch stack with one
// deliberately bad Pod must be refused, naming the policies it breaks.
import * as fs from "fs";
import * as path from "path";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { check } from "./report";
import { RunContext } from "./stack-scenario";

const BAD_PROGRAM = `import * as k8s from "@pulumi/kubernetes";
// Privileged, unpinned, no limits: every pod rule of the pack must object.
new k8s.core.v1.Pod("bad", {
    metadata: { name: "policy-check-bad", namespace: "default" },
    spec: { containers: [{ name: "bad", image: "nginx:latest", securityContext: { privileged: true } }] },
});
`;

export async function checkPolicyPackRefuses({ toolchain, access, runDir, repoRoot, report }: RunContext): Promise<void> {
    await report.step("policy", "a deliberately bad object in a scratch stack is refused by the pack", () => {
        const dir = path.join(runDir, "policy-check");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: policy-check\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(dir, "index.ts"), BAD_PROGRAM);
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
        const cli = new PulumiCli(toolchain, dir, "check", path.join(dir, "state"));
        cli.must(["stack", "init", "--secrets-provider", "passphrase"]);
        cli.configSet("kubernetes:kubeconfig", access.kubeconfig);
        cli.configSet("kubernetes:context", access.context);
        const preview = cli.exec(["preview", "--policy-pack", path.join(repoRoot, "policy")]);
        const words = `${preview.stdout}\n${preview.stderr}`;
        check(preview.status !== 0, `preview of a privileged :latest pod passed the policy pack:\n${cliWords(preview)}`);
        for (const policy of ["pod-security-restricted", "pinned-images", "requests-and-limits"]) {
            check(words.includes(policy), `the refusal does not name ${policy}:\n${cliWords(preview)}`);
        }
    });
}
