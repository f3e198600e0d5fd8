// Mutual TLS for a mesh workload (tls.enabled): where its certificate Secret is mounted, the
// runtime's TLS variables, and exec probes that present the mesh certificate (in strict mode
// the registry answers 403 to a client without one, /health included, and an agent's TLS
// handshake fails without one: a kubelet httpGet probe can reach neither).
//
// Every certificate source lays a workload's Secret out the same way, the layout cert-manager
// writes: `tls.crt`, `tls.key` and `ca.crt` (the mesh CA).
//
// Neither the registry nor the runtime reloads a renewed certificate (run: a certificate file
// replaced under a running 3.7.1 registry and agent; both still serve the old one a minute
// later), so the probes restart a container whose certificate was renewed: the startup probe
// keeps a copy of the certificate the process started with (named after the process's start
// time, so that a restarted container takes a fresh one), the liveness probe fails once the
// mounted certificate differs from it; the kubelet restarts the container, which loads the new one.
import * as pulumi from "@pulumi/pulumi";
import { Probe, Volume, VolumeMount } from "./types";

/** The workload's certificate, key and the mesh CA (its TLS Secret, as cert-manager writes it). */
export const MESH_TLS_DIR = "/etc/mcp-mesh/mesh-tls";
/** The registry's filestore trust dir: the mesh CA as `ca.pem` (the filestore loads `*.pem` only). */
export const MESH_TRUST_DIR = "/etc/mcp-mesh/trust";
export const MESH_TLS_CERT = `${MESH_TLS_DIR}/tls.crt`;
export const MESH_TLS_KEY = `${MESH_TLS_DIR}/tls.key`;
export const MESH_TLS_CA = `${MESH_TLS_DIR}/ca.crt`;
/** Where the startup probe keeps the certificate the process started with (an emptyDir). */
const LOADED_CERT_PREFIX = "/tmp/mesh-tls-loaded";

/** What a mesh workload's component takes with tls.enabled. */
export interface MeshTlsArgs {
    /** The Secret holding its certificate (`tls.crt`, `tls.key`, `ca.crt`). */
    secretName: pulumi.Input<string>;
    /**
     * A fingerprint of the certificate, where the program knows it (tls.source=pulumi): a
     * pod-template annotation, so that a renewed certificate rolls the pods. Default: none
     * (the liveness probe restarts a container whose mounted certificate was renewed).
     */
    certificateFingerprint?: pulumi.Input<string>;
}

/** The pod-template annotation that rolls the pods when the program renews their certificate. */
export function certificateAnnotation(tls: MeshTlsArgs | undefined): Record<string, pulumi.Input<string>> {
    return tls?.certificateFingerprint !== undefined ? { "checksum/certificate": tls.certificateFingerprint } : {};
}

/** The Secret volume (and the trust dir, for the registry) and their mounts. */
export function meshTlsVolumes(secretName: pulumi.Input<string>, trustDir: boolean): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [{ name: "mesh-tls", secret: { secretName, defaultMode: 0o440 } }];
    const mounts: VolumeMount[] = [{ name: "mesh-tls", mountPath: MESH_TLS_DIR, readOnly: true }];
    if (trustDir) {
        volumes.push({
            name: "mesh-trust",
            secret: { secretName, defaultMode: 0o444, items: [{ key: "ca.crt", path: "ca.pem" }] },
        });
        mounts.push({ name: "mesh-trust", mountPath: MESH_TRUST_DIR, readOnly: true });
    }
    return { volumes, mounts };
}

/** The runtime's and the registry's TLS variables: strict mutual TLS with the mounted certificate. */
export function meshTlsEnv(): Record<string, string> {
    return {
        MCP_MESH_TLS_MODE: "strict",
        MCP_MESH_TLS_CERT: MESH_TLS_CERT,
        MCP_MESH_TLS_KEY: MESH_TLS_KEY,
        MCP_MESH_TLS_CA: MESH_TLS_CA,
    };
}

/** The registry's registration trust: only clients with a certificate from a CA in the trust dir. */
export function registryTrustEnv(): Record<string, string> {
    return { MCP_MESH_TRUST_BACKEND: "filestore", MCP_MESH_TRUST_DIR: MESH_TRUST_DIR };
}

export type ProbeKind = "startup" | "liveness" | "readiness";
export interface ProbeTiming {
    initialDelaySeconds?: number;
    periodSeconds: number;
    timeoutSeconds: number;
    failureThreshold: number;
}

/** The copy of the certificate the container's process (pid 1) started with. */
const LOADED_CERT = `${LOADED_CERT_PREFIX}.$(cut -d ' ' -f 22 /proc/1/stat)`;

/** Shell lines that keep (startup) or compare (liveness) the certificate the process started with. */
function renewalCheck(kind: ProbeKind): string[] {
    if (kind === "startup") {
        return [`loaded=${LOADED_CERT}`, `[ -f "$loaded" ] || cp ${MESH_TLS_CERT} "$loaded"`];
    }
    if (kind === "liveness") {
        return [`cmp -s ${LOADED_CERT} ${MESH_TLS_CERT} || { echo "mesh certificate renewed: restarting to load it"; exit 1; }`];
    }
    return [];
}

/**
 * The registry's probe (image: debian:12-slim with wget): GET `path` on its own port over
 * mutual TLS, presenting its own certificate. The server is its own container on loopback:
 * its certificate is not checked (its names need not include localhost).
 */
export function registryExecProbe(kind: ProbeKind, path: string, port: number, timing: ProbeTiming): Probe {
    const get =
        "wget -q -O /dev/null --no-hsts --tries=1 --timeout=" +
        `${timing.timeoutSeconds} --no-check-certificate --certificate=${MESH_TLS_CERT} ` +
        `--private-key=${MESH_TLS_KEY} https://127.0.0.1:${port}${path}`;
    return { exec: { command: ["sh", "-c", [...renewalCheck(kind), get].join("\n")] }, ...timing };
}

/**
 * A probe of a mesh client that serves plain HTTP itself (the dashboard; image debian:12-slim
 * with wget): GET `path` on its own port, with the renewal check of the client certificate it
 * loaded at start (meshui does not reload it either).
 */
export function clientExecProbe(kind: ProbeKind, path: string, port: number, timing: ProbeTiming): Probe {
    const get = `wget -q -O /dev/null --tries=1 --timeout=${timing.timeoutSeconds} http://127.0.0.1:${port}${path}`;
    return { exec: { command: ["sh", "-c", [...renewalCheck(kind), get].join("\n")] }, ...timing };
}

/**
 * An agent's probe (image: python, whose entrypoint it is): the same with the runtime's Python,
 * through sh for the renewal check.
 */
export function agentExecProbe(kind: ProbeKind, path: string, port: number, timing: ProbeTiming): Probe {
    const get = [
        "python -c 'import ssl, sys, urllib.request as r",
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE",
        `c.load_cert_chain("${MESH_TLS_CERT}", "${MESH_TLS_KEY}")`,
        `r.urlopen("https://127.0.0.1:${port}${path}", context=c, timeout=${timing.timeoutSeconds})'`,
    ].join("\n");
    return { exec: { command: ["sh", "-c", [...renewalCheck(kind), get].join("\n")] }, ...timing };
}
