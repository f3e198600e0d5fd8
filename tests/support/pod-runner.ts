// Runs a rendered pod's container as a local process, the way the kubelet would: env and envFrom
// resolved from the rendered ConfigMaps and Secrets, the image's entrypoint with the container's
// command/args, each volume mount mapped to a temporary directory (ConfigMap and Secret volumes
// filled from the rendered objects, claims shared by name), the pod's IP a loopback address of
// its own (127.0.0.0/8), so that "0.0.0.0" inside the pod is that address and several replicas
// can listen on the same declared port. Cluster DNS names of rendered Services resolve to a
// ready pod they select. Nothing depends on the uid the tests run as.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { K8sObject } from "./render";
import { ContainerView, PodTemplateView, podTemplate } from "./pods";

/** What a container image contributes: its entrypoint and default arguments. */
export interface ImageContract {
    /** The program that stands in for the image's ENTRYPOINT (absolute path on this machine). */
    entrypoint: string[];
    /** The image's CMD, used when the container sets no args. */
    cmd?: string[];
    /** Environment the image sets (ENV lines). */
    env?: Record<string, string>;
}

export interface ProbeView {
    httpGet?: { path: string; port: string | number; scheme?: string };
    exec?: { command: string[] };
}

interface VolumeView {
    name: string;
    configMap?: { name: string; items?: { key: string; path: string }[] };
    secret?: { secretName: string; items?: { key: string; path: string }[] };
    persistentVolumeClaim?: { claimName: string };
    emptyDir?: object;
}

interface EnvSource {
    name: string;
    value?: string;
    valueFrom?: {
        configMapKeyRef?: { name: string; key: string };
        secretKeyRef?: { name: string; key: string };
        fieldRef?: { fieldPath: string };
    };
}

interface ContainerSpec extends ContainerView {
    command?: string[];
    args?: string[];
    ports?: { name?: string; containerPort: number }[];
}

export interface RunningPod {
    name: string;
    ip: string;
    process: ChildProcess;
    /** Directory standing in for the container's (read-only) root filesystem and HOME. */
    rootDir: string;
    /** Host directory of each mount path. */
    mounts: Map<string, string>;
    output: () => string;
    exited: Promise<number | null>;
    isRunning: () => boolean;
    container: ContainerSpec;
}

/** Variables whose host a process announces to others (never resolved here: the test checks them as rendered). */
export const ADVERTISED_ENV = ["MCP_MESH_HTTP_HOST"];

