// Installs the locally built provider plugins into the e2e PULUMI_HOME under the versions the
// npm SDKs ask for (the CLI never downloads one: automatic acquisition is off). The kubernetes
// plugin is built from the one provider version the Go proxy serves, and package.json pins the
// SDK to exactly that version (README "Which kubernetes provider"): the e2e runs what users run.
import * as fs from "fs";
import * as path from "path";
import { PulumiCli } from "./pulumi-cli";
import { fail } from "./report";

function sdkVersion(repoRoot: string, pkg: string): string {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8"));
    const version = typeof parsed === "object" && parsed !== null && "version" in parsed ? parsed.version : undefined;
    return typeof version === "string" ? version : fail(`${pkg}: no version in its package.json`);
}

/** The kubernetes provider version tools/e2e/toolchain.sh builds (K8S_PROVIDER_SDK_VERSION, without the v). */
export function builtKubernetesProviderVersion(repoRoot: string): string {
    const script = fs.readFileSync(path.join(repoRoot, "tools", "e2e", "toolchain.sh"), "utf8");
    const match = /^K8S_PROVIDER_SDK_VERSION=v(\S+)/m.exec(script);
    return match ? match[1] : fail("tools/e2e/toolchain.sh: no K8S_PROVIDER_SDK_VERSION line");
}

/**
 * The dynamic-provider host (`pulumi-resource-pulumi-nodejs`, which runs the program's settings
 * guard) is a plugin the CLI's release ships beside `pulumi`, and the CLI looks for it there (or on
 * PATH, which PULUMI_IGNORE_AMBIENT_PLUGINS turns off); a CLI built from source lacks it. The npm
 * package @pulumi/pulumi carries the same script: put it beside the built CLI.
 */
export function installBundledPlugins(pulumi: string, repoRoot: string): string {
    const name = "pulumi-resource-pulumi-nodejs";
    const source = path.join(repoRoot, "node_modules", "@pulumi", "pulumi", name);
    const target = path.join(path.dirname(fs.realpathSync(pulumi)), name);
    if (!fs.existsSync(target) || !fs.readFileSync(target).equals(fs.readFileSync(source))) {
        fs.copyFileSync(source, target);
        fs.chmodSync(target, 0o755);
    }
    return `${name} (beside the CLI)`;
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
        if (name === "kubernetes" && version !== builtKubernetesProviderVersion(repoRoot)) {
            fail(
                `@pulumi/kubernetes ${version} is installed, but tools/e2e/toolchain.sh builds provider ` +
                    `${builtKubernetesProviderVersion(repoRoot)}: the e2e would run another provider than users get; ` +
                    "pin the SDK to the built version (package.json) or build the SDK's version",
            );
        }
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
