// Installs the locally built provider plugins into the e2e PULUMI_HOME under the versions the
// npm SDKs ask for (the CLI never downloads one: automatic acquisition is off).
import * as fs from "fs";
import * as path from "path";
import { PulumiCli } from "./pulumi-cli";
import { fail } from "./report";

function sdkVersion(repoRoot: string, pkg: string): string {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8"));
    const version = typeof parsed === "object" && parsed !== null && "version" in parsed ? parsed.version : undefined;
    return typeof version === "string" ? version : fail(`${pkg}: no version in its package.json`);
}

/** Returns the plugins it installed or found; a missing random plugin is reported, not fatal. */
export function installPlugins(cli: PulumiCli, pluginDir: string, repoRoot: string): string[] {
    const home = cli.env.PULUMI_HOME ?? fail("PULUMI_HOME is not set");
    const installed: string[] = [];
    for (const [name, pkg] of [
        ["kubernetes", "@pulumi/kubernetes"],
        ["random", "@pulumi/random"],
    ]) {
        const binary = path.join(pluginDir, `pulumi-resource-${name}`);
        if (!fs.existsSync(binary)) continue;
        const version = sdkVersion(repoRoot, pkg);
        const target = path.join(home, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
        if (
            !fs.existsSync(target) ||
            fs.statSync(target).size !== fs.statSync(binary).size ||
            fs.statSync(target).mtimeMs < fs.statSync(binary).mtimeMs
        ) {
            cli.mustUnscoped(["plugin", "install", "resource", name, `v${version}`, "--file", binary, "--reinstall"]);
        }
        installed.push(`${name} v${version}`);
    }
    return installed;
}
