// The guard's provider, called as the engine calls it: check(olds, news) with the inputs in state
// (empty on a first deploy) and the program's new ones; diff(id, olds, news) with the state.
import { strict as assert } from "assert";
import { FixedSetting, fixedValues, guardProvider, keepCommand } from "../../components/k8s/settings-guard";

const SETTINGS: FixedSetting[] = [
    { key: "namespace", value: "mcp-mesh-dev", wayOut: "to move: back up, destroy, up, restore" },
    { key: "database.postgres.user", value: "mcp_mesh", wayOut: "rename it in the server first" },
];
const PROVIDER_CODE = { __provider: "exports.handler = ..." };

async function check(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const provider = guardProvider(SETTINGS);
    assert.ok(provider.check, "the guard has no check");
    return provider.check(olds, news);
}

async function changes(olds: Record<string, unknown>, news: Record<string, unknown>) {
    const provider = guardProvider(SETTINGS);
    assert.ok(provider.diff, "the guard has no diff");
    return (await provider.diff("fixed-settings", olds, news)).changes;
}

describe("settings guard (dynamic provider)", () => {
    const deployed = { ...fixedValues(SETTINGS), ...PROVIDER_CODE };

    it("passes a first deploy (no inputs in state) and returns the new inputs", async () => {
        const result = await check({}, deployed);
        assert.deepEqual(result.failures, []);
        assert.deepEqual(result.inputs, deployed);
    });

    it("passes the same values, whatever else the inputs hold (the serialized provider changes with every program edit)", async () => {
        assert.deepEqual((await check(deployed, { ...deployed, __provider: "exports.handler = (newer)" })).failures, []);
    });

    it("refuses a changed value: one failure naming the key, both values, the command that keeps it and the way out", async () => {
        const result = await check(deployed, { ...deployed, namespace: "mcp-mesh-moved" });
        assert.deepEqual(result.failures, [
            {
                property: "namespace",
                reason:
                    "namespace: deployed as mcp-mesh-dev, now mcp-mesh-moved; refused, nothing changed. " +
                    "Keep it with `pulumi config set mcp-mesh:namespace mcp-mesh-dev`; to move: back up, destroy, up, restore",
            },
        ]);
    });

    it("refuses each changed setting on its own line", async () => {
        const result = await check(deployed, { ...deployed, namespace: "other", "database.postgres.user": "someone" });
        assert.deepEqual(
            result.failures?.map((failure) => failure.property),
            ["namespace", "database.postgres.user"],
        );
        assert.match(
            result.failures?.[1].reason ?? "",
            /`pulumi config set --path database\.postgres\.user mcp_mesh`; rename it in the server first$/,
        );
    });

    it("passes a setting that only one side has (a setting that applies to some configs only)", async () => {
        const withoutUser = Object.fromEntries(Object.entries(deployed).filter(([key]) => key !== "database.postgres.user"));
        assert.deepEqual((await check(withoutUser, deployed)).failures, []);
        assert.deepEqual((await check(deployed, withoutUser)).failures, []);
    });

    it("diff: no change for equal values (provider code aside), a change when a value is added, dropped or differs", async () => {
        assert.equal(await changes(deployed, { ...deployed, __provider: "exports.handler = (newer)" }), false);
        assert.equal(await changes({ namespace: "mcp-mesh-dev" }, deployed), true);
        assert.equal(await changes(deployed, { ...deployed, namespace: "other" }), true);
    });

    it("create and update record the values", async () => {
        const provider = guardProvider(SETTINGS);
        assert.deepEqual((await provider.create(deployed)).outs, deployed);
        assert.deepEqual((await provider.update?.("fixed-settings", {}, deployed))?.outs, deployed);
    });

    it("keeps a top-level key by name and a nested one by --path", () => {
        assert.equal(keepCommand("instance", "dev"), "pulumi config set mcp-mesh:instance dev");
        assert.equal(keepCommand("database.type", "sqlite"), "pulumi config set --path database.type sqlite");
    });
});
