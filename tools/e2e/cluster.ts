// A throwaway Kubernetes control plane on loopback: etcd, kube-apiserver (PodSecurity admission
// on, as on any cluster), kube-controller-manager, kube-scheduler, and kwok driving a few fake
// nodes so pods are scheduled, become Running and Ready, and claims bind through a default
// StorageClass. kwok marks pods Ready whatever their probes and images: Ready proves
// admission, scheduling, binding and rollout, not the container.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { Toolchain } from "./toolchain";
import { makePki, Pki } from "./pki";
import { Daemons, freePort, run, waitFor } from "./processes";

/** Storage classes of the e2e cluster: the default one, and the names the stack files use. */
export const STORAGE_CLASSES = ["standard", "fast-ssd", "e2e-other"];
export const DEFAULT_STORAGE_CLASS = "standard";
export const CONTEXT = "mcp-mesh-e2e";
const NODE_COUNT = 3;
const KWOK_SELECTOR = "kwok.x-k8s.io/node=fake";

export interface Cluster {
    kubeconfig: string;
    context: string;
    stop(): Promise<void>;
    /** What went wrong, from the daemons' logs (for failure messages). */
    diagnostics(): string;
}

function writeKubeconfig(file: string, server: string, pki: Pki): void {
    const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: CONTEXT, cluster: { server, "certificate-authority": pki.caCert } }],
        users: [{ name: CONTEXT, user: { "client-certificate": pki.adminCert, "client-key": pki.adminKey } }],
        contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT } }],
        "current-context": CONTEXT,
    };
    fs.writeFileSync(file, stringify(config));
}

/** etcd reads every ETCD_* variable as a flag: start it without any. */
function envWithoutEtcdSettings(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("ETCD_")));
}

/** An image no registry has: kwok reports its pods' containers as failing to pull it (ErrImagePull), as a kubelet would. */
export const MISSING_IMAGE = "mcpmesh/registry:0.0.0-e2e-missing";
const IMAGE_KEY = "'.spec.containers.[].image'";

/** kwok stage: a pod with MISSING_IMAGE stays Pending, that container waiting in ErrImagePull, the others unready. */
const IMAGE_PULL_ERROR_STAGE = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-image-pull-error
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: ${IMAGE_KEY}
      operator: 'In'
      values: ['${MISSING_IMAGE}']
    - key: '.status.containerStatuses.[].state.waiting.reason'
      operator: 'NotIn'
      values: ['ErrImagePull']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: Ready
        reason: ContainersNotReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: ContainersReady
        reason: ContainersNotReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        {{ if eq .image "${MISSING_IMAGE}" }}
        state:
          waiting:
            reason: ErrImagePull
            message: {{ printf "failed to pull and unpack image %q: not found" .image | Quote }}
        {{ else }}
        state:
          waiting:
            reason: PodInitializing
        {{ end }}
      {{ end }}
      phase: Pending
      startTime: {{ $now | Quote }}
