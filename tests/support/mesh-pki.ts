// Certificates for the TLS contract tests, made with openssl: a CA, and leaf certificates it
// signs with the names and usages cert-manager's Certificates ask for (server and client auth).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { K8sObject } from "./render";

export interface Pem {
    cert: string;
    key: string;
}

export interface Ca extends Pem {
    certFile: string;
    keyFile: string;
}

function openssl(args: string[], cwd: string): void {
    const result = spawnSync("openssl", args, { cwd, encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`openssl ${args.join(" ")}: ${result.stderr}${result.error?.message ?? ""}`);
    }
}

/** A self-signed CA (P-256), like the self-signed chain's CA Certificate. */
export function makeCa(dir: string, name: string): Ca {
    fs.mkdirSync(dir, { recursive: true });
    const certFile = path.join(dir, `${name}.crt`);
    const keyFile = path.join(dir, `${name}.key`);
    openssl(
        [
            ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"],
            ...["-subj", `/CN=${name}`, "-keyout", keyFile, "-out", certFile],
            ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ],
        dir,
    );
    return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), certFile, keyFile };
}

/** A leaf certificate `ca` signs for `dnsNames` and `ips`, for server and client authentication. */
export function makeLeaf(dir: string, ca: Ca, name: string, dnsNames: string[], ips: string[] = []): Pem {
    const base = path.join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
    openssl(
        [
            ...["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
            ...["-subj", `/CN=${name}`, "-keyout", `${base}.key`, "-out", `${base}.csr`],
        ],
        dir,
    );
    const san = [...dnsNames.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
    fs.writeFileSync(
        `${base}.ext`,
        `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n`,
    );
    openssl(
        [
            ...["x509", "-req", "-in", `${base}.csr`, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial"],
            ...["-days", "1", "-extfile", `${base}.ext`, "-out", `${base}.crt`],
        ],
        dir,
    );
    return { cert: fs.readFileSync(`${base}.crt`, "utf8"), key: fs.readFileSync(`${base}.key`, "utf8") };
}

/** A workload's certificate Secret as cert-manager writes it (and as source `secrets` expects it). */
export function tlsSecret(name: string, namespace: string, leaf: Pem, ca: Pem): K8sObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": leaf.cert, "tls.key": leaf.key, "ca.crt": ca.cert },
    };
}

/** The loopback addresses LocalCluster gives its pods (certificates name them: there is no cluster DNS here). */
export const LOOPBACK_POD_IPS = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 2}`);
