// An agent with autoscaling, run for real: the server accepts its HorizontalPodAutoscaler, the
// real controller-manager's HPA controller moves the Deployment's replica count (the cluster has
// no metrics, so it only brings the Deployment up to minReplicas, which is the same write it
// makes under load), and Pulumi leaves that count alone: no change planned, none made, before
// and after a refresh. The Deployment carries no spec.replicas, so there is nothing to fight over.
import { Kubectl, podCreationRefusal } from "./kube";
import { cliWords, PulumiCli } from "./pulumi-cli";
import { waitFor } from "./processes";
import { check, Report } from "./report";

const AGENT = "scaler";
const MIN_REPLICAS = 2;
const MAX_REPLICAS = 4;
/** The HPA controller syncs every 15 s; a busy 2-core machine gets a generous margin. */
const HPA_WAIT_MS = 180_000;

export interface AutoscaledAgentContext {
    cli: PulumiCli;
    kubectl: Kubectl;
    namespace: string;
    report: Report;
    /** Index the agent takes in `agents` (it is removed again at the end). */
    agentIndex: number;
}

function specReplicas(kubectl: Kubectl, namespace: string): number | undefined {
    const replicas = kubectl.get("deployment", AGENT, namespace)?.spec?.replicas;
    return typeof replicas === "number" ? replicas : undefined;
}

export async function runAutoscaledAgent(
    suite: string,
    { cli, kubectl, namespace, report, agentIndex }: AutoscaledAgentContext,
): Promise<void> {
    const agent = `agents[${agentIndex}]`;
    const up = async (when: string): Promise<void> => {
        const result = await cli.watched(["up", "--yes", "--skip-preview"], () => podCreationRefusal(kubectl, namespace));
        check(result.status === 0, `${when}: pulumi up exited ${result.status}:\n${cliWords(result)}`);
    };
    const noChange = (when: string): void => {
        const preview = cli.exec(["preview", "--expect-no-changes", "--diff"]);
        check(preview.status === 0, `${when}: preview plans a change (a fight with the HPA):\n${cliWords(preview)}`);
    };

    await report.step(
        suite,
        `autoscaling: the server accepts ${AGENT}'s HPA, the HPA controller scales it to ${MIN_REPLICAS}, pulumi up and refresh leave that count`,
        async () => {
            cli.configSet(`${agent}.name`, AGENT, { path: true });
            cli.configSet(`${agent}.code`, "agents/hello_world.py", { path: true });
            cli.configSet(`${agent}.autoscaling.minReplicas`, String(MIN_REPLICAS), { path: true });
            cli.configSet(`${agent}.autoscaling.maxReplicas`, String(MAX_REPLICAS), { path: true });
            try {
                await up("autoscaled agent added");
                const hpa = kubectl.get("horizontalpodautoscaler", AGENT, namespace);
                check(hpa !== undefined, `no HorizontalPodAutoscaler ${AGENT} on the server`);
                const target = hpa?.spec?.scaleTargetRef;
                const targets = (field: string, value: string): boolean =>
                    typeof target === "object" &&
                    target !== null &&
                    field in target &&
                    Object.entries(target).some(([k, v]) => k === field && v === value);
                check(
                    targets("apiVersion", "apps/v1") && targets("kind", "Deployment") && targets("name", AGENT),
                    `the HPA targets ${JSON.stringify(target)}, not Deployment ${AGENT}`,
                );
                check(
                    hpa?.spec?.minReplicas === MIN_REPLICAS && hpa?.spec?.maxReplicas === MAX_REPLICAS,
                    `the HPA's bounds on the server: ${hpa?.spec?.minReplicas}..${hpa?.spec?.maxReplicas}, expected ${MIN_REPLICAS}..${MAX_REPLICAS}`,
                );
                const scaled = await waitFor(() => specReplicas(kubectl, namespace) === MIN_REPLICAS, HPA_WAIT_MS, 2000);
                check(
                    scaled,
                    `the HPA controller did not set Deployment ${AGENT} to ${MIN_REPLICAS} replicas within ${HPA_WAIT_MS / 1000} s (spec.replicas: ${specReplicas(kubectl, namespace)})`,
                );
                noChange("after the HPA scaled");
                await up("pulumi up after the HPA scaled");
                check(
                    specReplicas(kubectl, namespace) === MIN_REPLICAS,
                    `pulumi up reset the HPA's count: spec.replicas is ${specReplicas(kubectl, namespace)}, the HPA set ${MIN_REPLICAS}`,
                );
                cli.must(["refresh", "--yes", "--skip-preview"]);
                noChange("after refresh");
            } finally {
                // The later rows count agents from the stack file: leave it as it was.
                cli.must(["config", "rm", "--path", agent]);
                await up("autoscaled agent removed");
            }
            check(kubectl.get("horizontalpodautoscaler", AGENT, namespace) === undefined, `HPA ${AGENT} outlived its agent`);
        },
    );
}