const CLUSTER_DNS = /([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local/g;

/** The in-cluster world of one rendered stack, on loopback. */
export class LocalCluster {
    private nextIp = 2;
    private readonly pods: RunningPod[] = [];
    private readonly claims = new Map<string, string>();

    private readonly objects: readonly K8sObject[];

    constructor(
        rendered: readonly K8sObject[],
        private readonly workDir: string,
        /** Extra PATH entries for every process (tools an image would carry, e.g. sqlite3, pg_dump). */
        private readonly pathDirs: string[] = [],
        /** Objects the stack expects to exist already (e.g. a TLS Secret the user creates). */
        existing: readonly K8sObject[] = [],
    ) {
        this.objects = [...rendered, ...existing];
    }

    object(kind: string, name: string): K8sObject {
        const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name);
        if (!found) {
            throw new Error(`no ${kind}/${name} in the render`);
        }
        return found;
    }

    /** The host directory of a PersistentVolumeClaim (created once, shared by every pod that mounts it). */
    claimDir(claimName: string): string {
        let dir = this.claims.get(claimName);
        if (!dir) {
            dir = path.join(this.workDir, "claims", claimName);
            fs.mkdirSync(dir, { recursive: true });
            this.claims.set(claimName, dir);
        }
        return dir;
    }

    private configData(kind: "ConfigMap" | "Secret", name: string): Record<string, string> {
        const object = this.object(kind, name) as K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> };
        return { ...(object.data ?? {}), ...(object.stringData ?? {}) };
    }

    /** Starts a pod of a workload (Deployment, StatefulSet ordinal, CronJob run). */
    start(
        workload: K8sObject,
        image: ImageContract,
        options: {
            podName?: string;
            ordinal?: number;
            containerName?: string;
            commandOverride?: string[];
            /** Advertise the pod's IP instead of its Service's DNS name (loopback has no cluster DNS to dial it by). */
            advertiseIp?: boolean;
            /** Another container of that pod (e.g. after its init container): the same emptyDir volumes. */
            inPodOf?: RunningPod;
        } = {},
    ): RunningPod {
        const template = podTemplate(workload);
        if (!template) {
            throw new Error(`${workload.kind}/${workload.metadata.name} has no pod template`);
        }
        const ordinal = options.ordinal ?? 0;
        const podName =
            options.podName ?? (workload.kind === "StatefulSet" ? `${workload.metadata.name}-${ordinal}` : workload.metadata.name);
        const ip = `127.0.0.${this.nextIp++}`;
        // By name, an init container too (the kubelet runs those first; the caller orders them).
        const container = (
            options.containerName ? [...(template.spec.initContainers ?? []), ...template.spec.containers] : template.spec.containers
        )
            .map((c) => c as ContainerSpec)
            .find((c) => !options.containerName || c.name === options.containerName);
        if (!container) {
            throw new Error(`no container ${options.containerName ?? ""} in ${workload.metadata.name}`);
        }
        const podDir = options.inPodOf ? path.dirname(options.inPodOf.rootDir) : fs.mkdtempSync(path.join(this.workDir, `${podName}-`));
        const rootDir = path.join(podDir, "root");
        fs.mkdirSync(rootDir, { recursive: true });
        const mounts = this.mountVolumes(workload, template, container, podDir, podName);
        const mapPath = (value: string) => mapMountPath(value, mounts);
        const env = this.resolveEnv(container, { podName, ip, mapPath });
        if (options.advertiseIp) {
            for (const name of ADVERTISED_ENV.filter((variable) => variable in env)) {
                env[name] = ip;
            }
        }
        // Kubernetes: command replaces the ENTRYPOINT, args the CMD (and command without args drops the CMD).
        // Paths inside the container map to their mounts; the image's own program (a path on
        // this machine standing in for the ENTRYPOINT) is not a container path and stays as is.
        const inPod = (args: string[]) => args.map(mapPath).map((arg) => (arg === "0.0.0.0" ? ip : arg));
        const argv = options.commandOverride
            ? inPod(options.commandOverride)
            : container.command
              ? inPod([...container.command, ...(container.args ?? [])])
              : [...image.entrypoint, ...inPod(container.args ?? image.cmd ?? [])];
        const child = spawn(argv[0], argv.slice(1), {
            cwd: rootDir,
            env: {
                PATH: [...this.pathDirs, process.env.PATH ?? "/usr/bin:/bin"].join(":"),
                HOME: rootDir,
                ...(image.env ?? {}),
                ...env,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        let running = true;
        const exited = new Promise<number | null>((resolve) => {
            child.on("exit", (code) => {
                running = false;
                resolve(code);
            });
            child.on("error", (error) => {
                running = false;
                output += String(error);
                resolve(-1);
            });
        });
        const pod: RunningPod = {
            name: podName,
            ip,
            process: child,
            rootDir,
            mounts,
            output: () => output,
            exited,
            isRunning: () => running,
            container,
        };
        this.pods.push(pod);
        return pod;
    }

    private mountVolumes(
        workload: K8sObject,
        template: PodTemplateView,
        container: ContainerSpec,
        podDir: string,
        podName: string,
    ): Map<string, string> {
        const volumes = (template.spec.volumes ?? []) as VolumeView[];
        const claimTemplates = new Set(
            ((workload.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates ?? []).map(
                (t) => t.metadata.name,
            ),
        );
        const mounts = new Map<string, string>();
        for (const mount of container.volumeMounts ?? []) {
            const volume = volumes.find((v) => v.name === mount.name);
            let dir: string;
            if (volume?.configMap || volume?.secret) {
                dir = path.join(podDir, "volumes", mount.name);
                fs.mkdirSync(dir, { recursive: true });
                const data = volume.configMap
                    ? this.configData("ConfigMap", volume.configMap.name)
                    : this.configData("Secret", volume.secret?.secretName ?? "");
                const items = volume.configMap?.items ?? volume.secret?.items ?? Object.keys(data).map((key) => ({ key, path: key }));
                for (const item of items) {
                    if (data[item.key] === undefined) {
                        throw new Error(`${podName}: volume ${mount.name} needs key ${item.key}, which the render does not hold`);
                    }
                    fs.writeFileSync(path.join(dir, item.path), data[item.key]);
                }
            } else if (volume?.persistentVolumeClaim) {
                dir = this.claimDir(volume.persistentVolumeClaim.claimName);
            } else if (!volume && claimTemplates.has(mount.name)) {
                dir = this.claimDir(`${mount.name}-${podName}`);
            } else if (volume?.emptyDir) {
                dir = path.join(podDir, "volumes", mount.name);
                fs.mkdirSync(dir, { recursive: true });
            } else {
                throw new Error(`${podName}: mount ${mount.name} has no volume the emulation knows`);
            }
            mounts.set(mount.mountPath, dir);
        }
        return mounts;
    }

    private resolveEnv(
        container: ContainerSpec,
        pod: { podName: string; ip: string; mapPath: (value: string) => string },
    ): Record<string, string> {
        const env: Record<string, string> = {};
        for (const source of container.envFrom ?? []) {
            if (source.configMapRef) {
                Object.assign(env, this.configData("ConfigMap", source.configMapRef.name));
            }
            if (source.secretRef) {
                Object.assign(env, this.configData("Secret", source.secretRef.name));
            }
        }
        for (const variable of (container.env ?? []) as EnvSource[]) {
            const from = variable.valueFrom;
            if (variable.value !== undefined) {
                env[variable.name] = variable.value;
            } else if (from?.configMapKeyRef) {
                env[variable.name] = this.required("ConfigMap", from.configMapKeyRef.name, from.configMapKeyRef.key);
            } else if (from?.secretKeyRef) {
                env[variable.name] = this.required("Secret", from.secretKeyRef.name, from.secretKeyRef.key);
            } else if (from?.fieldRef) {
                const fields: Record<string, string> = {
                    "status.podIP": pod.ip,
                    "metadata.name": pod.podName,
                    "metadata.namespace": "default",
                };
                env[variable.name] = fields[from.fieldRef.fieldPath] ?? "";
            }
        }
        // Inside the pod "0.0.0.0" is the pod's address; cluster DNS names resolve to a pod the
        // Service selects; except names a process only announces (ADVERTISED_ENV), never dials.
        return Object.fromEntries(
            Object.entries(env).map(([name, value]) => {
                const mapped = pod.mapPath(value === "0.0.0.0" ? pod.ip : value);
                return [name, ADVERTISED_ENV.includes(name) ? mapped : this.resolveServiceUrl(mapped)];
            }),
        );
    }

    private required(kind: "ConfigMap" | "Secret", name: string, key: string): string {
        const value = this.configData(kind, name)[key];
        if (value === undefined) {
            throw new Error(`${kind}/${name} has no key ${key}`);
        }
        return value;
    }

    /** Rewrites cluster DNS names of rendered Services in a URL to the IP of a pod they select. */
    resolveServiceUrl(url: string): string {
        return url.replace(CLUSTER_DNS, (host, service: string) => {
            const svc = this.objects.find((o) => o.kind === "Service" && o.metadata.name === service);
            const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
            const pod = this.pods.find(
                (p) => p.isRunning() && Object.entries(selector).every(([key, value]) => this.labelsOf(p)?.[key] === value),
            );
            return pod ? pod.ip : host;
        });
    }

    private readonly podLabels = new Map<RunningPod, Record<string, string>>();

    labelsOf(pod: RunningPod): Record<string, string> | undefined {
        return this.podLabels.get(pod);
    }

    /** Like start, and records the template's labels so Services can select the pod. */
    run(workload: K8sObject, image: ImageContract, options: Parameters<LocalCluster["start"]>[2] = {}): RunningPod {
        const pod = this.start(workload, image, options);
        this.podLabels.set(pod, podTemplate(workload)?.metadata.labels ?? {});
        return pod;
    }

    async stop(pod: RunningPod): Promise<void> {
        if (pod.isRunning()) {
            pod.process.kill("SIGTERM");
            const timer = setTimeout(() => pod.process.kill("SIGKILL"), 10_000);
            await pod.exited;
            clearTimeout(timer);
        }
    }

    async stopAll(): Promise<void> {
        await Promise.all(this.pods.map((pod) => this.stop(pod)));
    }
}

/** Maps an absolute path inside the container to its host directory (longest mount path first). */
export function mapMountPath(value: string, mounts: Map<string, string>): string {
    const mountPaths = [...mounts.keys()].sort((a, b) => b.length - a.length);
    for (const mountPath of mountPaths) {
        if (value === mountPath || value.startsWith(`${mountPath}/`)) {
            return `${mounts.get(mountPath)}${value.slice(mountPath.length)}`;
        }
    }
    return value;
}

export interface HttpAnswer {
    status: number;
    body: string;
}

/** A client certificate (PEM text) to present over HTTPS. */
export interface ClientCertificate {
    cert: string;
    key: string;
}

/** GET over HTTP or HTTPS (a self-signed certificate is accepted), with a per-request timeout. */
export function httpGet(url: string, timeoutMs = 5_000, client?: ClientCertificate): Promise<HttpAnswer> {
    return httpRequest("GET", url, undefined, timeoutMs, client);
}

/** A request with an optional JSON body over HTTP or HTTPS (a self-signed certificate is accepted), with a per-request timeout. */
export function httpRequest(
    method: string,
    url: string,
    json?: unknown,
    timeoutMs = 5_000,
    client?: ClientCertificate,
    headers: Record<string, string> = {},
): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const body = json === undefined ? undefined : JSON.stringify(json);
        const request = (url.startsWith("https:") ? https : http).request(
            url,
            {
                method,
                timeout: timeoutMs,
                rejectUnauthorized: false,
                headers:
                    body === undefined
                        ? headers
                        : { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
                ...(client ? { cert: client.cert, key: client.key } : {}),
            },
            (response) => {
                let text = "";
                response.on("data", (chunk: Buffer) => (text += chunk.toString()));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
            },
        );
        request.on("timeout", () => request.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
        request.on("error", reject);
        request.end(body);
    });
}

/** A JSON-RPC request to an agent's MCP endpoint (`/mcp`, which may answer as an event stream); the answer's text. */
export async function mcpCall(url: string, body: object, client?: ClientCertificate): Promise<string> {
    const answer = await httpRequest("POST", url, body, 60_000, client, { accept: "application/json, text/event-stream" });
    return answer.body;
}

/** The URL a kubelet would probe: the named (or numbered) port of the container, on the pod's IP. */
export function probeUrl(pod: RunningPod, probe: unknown): string {
    const httpGetSpec = (probe as ProbeView | undefined)?.httpGet;
    if (!httpGetSpec) {
        throw new Error(`${pod.name}: probe is not an httpGet probe`);
    }
    const port =
        typeof httpGetSpec.port === "number"
            ? httpGetSpec.port
            : pod.container.ports?.find((p) => p.name === httpGetSpec.port)?.containerPort;
    if (port === undefined) {
        throw new Error(`${pod.name}: probe port ${String(httpGetSpec.port)} is not a declared container port`);
    }
    const scheme = (httpGetSpec.scheme ?? "HTTP").toLowerCase();
    return `${scheme}://${pod.ip}:${port}${httpGetSpec.path}`;
}

/**
 * Runs an exec probe's command the way the kubelet would inside the container: its paths map
 * to the pod's mounts, the container's own loopback (127.0.0.1) is the pod's IP, its pid 1 is
 * the pod's process; `pathDirs` stand for the image's programs (e.g. python, wget).
 */
export function execProbe(
    pod: RunningPod,
    probe: unknown,
    pathDirs: string[] = [],
    timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
    const command = (probe as ProbeView | undefined)?.exec?.command;
    if (!command) {
        throw new Error(`${pod.name}: probe is not an exec probe`);
    }
    const inPod = (arg: string) =>
        mapMountPathsIn(arg, pod.mounts)
            .split("127.0.0.1")
            .join(pod.ip)
            .split("/proc/1/")
            .join(`/proc/${pod.process.pid ?? 0}/`);
    const argv = command.map(inPod);
    return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), {
            cwd: pod.rootDir,
            env: { PATH: [...pathDirs, process.env.PATH ?? "/usr/bin:/bin"].join(":"), HOME: pod.rootDir },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, output });
        });
    });
}

