// `npm run render -- --stack <name> | --config <file> [--stack <name>] [--out <dir>]`: the
// manifests a stack would apply, with no cluster and no Pulumi CLI. Invalid config (or a stack
// file that is not YAML) exits 2, problems on stderr.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError } from "../components/config/mesh-config";
import { K8sObject, renderStack, toYamlStream } from "../tests/support/render";
import { readStackFile, StackConfig } from "../tests/support/stack-file";
import { YAMLError } from "yaml";

const PROJECT_DIR = path.resolve(__dirname, "..");
const USAGE = "usage: npm run render -- (--stack <name> | --config <stack file> [--stack <name>]) [--out <dir>]";

function fail(message: string, status: number): never {
    process.stderr.write(`${message}\n`);
    process.exit(status);
}

function fileName(object: K8sObject, index: number): string {
    const namespace = object.metadata.namespace ? `${object.metadata.namespace}-` : "";
    return `${String(index).padStart(3, "0")}-${object.kind.toLowerCase()}-${namespace}${object.metadata.name}.yaml`;
}

async function main(): Promise<void> {
    let values: { stack?: string; config?: string; out?: string };
    try {
        ({ values } = parseArgs({
            options: { stack: { type: "string" }, config: { type: "string" }, out: { type: "string" } },
            strict: true,
        }));
    } catch (error) {
        fail(`${(error as Error).message}\n${USAGE}`, 64);
    }
    if (!values.stack && !values.config) {
        fail(USAGE, 64);
    }
    const file = values.config ? path.resolve(values.config) : path.join(PROJECT_DIR, `Pulumi.${values.stack}.yaml`);
    if (!fs.existsSync(file)) {
        fail(`no such stack file: ${file}`, 66);
    }
    // The stack name decides names and labels (app.kubernetes.io/instance): say which one a file renders as.
    const stack = values.stack ?? path.basename(file).replace(/^Pulumi\.|\.ya?ml$/g, "");
    if (values.config) {
        process.stderr.write(
            `rendering ${path.relative(process.cwd(), file)} as stack "${stack}"${values.stack ? "" : " (from the file name; --stack <name> to choose)"}\n`,
        );
    }
    let config: StackConfig;
    try {
        config = readStackFile(file, PROJECT_DIR);
    } catch (error) {
        if (error instanceof YAMLError) {
            fail(`${path.relative(process.cwd(), file)}: not valid YAML: ${error.message.split("\n")[0]}`, 2);
        }
        throw error;
    }
    try {
        const { objects } = await renderStack({ stack, config });
        if (values.out) {
            fs.mkdirSync(values.out, { recursive: true });
            objects.forEach((object, index) =>
                fs.writeFileSync(path.join(values.out ?? ".", fileName(object, index)), toYamlStream([object])),
            );
        } else {
            process.stdout.write(toYamlStream(objects));
        }
    } catch (error) {
        if (error instanceof ConfigError) {
            fail(`${path.relative(process.cwd(), file)}: invalid stack config\n${error.problems.join("\n")}`, 2);
        }
        fail(`render failed: ${(error as Error).message}`, 1);
    }
}

void main();
