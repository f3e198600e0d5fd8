// X.509 for tls.source=pulumi, the program's own CA (node-forge; no hand-made ASN.1): a CA
// certificate, and per mesh workload a certificate for both server and client auth, its key
// PKCS#8 PEM. Keys are RSA-2048 (node-forge signs RSA only; it makes keys with Node's crypto).
import * as forge from "node-forge";

export interface IssuedCertificate {
    certPem: string;
    /** PKCS#8 PEM. Kept only as a Pulumi secret. */
    keyPem: string;
    /** ISO 8601. */
    notBefore: string;
    notAfter: string;
}

export interface CertificateSubject {
    commonName: string;
    /** Subject alternative names: the names its clients dial. */
    dnsNames: string[];
}

const HOUR_MS = 3_600_000;
/** Certificates start a few minutes in the past: a node whose clock runs behind still accepts them. */
const BACKDATE_MS = 5 * 60_000;

/** X.509 times are whole seconds: so are the ones reported. */
const wholeSeconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

function validity(cert: forge.pki.Certificate, hours: number, now: Date, notAfterAtMost?: Date): void {
    cert.validity.notBefore = wholeSeconds(now.getTime() - BACKDATE_MS);
    const notAfter = now.getTime() + hours * HOUR_MS;
    cert.validity.notAfter = wholeSeconds(notAfterAtMost ? Math.min(notAfter, notAfterAtMost.getTime()) : notAfter);
}

/** A random positive serial of 16 bytes (RFC 5280: positive, at most 20 octets). */
function serialNumber(): string {
    return "01" + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

/** node-forge ends PEM lines with CRLF; files and Secrets hold LF. */
const lf = (pem: string): string => pem.replace(/\r\n/g, "\n");

function issued(cert: forge.pki.Certificate, keys: forge.pki.rsa.KeyPair): IssuedCertificate {
    return {
        certPem: lf(forge.pki.certificateToPem(cert)),
        keyPem: lf(forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keys.privateKey)))),
        notBefore: cert.validity.notBefore.toISOString(),
        notAfter: cert.validity.notAfter.toISOString(),
    };
}

/** A self-signed CA that signs workload certificates only (path length 0). */
export function createCa(commonName: string, validityHours: number, now: Date = new Date()): IssuedCertificate {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = serialNumber();
    validity(cert, validityHours, now);
    const subject = [{ name: "commonName", value: commonName }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return issued(cert, keys);
}

/** A workload certificate signed by the CA: server and client auth for `subject.dnsNames`. */
export function issueCertificate(
    ca: { certPem: string; keyPem: string },
    subject: CertificateSubject,
    validityHours: number,
    now: Date = new Date(),
): IssuedCertificate {
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
    const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = serialNumber();
    // Never past the CA's own expiry: a chain is only as valid as its shortest link.
    validity(cert, validityHours, now, caCert.validity.notAfter);
    cert.setSubject([{ name: "commonName", value: subject.commonName }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true, clientAuth: true },
        { name: "subjectAltName", altNames: subject.dnsNames.map((value) => ({ type: 2, value })) },
        { name: "subjectKeyIdentifier" },
        { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    return issued(cert, keys);
}

/** Whether a certificate expiring at `notAfter` is within `renewBeforeHours` of it (or past it) at `now`. */
export function renewalDue(notAfter: string, renewBeforeHours: number, now: Date = new Date()): boolean {
    return new Date(notAfter).getTime() - renewBeforeHours * HOUR_MS <= now.getTime();
}
