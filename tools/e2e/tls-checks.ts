// The e2e steps of a stack with tls.enabled from the program's own CA (tls.source=pulumi), on
// the real CLI and server: the live Secrets hold certificates openssl verifies against the CA
// for the Service names clients dial; no private key is in plain text in `pulumi stack export`;
// a validity edit issues new certificates and rolls the pods, and deletes or replaces no claim.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kubectl, KubeObject, podCreationRefusal } from "./kube";
import { cliWords, describeUrn, PulumiCli } from "./pulumi-cli";
import { check, Report } from "./report";

export interface TlsChecksContext {
    suite: string;
    cli: PulumiCli;
    kubectl: Kubectl;
    namespace: string;
    report: Report;
}

const DESTRUCTIVE = new Set(["delete", "replace", "create-replacement", "delete-replaced"]);
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";

/** The mesh's certificate Secrets, decoded: `<workload>-tls` → tls.crt, tls.key, ca.crt. */
function certificateSecrets(kubectl: Kubectl, namespace: string): Map<string, Record<string, string>> {
    const secrets = kubectl.list("secrets", namespace).filter((s) => s.metadata.name.endsWith("-tls") && s.type === "kubernetes.io/tls");
    return new Map(
        secrets.map((secret) => [
            secret.metadata.name.slice(0, -"-tls".length),
            Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64").toString()])),
        ]),
    );
}

/** `openssl verify` of a workload's certificate for a purpose and a name; what it said when it refused. */
function opensslRefusal(files: Record<string, string>, purpose: string, hostname: string): string | undefined {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tls-"));
    try {
        fs.writeFileSync(path.join(dir, "ca.crt"), files["ca.crt"] ?? "");
        fs.writeFileSync(path.join(dir, "tls.crt"), files["tls.crt"] ?? "");
        const result = spawnSync(
            "openssl",
            ["verify", "-CAfile", path.join(dir, "ca.crt"), "-purpose", purpose, "-verify_hostname", hostname, path.join(dir, "tls.crt")],
            { encoding: "utf8" },
        );
        return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`.trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function templateAnnotation(object: KubeObject | undefined): string | undefined {
    const template = object?.spec?.template;
    if (typeof template !== "object" || template === null || !("metadata" in template)) return undefined;
    const metadata = template.metadata;
    if (typeof metadata !== "object" || metadata === null || !("annotations" in metadata)) return undefined;
    const annotations = metadata.annotations;
    if (typeof annotations !== "object" || annotations === null || !("checksum/certificate" in annotations)) return undefined;
    return typeof annotations["checksum/certificate"] === "string" ? annotations["checksum/certificate"] : undefined;
}

export async function runTlsChecks({ suite, cli, kubectl, namespace, report }: TlsChecksContext): Promise<void> {
    await report.step(suite, "tls: every live certificate verifies against the mesh CA for its Service name, server and client", () => {
        const secrets = certificateSecrets(kubectl, namespace);
        check(secrets.size > 0, `no kubernetes.io/tls Secrets named <workload>-tls in ${namespace}`);
        const services = new Set(kubectl.list("services", namespace).map((s) => s.metadata.name));
        const problems: string[] = [];
        for (const [workload, files] of secrets) {
            check(services.has(workload), `Secret ${workload}-tls names no Service ${workload}`);
            for (const [purpose, host] of [
                ["sslserver", `${workload}.${namespace}.svc.cluster.local`],
                ["sslserver", workload],
                ["sslclient", workload],
            ]) {
                const refusal = opensslRefusal(files, purpose, host);
                if (refusal) problems.push(`${workload} (${purpose}, ${host}): ${refusal}`);
            }
        }
        const cas = new Set([...secrets.values()].map((files) => files["ca.crt"]));
        check(cas.size === 1, `the workloads hold ${cas.size} different CAs`);
        check(problems.length === 0, `openssl refuses:\n${problems.join("\n")}`);
    });

    await report.step(suite, "tls: no private key in plain text in `pulumi stack export`", () => {
        const exported = cli.exportText();
        check(!/BEGIN (RSA |EC )?PRIVATE KEY/.test(exported), "a PEM private key is in the export in plain text");
        for (const [workload, files] of certificateSecrets(kubectl, namespace)) {
            const key = (files["tls.key"] ?? "").split("\n").filter((line) => line && !line.startsWith("-----"));
            check(key.length > 0, `${workload}-tls holds no key`);
            check(!exported.includes(key[1] ?? "\u0000"), `${workload}'s private key is in the export in plain text`);
        }
    });

    await report.step(
        suite,
        "tls: a validity edit issues new certificates and rolls the pods; no claim is deleted or replaced",
        async () => {
            const before = certificateSecrets(kubectl, namespace);
            const workloads = kubectl.list("deployments,statefulsets", namespace).filter((w) => templateAnnotation(w) !== undefined);
            check(workloads.length > 0, "no workload carries checksum/certificate on its pod template");
            const claims = new Map(kubectl.list("persistentvolumeclaims", namespace).map((c) => [c.metadata.name, c.metadata.uid]));
            cli.configSet("tls.duration", "2000h", { path: true });
            const preview = cli.preview(["--diff"]);
            const destructive = preview.steps.filter(
                (step) => DESTRUCTIVE.has(step.op) && [CLAIM, STATEFUL_SET].some((type) => step.urn.includes(`::${type}::`)),
            );
            check(
                destructive.length === 0,
                `the edit deletes or replaces data: ${destructive.map((s) => `${s.op} ${describeUrn(s.urn)}`).join("; ")}`,
            );
            const up = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
            check(up.status === 0, `pulumi up of the validity edit exited ${up.status}:\n${cliWords(up)}`);
            const after = certificateSecrets(kubectl, namespace);
            const unchanged = [...before]
                .filter(([workload, files]) => after.get(workload)?.["tls.crt"] === files["tls.crt"])
                .map(([w]) => w);
            check(unchanged.length === 0, `certificates not reissued: ${unchanged.join(", ")}`);
            const notRolled = workloads.filter(
                (w) => templateAnnotation(kubectl.get(w.kind, w.metadata.name, namespace)) === templateAnnotation(w),
            );
            check(notRolled.length === 0, `pods not rolled: ${notRolled.map((w) => `${w.kind} ${w.metadata.name}`).join(", ")}`);
            const lost = [...claims].filter(([name, uid]) => kubectl.get("persistentvolumeclaim", name, namespace)?.metadata.uid !== uid);
            check(lost.length === 0, `claims deleted or replaced: ${lost.map(([name]) => name).join(", ")}`);
            const settled = cli.exec(["preview", "--expect-no-changes", "--diff"]);
            check(settled.status === 0, `after the renewal a preview still plans changes (a renewal on every run?):\n${cliWords(settled)}`);
        },
    );
}