`;

/**
 * kwok's own stages (from its module), with the volume stages widened from its one
 * `kwok-volume` class to every class of this cluster, pods of MISSING_IMAGE kept from becoming
 * ready, and the stage that fails their pull.
 */
function kwokStages(toolchain: Toolchain, file: string): void {
    const files = [
        "node/fast/node-initialize.yaml",
        "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "pod/fast/pod-ready.yaml",
        "pod/fast/pod-complete.yaml",
        "pod/fast/pod-delete.yaml",
        "volume/fast/pvc-provision.yaml",
        "volume/fast/pv-bind.yaml",
        "volume/fast/pvc-delete.yaml",
        "volume/fast/pv-delete.yaml",
    ];
    const classes = STORAGE_CLASSES.map((name) => `'${name}'`).join(", ");
    const docs = files.map((name) => {
        const text = fs.readFileSync(path.join(toolchain.kwokStages, name), "utf8");
        const widened = text.replace(/self\.spec\.storageClassName == 'kwok-volume'/g, `self.spec.storageClassName in [${classes}]`);
        return name === "pod/fast/pod-ready.yaml"
            ? widened.replace(
                  "matchExpressions:\n",
                  `matchExpressions:\n    - key: ${IMAGE_KEY}\n      operator: 'NotIn'\n      values: ['${MISSING_IMAGE}']\n`,
              )
            : widened;
    });
    fs.writeFileSync(file, [...docs, IMAGE_PULL_ERROR_STAGE].join("\n---\n"));
}

function clusterObjects(): string {
    const nodes = Array.from({ length: NODE_COUNT }, (_, i) => {
        const capacity = { cpu: "16", memory: "64Gi", pods: "110", "ephemeral-storage": "100Gi" };
        return {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
                name: `kwok-node-${i}`,
                annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
                labels: {
                    "kubernetes.io/hostname": `kwok-node-${i}`,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": `zone-${String.fromCharCode(97 + i)}`,
                    type: "kwok",
                },
            },
            status: { capacity, allocatable: capacity },
        };
    });
    const classes = STORAGE_CLASSES.map((name) => ({
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: {
            name,
            annotations: name === DEFAULT_STORAGE_CLASS ? { "storageclass.kubernetes.io/is-default-class": "true" } : {},
        },
        provisioner: "kwok.x-k8s.io/volume",
        reclaimPolicy: "Delete",
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: true,
    }));
    return [...nodes, ...classes].map((object) => stringify(object)).join("---\n");
}

export async function startCluster(toolchain: Toolchain, dir: string): Promise<Cluster> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const daemons = new Daemons(path.join(dir, "logs"));
    const pki = makePki(path.join(dir, "pki"));
    const kubeconfig = path.join(dir, "kubeconfig");
    const kubectl = (...args: string[]) => run(toolchain.kubectl, ["--kubeconfig", kubeconfig, ...args]);
    const diagnostics = () =>
        ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
            .map((name) => `--- ${name}${daemons.running(name) ? "" : " (not running)"}\n${daemons.tail(name, 8)}`)
            .join("\n");
    const stop = () => daemons.stopAll();
    try {
        const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, freePort));
        daemons.start(
            "etcd",
            toolchain.etcd,
            [
                "--name=e2e",
                `--data-dir=${path.join(dir, "etcd")}`,
                `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
                `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
                `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
                `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
                `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
                "--log-level=warn",
            ],
            envWithoutEtcdSettings(),
        );
        daemons.start("kube-apiserver", toolchain.kubeApiserver, [
            `--etcd-servers=http://127.0.0.1:${etcdClient}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            `--cert-dir=${path.join(dir, "apiserver-certs")}`,
            `--tls-cert-file=${pki.serverCert}`,
            `--tls-private-key-file=${pki.serverKey}`,
            `--client-ca-file=${pki.caCert}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${pki.serviceAccountPub}`,
            `--service-account-signing-key-file=${pki.serviceAccountKey}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=Node,RBAC",
            "--profiling=false",
            // As on kubeadm-made clusters: privileged pods pass validation, PodSecurity admission decides.
            "--allow-privileged=true",
        ]);
        writeKubeconfig(kubeconfig, `https://127.0.0.1:${apiPort}`, pki);
        const ready = await waitFor(() => kubectl("get", "--raw", "/readyz").status === 0, 120_000, 500);
        if (!ready) {
            throw new Error(`kube-apiserver did not become ready in 120 s:\n${diagnostics()}`);
        }
        daemons.start("kube-controller-manager", toolchain.kubeControllerManager, [
            `--kubeconfig=${kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${kcmPort}`,
            "--leader-elect=false",
            `--service-account-private-key-file=${pki.serviceAccountKey}`,
            `--root-ca-file=${pki.caCert}`,
            `--cluster-signing-cert-file=${pki.caCert}`,
            `--cluster-signing-key-file=${pki.caKey}`,
            "--use-service-account-credentials=false",
        ]);
        daemons.start("kube-scheduler", toolchain.kubeScheduler, [
            `--kubeconfig=${kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${schedPort}`,
            "--leader-elect=false",
        ]);
        const stages = path.join(dir, "kwok-stages.yaml");
        kwokStages(toolchain, stages);
        daemons.start("kwok", toolchain.kwok, [
            `--kubeconfig=${kubeconfig}`,
            "--manage-all-nodes=false",
            `--manage-nodes-with-annotation-selector=${KWOK_SELECTOR}`,
            `--config=${stages}`,
            "--cidr=10.244.0.0/16",
            "--node-ip=127.0.0.1",
            // Renew node leases: without them the node-lifecycle controller marks the nodes
            // NotReady after ~40 s (the heartbeat stage refreshes status only every 10 minutes).
            "--node-lease-duration-seconds=40",
            `--server-address=127.0.0.1:${kwokPort}`,
        ]);
        const objects = run(toolchain.kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], { input: clusterObjects() });
        if (objects.status !== 0) {
            throw new Error(`creating nodes and storage classes failed: ${objects.stderr.trim()}`);
        }
        const nodesReady = await waitFor(
            () => kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=5s").status === 0,
            120_000,
            1000,
        );
        // The namespace controller and service-account controller must be up before stacks create pods.
        const defaultAccount = await waitFor(
            () => kubectl("get", "serviceaccount", "default", "-n", "default").status === 0,
            120_000,
            1000,
        );
        if (!nodesReady || !defaultAccount) {
            throw new Error(`the cluster did not come up (nodes Ready: ${nodesReady}, controllers: ${defaultAccount}):\n${diagnostics()}`);
        }
        return { kubeconfig, context: CONTEXT, stop, diagnostics };
    } catch (error) {
        await stop();
        throw error;
    }
}
