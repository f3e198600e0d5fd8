// A bad registry.image, run for real (kwok fails the pull of MISSING_IMAGE as a kubelet would,
// and the real controller-manager runs the StatefulSet): the pod reports its own reason
// (ErrImagePull); reverting the image does not unstick the OrderedReady StatefulSet (Kubernetes'
// forced-rollback limit); deleting the stuck pod, as the README's runbook says, does, and the
// registry keeps its claim. What `pulumi up` itself says is reported, not required: the pinned
// provider's StatefulSet awaiter may take the object's stale status for a finished rollout
// (pulumi-kubernetes#3329), so it can report success at once.
import { MISSING_IMAGE } from "./cluster";
import { Kubectl, KubeObject } from "./kube";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { waitFor } from "./processes";
import { check, Report } from "./report";

const POD = "mcp-mesh-registry-0";
const STATEFUL_SET = "mcp-mesh-registry";
const CLAIM = "data-mcp-mesh-registry-0";
/** How long a `pulumi up` of this row may run before it is interrupted (the provider reports pod errors every 10 s). */
const UP_LIMIT_MS = 30_000;

function firstContainer(pod: KubeObject | undefined, field: "spec" | "status"): Record<string, unknown> | undefined {
    const list = field === "spec" ? pod?.spec?.containers : pod?.status?.containerStatuses;
    const first: unknown = Array.isArray(list) ? list[0] : undefined;
    return typeof first === "object" && first !== null ? Object.fromEntries(Object.entries(first)) : undefined;
}

function podImage(kubectl: Kubectl, namespace: string): string | undefined {
    const image = firstContainer(kubectl.get("pod", POD, namespace), "spec")?.image;
    return typeof image === "string" ? image : undefined;
}

/** The registry container's waiting reason, as `kubectl describe pod` shows it. */
function waitingReason(kubectl: Kubectl, namespace: string): string | undefined {
    const state = firstContainer(kubectl.get("pod", POD, namespace), "status")?.state;
    const waiting = typeof state === "object" && state !== null && "waiting" in state ? state.waiting : undefined;
    return typeof waiting === "object" && waiting !== null && "reason" in waiting && typeof waiting.reason === "string"
        ? waiting.reason
        : undefined;
}

/** `pulumi up`, interrupted (Pulumi cancels gracefully) once it has run UP_LIMIT_MS. */
async function boundedUp(cli: PulumiCli): Promise<{ status: number; words: string; seconds: number; interrupted: boolean }> {
    const started = Date.now();
    const running = cli.start(["up", "--yes", "--skip-preview"]);
    const finished = await Promise.race([running.done, new Promise<undefined>((resolve) => setTimeout(resolve, UP_LIMIT_MS))]);
    if (!finished) running.interrupt();
    const result = finished ?? (await running.done);
    return { status: result.status, words: cliWords(result), seconds: Math.round((Date.now() - started) / 1000), interrupted: !finished };
}

function describeUp(up: { status: number; words: string; seconds: number; interrupted: boolean }): string {
    const reason = up.words.split("\n").find((line) => /ErrImagePull/.test(line));
    return up.interrupted
        ? `still waiting after ${up.seconds} s (interrupted)${reason ? `, saying: ${reason.trim()}` : ""}`
        : `exited ${up.status} after ${up.seconds} s${reason ? `, saying: ${reason.trim()}` : " (no pod error in its words)"}`;
}

export async function runStuckRollout(
    suite: string,
    { cli, kubectl, namespace, report }: { cli: PulumiCli; kubectl: Kubectl; namespace: string; report: Report },
): Promise<void> {
    await report.step(
        suite,
        "a bad registry.image: the pod says ErrImagePull; reverting leaves it stuck; deleting it (the runbook) finishes the rollout",
        async () => {
            const claim = kubectl.get("persistentvolumeclaim", CLAIM, namespace)?.metadata.uid;
            const goodImage = podImage(kubectl, namespace);
            const stackFile = cli.stackFile();
            cli.configSet("registry.image", MISSING_IMAGE, { path: true });
            const bad = await boundedUp(cli);
            process.stdout.write(`[e2e] ${suite}: pulumi up with the bad image ${describeUp(bad)}\n`);
            const failing = await waitFor(
                () => podImage(kubectl, namespace) === MISSING_IMAGE && waitingReason(kubectl, namespace) === "ErrImagePull",
                30_000,
                1000,
            );
            check(
                failing,
                `pod ${POD}: image ${podImage(kubectl, namespace)}, waiting ${waitingReason(kubectl, namespace)}; expected ErrImagePull`,
            );

            cli.restoreStackFile(stackFile);
            const reverted = await boundedUp(cli);
            process.stdout.write(`[e2e] ${suite}: pulumi up after reverting ${describeUp(reverted)}\n`);
            // The forced-rollback limit: the controller waits for the broken pod and does not replace it (given 20 s at least).
            await waitFor(() => podImage(kubectl, namespace) !== MISSING_IMAGE, Math.max(0, 20 - reverted.seconds) * 1000, 1000);
            check(
                podImage(kubectl, namespace) === MISSING_IMAGE,
                `the reverted StatefulSet replaced the stuck pod by itself (now ${podImage(kubectl, namespace)}): the runbook is wrong`,
            );

            kubectl.exec(["delete", "pod", POD, "-n", namespace, "--wait=false"]);
            const rollout = kubectl.exec(["rollout", "status", `statefulset/${STATEFUL_SET}`, "-n", namespace, "--timeout=90s"]);
            check(rollout.status === 0, `kubectl rollout status after deleting the stuck pod: ${rollout.stdout}${rollout.stderr}`);
            check(podImage(kubectl, namespace) === goodImage, `the registry pod runs ${podImage(kubectl, namespace)}, not ${goodImage}`);
            check(kubectl.get("persistentvolumeclaim", CLAIM, namespace)?.metadata.uid === claim, `claim ${CLAIM} changed identity`);
            // An interrupted up may have left state behind the cluster: the runbook's last step.
            cli.must(["up", "--yes", "--skip-preview", "--refresh"]);
            const settled = cli.exec(["preview", "--expect-no-changes", "--diff"]);
            check(settled.status === 0, `after the runbook, a preview still plans changes:\n${cliWords(settled)}`);
        },
    );
}