/** Maps every container path inside `text` (e.g. a shell script) to its host directory. */
export function mapMountPathsIn(text: string, mounts: Map<string, string>): string {
    const mountPaths = [...mounts.keys()].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(`(${mountPaths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})(?=$|[/\\s"'])`, "g");
    return mountPaths.length === 0 ? text : text.replace(pattern, (match) => mounts.get(match) ?? match);
}

/** Probes as the kubelet does: an httpGet succeeds on a status in [200, 400), an exec on exit 0. */
export async function probeOk(pod: RunningPod, probe: unknown, pathDirs: string[] = []): Promise<boolean> {
    if ((probe as ProbeView | undefined)?.exec) {
        return (await execProbe(pod, probe, pathDirs)).code === 0;
    }
    try {
        const answer = await httpGet(probeUrl(pod, probe));
        return answer.status >= 200 && answer.status < 400;
    } catch {
        return false;
    }
}

/** Polls until `check` holds; fails with what it last saw (and the pod's output) after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, pod?: RunningPod): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) {
            return;
        }
        if (pod && !pod.isRunning()) {
            throw new Error(`${what}: ${pod.name} exited\n${pod.output()}`);
        }
        if (Date.now() > deadline) {
            throw new Error(`${what}: not within ${timeoutMs} ms${pod ? `\n${pod.name} output:\n${pod.output()}` : ""}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

/** Every file under `dir`, relative to it. */
export function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((entry) => fs.statSync(path.join(dir, entry)).isFile())
        .sort();
}
