// The certificates of a throwaway control plane, made with openssl: a CA, the API server's
// serving certificate for 127.0.0.1, an admin client in system:masters, and the
// service-account signing key pair.
import * as fs from "fs";
import * as path from "path";
import { run } from "./processes";

export interface Pki {
    caCert: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    adminCert: string;
    adminKey: string;
    serviceAccountKey: string;
    serviceAccountPub: string;
}

function openssl(args: string[]): void {
    const result = run("openssl", args);
    if (result.status !== 0) {
        throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
    }
}

function signedCert(
    dir: string,
    name: string,
    subject: string,
    extensions: string,
    pki: { caCert: string; caKey: string },
): { cert: string; key: string } {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.crt`);
    const ext = path.join(dir, `${name}.ext`);
    fs.writeFileSync(ext, extensions);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
    openssl([
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        pki.caCert,
        "-CAkey",
        pki.caKey,
        "-CAcreateserial",
        "-out",
        cert,
        "-days",
        "2",
        "-extfile",
        ext,
    ]);
    return { cert, key };
}

export function makePki(dir: string): Pki {
    fs.mkdirSync(dir, { recursive: true });
    const caKey = path.join(dir, "ca.key");
    const caCert = path.join(dir, "ca.crt");
    openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        caKey,
        "-out",
        caCert,
        "-days",
        "2",
        "-subj",
        "/CN=mcp-mesh-e2e-ca",
    ]);
    const ca = { caCert, caKey };
    const server = signedCert(
        dir,
        "apiserver",
        "/CN=kube-apiserver",
        "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n" +
            "extendedKeyUsage=serverAuth\n",
        ca,
    );
    const admin = signedCert(dir, "admin", "/O=system:masters/CN=mcp-mesh-e2e-admin", "extendedKeyUsage=clientAuth\n", ca);
    const serviceAccountKey = path.join(dir, "sa.key");
    const serviceAccountPub = path.join(dir, "sa.pub");
    openssl(["genrsa", "-out", serviceAccountKey, "2048"]);
    openssl(["rsa", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPub]);
    return {
        caCert,
        caKey,
        serverCert: server.cert,
        serverKey: server.key,
        adminCert: admin.cert,
        adminKey: admin.key,
        serviceAccountKey,
        serviceAccountPub,
    };
}
