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

    const FIXTURE_DEV = path.join("tests", "fixtures", "stacks", "Pulumi.dev.yaml");
    const FIXTURE_PROD = path.join("tests", "fixtures", "stacks", "Pulumi.prod.yaml");

    it("prints dev as a multi-document YAML stream", () => {
        const result = render("--config", FIXTURE_DEV);
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
        const result = render("--config", FIXTURE_PROD, "--out", out);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, "");
        const files = fs.readdirSync(out).sort();
        const streamed = parseAllDocuments(render("--config", FIXTURE_PROD).stdout).length;
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

    it("says which stack name a --config file renders as, and takes --stack to choose it", () => {
        const named = render("--config", FIXTURE_DEV);
        assert.equal(named.status, 0, named.stderr);
        assert.match(named.stderr, /as stack "dev" \(from the file name; --stack <name> to choose\)/);
        // Without an `instance` setting, the stack name is every object's app.kubernetes.io/instance.
        const chosen = render("--config", tempStackFile("config:\n  mcp-mesh:namespace: mcp-mesh-staging\n"), "--stack", "staging");
        assert.equal(chosen.status, 0, chosen.stderr);
        assert.match(chosen.stderr, /as stack "staging"\n/);
        assert.match(chosen.stdout, /app\.kubernetes\.io\/instance: staging/);
    });

    it("refuses a stack file that is not YAML with exit 2, naming the file, no stack trace", () => {
        const file = tempStackFile("config:\n  mcp-mesh:registry:\n    replicas: [1\n  bad: : :\n");
        const result = render("--config", file);
        assert.equal(result.status, 2, result.stderr);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /Pulumi\.scratch\.yaml: not valid YAML: /);
        assert.doesNotMatch(result.stderr, /^\s+at /m);
    });

    it("names the key of a misplaced --secret, never its value", () => {
        const file = tempStackFile(
            [
                "config:",
                "  mcp-mesh:agents:",
                "    - name: a",
                "      code: agents/hello_world.py",
                "      env:",
                "        X:",
                "          secure: v1:SENTINEL-9f2c",
            ].join("\n"),
        );
        const result = render("--config", file);
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, /^agents\[0\]\.env\.X: holds a value set with --secret/m);
        assert.doesNotMatch(result.stderr, /SENTINEL/);
    });

    it("explains its usage", () => {
        const result = render();
        assert.equal(result.status, 64);
        assert.match(result.stderr, /usage: npm run render/);
    });
});
