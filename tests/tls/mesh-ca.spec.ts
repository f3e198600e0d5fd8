// tls.source=pulumi: the program's own CA, judged by openssl (the certificates must verify
// against the CA for both server and client auth, with the names the clients dial), and the
// dynamic provider's renewal decisions.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCa, issueCertificate, renewalDue } from "../../components/k8s/mesh-ca";
import { caProvider, certificateProvider } from "../../components/k8s/mesh-ca-resources";

const HOUR = 3_600_000;
const SUBJECT = { commonName: "mcp-mesh-registry", dnsNames: ["mcp-mesh-registry", "mcp-mesh-registry.mcp-mesh.svc.cluster.local"] };

function writeFiles(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-ca-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

/** `openssl verify` for a purpose: its exit status and what it said. */
function verify(dir: string, purpose: "sslserver" | "sslclient", extra: string[] = []): { ok: boolean; said: string } {
    const result = spawnSync(
        "openssl",
        ["verify", "-CAfile", path.join(dir, "ca.crt"), "-purpose", purpose, ...extra, path.join(dir, "tls.crt")],
        { encoding: "utf8" },
    );
    return { ok: result.status === 0, said: `${result.stdout}${result.stderr}` };
}

describe("the program's own CA (tls.source=pulumi)", function () {
    this.timeout(60_000);
    const ca = createCa("mcp-mesh-ca", 87_600);
    const leaf = issueCertificate(ca, SUBJECT, 2160);
    const dir = writeFiles({ "ca.crt": ca.certPem, "tls.crt": leaf.certPem, "tls.key": leaf.keyPem });

    it("issues certificates openssl verifies against the CA, for server and client auth, for each name clients dial", () => {
        for (const purpose of ["sslserver", "sslclient"] as const) {
            const result = verify(dir, purpose);
            assert.ok(result.ok, `openssl verify -purpose ${purpose}: ${result.said}`);
        }
        for (const name of SUBJECT.dnsNames) {
            assert.ok(verify(dir, "sslserver", ["-verify_hostname", name]).ok, `not valid for ${name}`);
        }
        assert.ok(!verify(dir, "sslserver", ["-verify_hostname", "elsewhere.example"]).ok, "valid for a name it was not issued for");
    });

    it("is refused by openssl against another CA", () => {
        const other = writeFiles({ "ca.crt": createCa("other-ca", 24).certPem, "tls.crt": leaf.certPem });
        assert.ok(!verify(other, "sslserver").ok);
    });

    it("writes each private key as PKCS#8 PEM that matches its certificate", () => {
        assert.match(leaf.keyPem, /^-----BEGIN PRIVATE KEY-----/);
        const modulus = (args: string[]) => execFileSync("openssl", args, { encoding: "utf8" }).trim();
        assert.equal(
            modulus(["rsa", "-in", path.join(dir, "tls.key"), "-noout", "-modulus"]),
            modulus(["x509", "-in", path.join(dir, "tls.crt"), "-noout", "-modulus"]),
        );
    });

    it("makes a CA that can sign only end-entity certificates, and leaf certificates that are no CA", () => {
        const text = (pem: string) => execFileSync("openssl", ["x509", "-noout", "-text"], { input: pem, encoding: "utf8" });
        assert.match(text(ca.certPem), /CA:TRUE, pathlen:0/);
        assert.match(text(leaf.certPem), /CA:FALSE/);
        assert.match(text(leaf.certPem), /TLS Web Server Authentication, TLS Web Client Authentication/);
    });

    it("gives each certificate a new key and serial", () => {
        const again = issueCertificate(ca, SUBJECT, 2160);
        assert.notEqual(again.keyPem, leaf.keyPem);
        assert.notEqual(again.certPem, leaf.certPem);
    });

    it("never issues past the CA's own expiry", () => {
        const shortCa = createCa("short-ca", 48);
        const capped = issueCertificate(shortCa, SUBJECT, 2160);
        assert.equal(capped.notAfter, shortCa.notAfter);
    });

    it("is due for renewal from renewBefore ahead of expiry on", () => {
        const now = new Date("2027-01-01T00:00:00Z");
        const notAfter = new Date(now.getTime() + 720 * HOUR).toISOString();
        assert.equal(renewalDue(notAfter, 719, now), false);
        assert.equal(renewalDue(notAfter, 720, now), true);
        assert.equal(renewalDue(new Date(now.getTime() - HOUR).toISOString(), 0, now), true);
    });
});

describe("the program's CA resources: what replaces a certificate", function () {
    this.timeout(60_000);
    const validity = { validityHours: 2160, renewBeforeHours: 720 };

    it("a CA or certificate far from expiry with the same inputs: no change", async () => {
        const ca = await caProvider.create({ commonName: "mcp-mesh-ca", validityHours: 87_600, renewBeforeHours: 8_760 });
        const inputs = { commonName: "mcp-mesh-ca", validityHours: 87_600, renewBeforeHours: 8_760 };
        assert.deepEqual(await caProvider.diff?.(ca.id, ca.outs ?? assert.fail("no outputs"), inputs), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const caOuts = ca.outs ?? assert.fail("no outputs");
        const certInputs = { ...SUBJECT, ...validity, caCertPem: caOuts.certPem, caKeyPem: caOuts.keyPem };
        const cert = await certificateProvider.create(certInputs);
        const outs = cert.outs ?? assert.fail("no outputs");
        assert.equal("caKeyPem" in outs, false, "the CA's key is kept among the certificate's outputs");
        assert.equal((await certificateProvider.diff?.(cert.id, outs, certInputs))?.changes, false);

        const diff = (edit: object) => certificateProvider.diff?.(cert.id, outs, { ...certInputs, ...edit });
        assert.deepEqual((await diff({ caCertPem: "another CA" }))?.replaces, ["caCertPem"]);
        assert.deepEqual((await diff({ dnsNames: ["x"] }))?.replaces, ["dnsNames"]);
        assert.deepEqual((await diff({ validityHours: 100 }))?.replaces, ["validityHours"]);
        // Within renewBefore of expiry (a window wider than the lifetime left): renewed.
        assert.deepEqual((await diff({ renewBeforeHours: 2161 }))?.replaces, ["notAfter"]);
    });
});
