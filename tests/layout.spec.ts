// The program's shape: the folder tree is the architecture. Folders rank from the shared
// building blocks up to the composition; a file imports its own folder or a lower one, never
// a higher or a sibling component; no import circle; only McpMesh and the stack-config reader
// see MeshConfig.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const COMPONENTS = path.resolve(__dirname, "../components");

/** Each folder of components/ and its rank: a file may import only from its own folder or a lower rank. */
const FOLDER_RANK: Record<string, number> = {
    k8s: 0, // shared building blocks: builders, labels, names, security, checksums, data protection
    config: 1, // the stack-config schema by section, its errors and reader
    data: 2, // PostgreSQL and the DSN
    tracing: 2, // Redis for traces, and what its clients are wired with (k8s/tracing-env.ts)
    registry: 3,
    agents: 3,
    dashboard: 3, // a registry client: takes the registry's URL and pods as Args, imports no registry file
    backup: 4, // backs up the registry's database
    alerts: 3, // the PrometheusRule: watches the registry and backup by the names McpMesh passes, imports neither
    ".": 5, // mesh.ts and program.ts: the composition
};
const TOP_LEVEL_FILES = ["mesh.ts", "program.ts"];

function componentFiles(dir = COMPONENTS): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return componentFiles(full);
        return entry.name.endsWith(".ts") ? [path.relative(COMPONENTS, full)] : [];
    });
}

/** Local imports of each components/ module, as paths under components/ (type-only imports count). */
function importGraph(): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of componentFiles()) {
        const text = fs.readFileSync(path.join(COMPONENTS, file), "utf8");
        const imports = [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map((m) => {
            const target = path.normalize(path.join(path.dirname(file), m[1]));
            return fs.existsSync(path.join(COMPONENTS, `${target}.ts`)) ? `${target}.ts` : path.join(target, "index.ts");
        });
        graph.set(file, [...new Set(imports)]);
    }
    return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (node: string): string[] | undefined => {
        if (state.get(node) === "done") return undefined;
        if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
        state.set(node, "visiting");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            const cycle = visit(next);
            if (cycle) return cycle;
        }
        stack.pop();
        state.set(node, "done");
        return undefined;
    };
    for (const node of graph.keys()) {
        const cycle = visit(node);
        if (cycle) return cycle;
    }
    return undefined;
}

/** Imports that reach a folder of the same or a higher rank than the importer's own (one line each). */
function folderViolations(graph: Map<string, string[]>): string[] {
    const folderOf = (file: string) => (file.split(path.sep)[0].replace(/\.ts$/, "") in FOLDER_RANK ? file.split(path.sep)[0] : ".");
    const rank = (folder: string) => FOLDER_RANK[folder] ?? Number.NaN;
    return [...graph].flatMap(([file, imports]) =>
        imports
            .filter((target) => {
                const from = folderOf(file);
                const to = folderOf(target);
                return from !== to && !(rank(to) < rank(from));
            })
            .map((target) => `${file} imports ${target}`),
    );
}

describe("layout", () => {
    it("components/ holds its folders and the composition files only", () => {
        const entries = fs.readdirSync(COMPONENTS, { withFileTypes: true });
        const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
        const files = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
        assert.deepEqual(
            folders.sort(),
            Object.keys(FOLDER_RANK)
                .filter((f) => f !== ".")
                .sort(),
        );
        assert.deepEqual(files.sort(), TOP_LEVEL_FILES);
    });

    it("components/ has no import circle", () => {
        const cycle = findCycle(importGraph());
        assert.equal(cycle, undefined, `import circle: ${cycle?.join(" -> ")}`);
    });

    it("the cycle check finds a circle", () => {
        assert.deepEqual(
            findCycle(
                new Map([
                    ["a.ts", ["b.ts"]],
                    ["b.ts", ["a.ts"]],
                ]),
            ),
            ["a.ts", "b.ts", "a.ts"],
        );
    });

    it("a folder imports only its own files and lower folders (config and k8s import no component)", () => {
        assert.deepEqual(folderViolations(importGraph()), []);
    });

    it("the folder check finds an upward and a sideways import", () => {
        const graph = new Map([
            [path.join("config", "agents.ts"), [path.join("agents", "agent.ts"), path.join("k8s", "names.ts")]],
            [path.join("registry", "registry.ts"), [path.join("agents", "spec.ts"), path.join("registry", "settings.ts")]],
            [path.join("k8s", "labels.ts"), ["mesh.ts"]],
        ]);
        assert.deepEqual(folderViolations(graph), [
            `${path.join("config", "agents.ts")} imports ${path.join("agents", "agent.ts")}`,
            `${path.join("registry", "registry.ts")} imports ${path.join("agents", "spec.ts")}`,
            `${path.join("k8s", "labels.ts")} imports mesh.ts`,
        ]);
    });

    it("only McpMesh and the stack-config reader take the whole stack config (MeshConfig)", () => {
        const users = [...importGraph().keys()].filter(
            (file) =>
                file !== path.join("config", "mesh-config.ts") &&
                /\bMeshConfig\b/.test(fs.readFileSync(path.join(COMPONENTS, file), "utf8")),
        );
        assert.deepEqual(users.sort(), [path.join("config", "stack-config.ts"), "mesh.ts"]);
    });
});
