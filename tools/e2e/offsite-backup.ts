// Off-site backups on a deployed stack, for real: the credentials Secret is created the way the
// README says (by you, in the namespace), the stack gains `backup.objectStorage`, a restore
// drill and `alerts` (the Prometheus Operator's PrometheusRule CRD installed first, as the
// operator would), and `pulumi up` puts them on the server. The server accepts every object; the backup
// and drill pods reach the key pair only through secretKeyRef; no credential is in `pulumi stack
// export` or in any live object's spec; a second preview plans no change. kwok runs no
// containers, so the upload itself is proven by npm test against a real S3 server (moto).
import { randomBytes } from "crypto";
import { Kubectl, KubeObject, podCreationRefusal } from "./kube";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { check, Report } from "./report";

const SECRET = "e2e-s3-backup";
const BACKUP_CRONJOB = "mcp-mesh-registry-backup";
const DRILL_CRONJOB = "mcp-mesh-registry-restore-drill";
const RULE = "mcp-mesh-alerts";
const RULE_CRD = "prometheusrules.monitoring.coreos.com";

export interface OffsiteBackupContext {
    cli: PulumiCli;
    kubectl: Kubectl;
    namespace: string;
    report: Report;
    /** PostgreSQL stacks: the scratch database the drill restores into. */
    drillDatabase?: string;
    /** The PrometheusRule CRD's YAML, installed for the row (and removed after) where the cluster lacks it. */
    prometheusRuleCrd: string;
}

/** The value at `path` under `value` (objects only), or undefined. */
function at(value: unknown, ...path: string[]): unknown {
    return path.reduce<unknown>(
        (node, key) =>
            typeof node === "object" && node !== null && !Array.isArray(node)
                ? Object.entries(node).find(([k]) => k === key)?.[1]
                : undefined,
        value,
    );
}

function objects(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** Every container (init containers too) of a CronJob's pod template. */
function cronJobContainers(cronJob: KubeObject | undefined): unknown[] {
    const pod = at(cronJob?.spec, "jobTemplate", "spec", "template", "spec");
    return [...objects(at(pod, "initContainers")), ...objects(at(pod, "containers"))];
}

/** The Secret a container's env var `name` takes its value from, if it does. */
function secretSourceOf(container: unknown, name: string): unknown {
    const entry = objects(at(container, "env")).find((e) => at(e, "name") === name);
    return at(entry, "valueFrom", "secretKeyRef", "name");
}

/** The alerts of a live PrometheusRule. */
function alertNames(rule: KubeObject | undefined): string[] {
    return objects(at(rule?.spec, "groups")).flatMap((group) => objects(at(group, "rules")).map((r) => String(at(r, "alert"))));
}

export async function runOffsiteBackup(
    suite: string,
    { cli, kubectl, namespace, report, drillDatabase, prometheusRuleCrd }: OffsiteBackupContext,
): Promise<void> {
    await report.step(
        suite,
        "off-site backups: backup.objectStorage, a drill and alerts deploy; credentials only by secretKeyRef, in no state and no spec",
        async () => {
            const installCrd = kubectl.get("customresourcedefinition", RULE_CRD) === undefined;
            if (installCrd) {
                const applied = kubectl.exec(["apply", "--server-side", "-f", prometheusRuleCrd]);
                check(applied.status === 0, `kubectl apply ${prometheusRuleCrd}: ${applied.stderr.trim()}`);
                const established = kubectl.exec(["wait", "--for=condition=Established", `crd/${RULE_CRD}`, "--timeout=120s"]);
                check(established.status === 0, `CRD ${RULE_CRD} not established: ${established.stderr.trim()}`);
            }
            const keyId = `E2E${randomBytes(8).toString("hex").toUpperCase()}`;
            const secretKey = randomBytes(24).toString("base64url");
            // By stdin, as a manifest: the key pair is never on a command line.
            const secret = {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: SECRET, namespace },
                stringData: { AWS_ACCESS_KEY_ID: keyId, AWS_SECRET_ACCESS_KEY: secretKey },
            };
            const created = kubectl.exec(["apply", "-f", "-"], JSON.stringify(secret));
            check(created.status === 0, `kubectl apply of Secret ${SECRET}: ${created.stderr.trim()}`);
            const stackFile = cli.stackFile();
            try {
                cli.configSet("backup.objectStorage.endpoint", "https://s3.e2e.example:9000", { path: true });
                cli.configSet("backup.objectStorage.bucket", "mesh-backups", { path: true });
                cli.configSet("backup.objectStorage.serverSideEncryption", "AES256", { path: true });
                cli.configSet("backup.objectStorage.credentials.secretName", SECRET, { path: true });
                cli.configSet("backup.drill.schedule", "30 4 * * 0", { path: true });
                if (drillDatabase) cli.configSet("backup.drill.postgresDatabase", drillDatabase, { path: true });
                cli.configSet("alerts.enabled", "true", { path: true });
                cli.configSet("alerts.ruleLabels.release", "kube-prometheus-stack", { path: true });
                const up = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
                check(up.status === 0, `pulumi up with backup.objectStorage exited ${up.status}:\n${cliWords(up)}`);

                for (const name of [BACKUP_CRONJOB, DRILL_CRONJOB]) {
                    const containers = cronJobContainers(kubectl.get("cronjob", name, namespace));
                    check(containers.length > 0, `CronJob ${name} is not on the server`);
                    const readers = containers.filter((c) => secretSourceOf(c, "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY") !== undefined);
                    check(readers.length > 0, `CronJob ${name}: no container takes the secret access key from a Secret`);
                    const wrong = readers.filter(
                        (c) =>
                            secretSourceOf(c, "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY") !== SECRET ||
                            secretSourceOf(c, "RCLONE_CONFIG_STORE_ACCESS_KEY_ID") !== SECRET,
                    );
                    check(wrong.length === 0, `CronJob ${name}: the key pair does not come from Secret ${SECRET}`);
                }
                const alerts = alertNames(kubectl.get("prometheusrule", RULE, namespace));
                check(alerts.length > 0, `PrometheusRule ${RULE} is not on the server, or holds no alert`);
                process.stdout.write(`[e2e] ${suite}: PrometheusRule ${RULE} accepted with alerts ${alerts.join(", ")}\n`);
                const exported = cli.exportText();
                for (const [what, value] of [
                    ["access key id", keyId],
                    ["secret access key", secretKey],
                ]) {
                    check(!exported.includes(value), `pulumi stack export holds the ${what} in plain text`);
                    const carriers = kubectl
                        .list("deployments,statefulsets,cronjobs,configmaps", namespace)
                        .filter((o) => JSON.stringify([o.spec ?? {}, o.data ?? {}]).includes(value));
                    check(carriers.length === 0, `the ${what} is in ${carriers.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}`);
                }
                const settled = cli.exec(["preview", "--expect-no-changes", "--diff"]);
                check(settled.status === 0, `a second preview still plans changes:\n${cliWords(settled)}`);
            } finally {
                // The later steps (destroy leaves nothing behind) start from the stack as it was.
                cli.restoreStackFile(stackFile);
                const back = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
                check(back.status === 0, `pulumi up without backup.objectStorage exited ${back.status}:\n${cliWords(back)}`);
                kubectl.exec(["delete", "secret", SECRET, "-n", namespace, "--ignore-not-found"]);
                if (installCrd) kubectl.exec(["delete", "crd", RULE_CRD, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
            }
            check(kubectl.get("cronjob", DRILL_CRONJOB, namespace) === undefined, `CronJob ${DRILL_CRONJOB} outlived backup.drill`);
        },
    );
}
