// The real MCP Mesh the contract tests run: the registry binary of npm @mcpmesh/cli-linux-x64
// (a devDependency) and the Python runtime (PyPI mcp-mesh) in the venv .ci/contract-tools.sh
// creates outside the clone. Missing tools skip the contract tests with a message, or fail
// them under CI=true (like the database tools of the backup-script tests).
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ContractTools {
    registry: string;
    /** The dashboard binary of the same package (what image mcpmesh/ui runs). */
    meshui: string;
    /** `major.minor.patch` the registry binary reports. */
    registryVersion: string;
    python: string;
    /** The installed mcp-mesh version. */
    runtimeVersion: string;
}

export type ContractDiscovery = { found: true; tools: ContractTools } | { found: false; missing: string[] };

const REQUIREMENTS = path.resolve(__dirname, "../contract/requirements.txt");

/** The version tests/contract/requirements.txt (a lock with hashes) pins for one package. */
export function pinnedVersion(pkg: string): string {
    const match = new RegExp(`^${pkg}==(\\S+)`, "m").exec(fs.readFileSync(REQUIREMENTS, "utf8"));
    if (!match) {
        throw new Error(`${REQUIREMENTS} pins no ${pkg}==<version>`);
    }
    return match[1];
}

/** The mcp-mesh version the lock pins. */
export function pinnedRuntimeVersion(): string {
    return pinnedVersion("mcp-mesh");
}

/** The venv .ci/contract-tools.sh installs the lock into: named after the lock's sha256. */
export function contractVenv(): string {
    const home =
        process.env.MCP_MESH_CONTRACT_HOME ??
        path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "mcp-mesh-contract");
    const lock = createHash("sha256").update(fs.readFileSync(REQUIREMENTS)).digest("hex").slice(0, 12);
    return path.join(home, `venv-${lock}`);
}

let discovered: ContractDiscovery | undefined;

export function discoverContractTools(): ContractDiscovery {
    discovered ??= discover();
    return discovered;
}

function discover(): ContractDiscovery {
    const missing: string[] = [];
    let registry = "";
    let registryVersion = "";
    try {
        registry = path.join(path.dirname(require.resolve("@mcpmesh/cli-linux-x64/package.json")), "bin", "mcp-mesh-registry");
        const version = spawnSync(registry, ["--version"], { encoding: "utf8" });
        registryVersion = /v(\d+\.\d+\.\d+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? "";
        if (!registryVersion) {
            missing.push(`a runnable ${registry} (${version.error?.message ?? version.stderr})`);
        }
    } catch {
        missing.push("the registry binary (npm @mcpmesh/cli-linux-x64: run npm ci)");
    }
    const python = path.join(contractVenv(), "bin", "python");
    const probe = fs.existsSync(python)
        ? spawnSync(
              python,
              [
                  "-c",
                  "import importlib.metadata as m, importlib.util as u; assert u.find_spec('mesh'); print(m.version('mcp-mesh'), m.version('mcp-mesh-core'))",
              ],
              { encoding: "utf8" },
          )
        : undefined;
    const [runtimeVersion = "", coreVersion = ""] = probe?.status === 0 ? probe.stdout.trim().split(" ") : [];
    const wanted = `mcp-mesh==${pinnedRuntimeVersion()} and mcp-mesh-core==${pinnedVersion("mcp-mesh-core")}`;
    if (
        !fs.existsSync(path.join(contractVenv(), ".complete")) ||
        runtimeVersion !== pinnedRuntimeVersion() ||
        coreVersion !== pinnedVersion("mcp-mesh-core")
    ) {
        missing.push(
            `${wanted} in ${contractVenv()} (found ${runtimeVersion ? `${runtimeVersion}/${coreVersion}` : "none"}: run .ci/contract-tools.sh)`,
        );
    }
    const meshui = path.join(path.dirname(registry), "meshui");
    if (registry && !fs.existsSync(meshui)) {
        missing.push(`${meshui} (npm @mcpmesh/cli-linux-x64: run npm ci)`);
    }
    return missing.length === 0
        ? { found: true, tools: { registry, meshui, registryVersion, python, runtimeVersion } }
        : { found: false, missing };
}

export function requireContractTools(context: Mocha.Context): ContractTools {
    const discovery = discoverContractTools();
    if (discovery.found) {
        return discovery.tools;
    }
    const message = `contract tests: missing ${discovery.missing.join("; ")}`;
    if (process.env.CI === "true") {
        throw new Error(`${message} (CI=true, so the tests fail instead of skipping)`);
    }
    console.warn(`SKIPPED ${message}`);
    return context.skip();
}
