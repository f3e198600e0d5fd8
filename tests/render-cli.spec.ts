// `npm run render` as a user runs it: a separate process, exit codes, stdout and stderr.
import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PROJECT_DIR } from "./support/stacks";

function render(...args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/render.ts", ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
    });
}

function tempStackFile(text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-render-"));
    const file = path.join(dir, "Pulumi.scratch.yaml");
    fs.writeFileSync(file, text);
    return file;
}

describe("npm run render", function () {
    this.timeout(120000);

    it("prints dev as a multi-document YAML stream", () => {
        const result = render("--stack", "dev");
        assert.equal(result.status, 0, result.stderr);
        const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
        assert.ok(docs.length >= 10);
        assert.equal(docs[0].kind, "Namespace");
        assert.equal(docs[0].metadata.name, "mcp-mesh-dev");
        assert.ok(docs.some((d) => d.kind === "StatefulSet" && d.metadata.name === "mcp-mesh-registry"));
    });

    it("rejects invalid config with exit 2, every problem on stderr, nothing on stdout, no stack trace", () => {
        const file = tempStackFile(
            [
                "config:",
                "  mcp-mesh:registry:",
                "    replica: 3",
                "    image: mcpmesh/registry:latest",
                "    storage:",
                "      size: 10Gb",
            ].join("\n"),
        );
        const result = render("--config", file);
        assert.equal(result.status, 2);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /registry\.replica: unknown key; allowed keys here: replicas, /);
        assert.match(result.stderr, /registry\.image: got "mcpmesh\/registry:latest"; must not use the mutable tag ':latest'/);
        assert.match(result.stderr, /registry\.storage\.size: got "10Gb"; must be a Kubernetes quantity/);
        assert.doesNotMatch(result.stderr, /^\s+at /m);
    });

    it("writes one file per object with --out", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-out-"));
        const result = render("--stack", "prod", "--out", out);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, "");
        const files = fs.readdirSync(out).sort();
        const streamed = parseAllDocuments(render("--stack", "prod").stdout).length;
        assert.equal(files.length, streamed);
        for (const file of files) {
            assert.equal(parseAllDocuments(fs.readFileSync(path.join(out, file), "utf8")).length, 1, file);
        }
        assert.ok(files.some((f) => f.includes("statefulset-mcp-mesh-mcp-mesh-registry")));
    });

    it("never prints an encrypted config value", () => {
        const file = tempStackFile(
            [
                "config:",
                "  mcp-mesh:database:",
                "    type: postgres",
                "    postgres:",
                "      host: db.example.internal",
                "  mcp-mesh:databasePassword:",
                "    secure: v1:SENTINEL-ciphertext-9f2c",
            ].join("\n"),
        );
        const result = render("--config", file);
        assert.equal(result.status, 0, result.stderr);
        assert.doesNotMatch(result.stdout, /SENTINEL/);
        assert.match(result.stdout, /database-password: <redacted>/);
    });

    it("explains its usage", () => {
        const result = render();
        assert.equal(result.status, 64);
        assert.match(result.stderr, /usage: npm run render/);
    });
});
