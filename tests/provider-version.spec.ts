// The e2e runs the kubernetes provider users get: package.json pins @pulumi/kubernetes to
// exactly the provider version tools/e2e/toolchain.sh builds (the one the Go proxy serves), so
// a user's `npm ci` asks for the same plugin the e2e installs (README "Which kubernetes provider").
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { builtKubernetesProviderVersion } from "../tools/e2e/plugins";
import { PROJECT_DIR } from "./support/stacks";

function readJson(file: string): unknown {
    return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"));
}

function field(value: unknown, ...keys: string[]): unknown {
    let current = value;
    for (const key of keys) {
        current = typeof current === "object" && current !== null ? Object.entries(current).find(([name]) => name === key)?.[1] : undefined;
    }
    return current;
}

describe("kubernetes provider version", () => {
    const built = builtKubernetesProviderVersion(PROJECT_DIR);

    it("package.json pins @pulumi/kubernetes to exactly the provider the e2e builds (no range)", () => {
        assert.equal(field(readJson("package.json"), "dependencies", "@pulumi/kubernetes"), built);
    });

    it("package-lock.json and the installed SDK hold that version", () => {
        const lock = readJson("package-lock.json");
        assert.equal(field(lock, "packages", "", "dependencies", "@pulumi/kubernetes"), built);
        assert.equal(field(lock, "packages", "node_modules/@pulumi/kubernetes", "version"), built);
        assert.equal(field(readJson("node_modules/@pulumi/kubernetes/package.json"), "version"), built);
    });
});
