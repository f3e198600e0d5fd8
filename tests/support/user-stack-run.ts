// Runs `npm run golden:update` and npm test's user-stack checks (tests/user-stacks.spec.ts) as
// separate processes on another directory of stack files (MCP_MESH_STACK_DIR) and goldens
// (MCP_MESH_GOLDEN_DIR): how a spec and the e2e show that an edited stack is a green change.
import { spawnSync, SpawnSyncReturns } from "child_process";
import { PROJECT_DIR } from "./stacks";

export interface UserStackDirs {
    stackDir: string;
    goldenDir: string;
}

function runNode(args: string[], dirs: UserStackDirs): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, args, {
        cwd: PROJECT_DIR,
        env: { ...process.env, MCP_MESH_STACK_DIR: dirs.stackDir, MCP_MESH_GOLDEN_DIR: dirs.goldenDir },
        encoding: "utf8",
    });
}

export function updateGoldens(dirs: UserStackDirs): SpawnSyncReturns<string> {
    return runNode([require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/golden-update.ts"], dirs);
}

export function runUserStackChecks(dirs: UserStackDirs): SpawnSyncReturns<string> {
    const mocha = require.resolve("mocha/bin/mocha.js");
    const options = ["--no-config", "--require", "ts-node/register/transpile-only", "--timeout", "120000", "--reporter", "dot"];
    return runNode([mocha, ...options, "tests/user-stacks.spec.ts"], dirs);
}
