// One measured evaluation in a fresh process. It loads TypeScript the way `pulumi up` does
// (ts-node, type-checking unless the tsconfig named in Pulumi.yaml sets noCheck), so the
// figures include what a real run pays for loading the program.
// usage: node child.js program <scenario> | node child.js baseline <resourceCount>
const start = performance.now();
const fs = require("fs");
const path = require("path");
const ts = require("typescript");
const yaml = require("yaml");

const root = path.resolve(__dirname, "../..");
const [mode, arg] = process.argv.slice(2);

function pulumiTsconfig() {
    const project = yaml.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const options = (project.runtime && project.runtime.options) || {};
    return path.join(root, options.tsconfig || "tsconfig.json");
}

function registerTsNode(tsconfig) {
    // As @pulumi/pulumi's cmd/run does: transpileOnly follows the tsconfig's noCheck.
    const config = ts.readConfigFile(tsconfig, ts.sys.readFile).config;
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfig));
    const transpileOnly = parsed.options.noCheck === true;
    require("ts-node").register({ project: tsconfig, transpileOnly, compilerOptions: {} });
    return transpileOnly;
}

async function main() {
    // The baseline is a default Pulumi TypeScript project: ts-node with type checking.
    const transpileOnly = registerTsNode(mode === "baseline" ? path.join(__dirname, "tsconfig.baseline.json") : pulumiTsconfig());
    const loaded = performance.now();
    const resources =
        mode === "baseline"
            ? await require("./baseline.ts").evaluateBaseline(Number(arg))
            : await require("./scenario.ts").evaluateScenario(arg);
    const end = performance.now();
    process.stdout.write(
        JSON.stringify({
            mode,
            arg,
            transpileOnly,
            resources,
            totalMs: end,
            loadMs: loaded - start,
            evalMs: end - loaded,
            peakMB: process.resourceUsage().maxRSS / 1024,
        }) + "\n",
    );
}

main().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
});
