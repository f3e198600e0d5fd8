// tls.source=cert-manager, judged by cert-manager's own CRDs (from its Go module, fetched by
// toolchain.sh) on the real API server: every Issuer and Certificate `npm run render` makes is
// accepted by a server-side dry run, and a Certificate with a usage cert-manager does not know
// is refused (the check can fail). The CRDs are removed again afterwards.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, stringify } from "yaml";
import { isKubeObject, Kubectl, KubeObject } from "./kube";
import { run } from "./processes";
import { check, StepFailure } from "./report";
import { RunContext } from "./stack-scenario";

const NAMESPACE = "e2e-cert-manager";
/** Issuer and Certificates of the program's own chain, and every workload's certificate. */
const STACK_FILE = path.join("tests", "fixtures", "good-config", "tls-cert-manager.yaml");

function renderedCertManagerObjects(repoRoot: string): KubeObject[] {
    const result = run("npm", ["run", "--silent", "render", "--", "--config", STACK_FILE, "--stack", "cm"], { cwd: repoRoot });
    if (result.status !== 0) throw new StepFailure(`npm run render of ${STACK_FILE} exited ${result.status}:\n${result.stderr}`);
    return parseAllDocuments(result.stdout)
        .map((doc) => doc.toJS())
        .filter(isKubeObject)
        .filter((object) => object.apiVersion.startsWith("cert-manager.io/"))
        .map((object) => ({ ...object, metadata: { ...object.metadata, namespace: NAMESPACE } }));
}

export async function checkCertManagerObjects({ toolchain, access, repoRoot, report }: RunContext): Promise<void> {
    await report.step(
        "tls",
        "cert-manager's own CRDs accept every Issuer and Certificate the program renders (server-side dry run)",
        () => {
            const kubectl = new Kubectl(toolchain.kubectl, access.kubeconfig, access.context);
            const crds = fs.readdirSync(toolchain.certManagerCrds).filter((file) => file.endsWith(".yaml"));
            check(crds.length >= 3, `no cert-manager CRDs in ${toolchain.certManagerCrds}`);
            const apply = kubectl.exec([
                "apply",
                "--server-side",
                ...crds.flatMap((file) => ["-f", path.join(toolchain.certManagerCrds, file)]),
            ]);
            check(apply.status === 0, `installing cert-manager's CRDs: ${apply.stderr}`);
            try {
                const established = kubectl.exec([
                    "wait",
                    "--for=condition=Established",
                    "--timeout=60s",
                    "crd/certificates.cert-manager.io",
                    "crd/issuers.cert-manager.io",
                ]);
                check(established.status === 0, `cert-manager's CRDs not established: ${established.stderr}`);
                kubectl.exec(["create", "namespace", NAMESPACE]);
                const objects = renderedCertManagerObjects(repoRoot);
                const kinds = new Set(objects.map((object) => object.kind));
                check(
                    kinds.has("Issuer") && kinds.has("Certificate"),
                    `the render holds no Issuer or Certificate: ${[...kinds].join(", ")}`,
                );
                const dryRun = (docs: KubeObject[]) =>
                    kubectl.exec(["apply", "--dry-run=server", "-f", "-"], docs.map((doc) => `---\n${stringify(doc)}`).join(""));
                const accepted = dryRun(objects);
                check(accepted.status === 0, `the server refuses the program's cert-manager objects:\n${accepted.stderr}`);
                const certificate = objects.find((object) => object.kind === "Certificate");
                if (certificate === undefined) throw new StepFailure("no Certificate rendered");
                const broken: KubeObject = { ...certificate, spec: { ...certificate.spec, usages: ["mesh auth"] } };
                const refused = dryRun([broken]);
                check(
                    refused.status !== 0 && /usages/.test(refused.stderr),
                    `a Certificate with usage "mesh auth" was not refused:\n${refused.stdout}${refused.stderr}`,
                );
            } finally {
                kubectl.exec(["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false"]);
                kubectl.exec([
                    "delete",
                    "--ignore-not-found",
                    ...crds.flatMap((file) => ["-f", path.join(toolchain.certManagerCrds, file)]),
                ]);
            }
        },
    );
}
