// The program's shape: no import circle among components/ (the config schema and the
// components depend one way), and only McpMesh and the stack-config reader see MeshConfig.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const COMPONENTS = path.resolve(__dirname, "../components");

/** Local imports of each components/*.ts module (type-only imports included: a circle is a circle). */
function importGraph(): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of fs.readdirSync(COMPONENTS).filter((f) => f.endsWith(".ts"))) {
        const text = fs.readFileSync(path.join(COMPONENTS, file), "utf8");
        const imports = [...text.matchAll(/from "\.\/([\w-]+)"/g)].map((m) => `${m[1]}.ts`);
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

describe("layout", () => {
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

    it("only McpMesh and the stack-config reader take the whole stack config (MeshConfig)", () => {
        const users = [...importGraph().keys()].filter(
            (file) => file !== "config.ts" && /\bMeshConfig\b/.test(fs.readFileSync(path.join(COMPONENTS, file), "utf8")),
        );
        assert.deepEqual(users.sort(), ["mesh.ts", "stack-config.ts"]);
    });
});
