// A preview that cannot see its cluster says so: the kubeconfig and context the stack names,
// and a real TCP connection to the API server.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { clusterProblem } from "../../components/k8s/cluster-reachability";

function kubeconfigFile(server: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-kubeconfig-")), "config");
    fs.writeFileSync(
        file,
        stringify({
            apiVersion: "v1",
            kind: "Config",
            "current-context": "laptop",
            contexts: [
                { name: "laptop", context: { cluster: "laptop" } },
                { name: "mcp-mesh-prod", context: { cluster: "prod" } },
            ],
            clusters: [
                { name: "laptop", cluster: { server: "https://127.0.0.1:1" } },
                { name: "prod", cluster: { server } },
            ],
        }),
    );
    return file;
}

describe("cluster reachability (the preview's warning)", () => {
    let server: net.Server;
    let port: number;

    before(async () => {
        server = net.createServer((socket) => socket.end());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as net.AddressInfo).port;
    });

    after(() => server.close());

    it("finds the stack's context and connects to its API server", () => {
        const file = kubeconfigFile(`https://127.0.0.1:${port}`);
        assert.equal(clusterProblem({ context: "mcp-mesh-prod", env: { KUBECONFIG: file } }), undefined);
        assert.equal(clusterProblem({ kubeconfig: file, context: "mcp-mesh-prod", env: {} }), undefined);
    });

    it("names a context the kubeconfig lacks", () => {
        const file = kubeconfigFile(`https://127.0.0.1:${port}`);
        assert.equal(
            clusterProblem({ context: "mcp-mesh-staging", env: { KUBECONFIG: file } }),
            `context mcp-mesh-staging is not in ${file}`,
        );
    });

    it("says when there is no kubeconfig at all", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-mesh-home-"));
        assert.match(clusterProblem({ context: "mcp-mesh-prod", env: { HOME: home } }) ?? "", /^no kubeconfig/);
    });

    it("says when the API server does not answer", async () => {
        const closed = net.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const closedPort = (closed.address() as net.AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        const file = kubeconfigFile(`https://127.0.0.1:${closedPort}`);
        assert.match(
            clusterProblem({ context: "mcp-mesh-prod", env: { KUBECONFIG: file } }) ?? "",
            new RegExp(`^cannot reach https://127\\.0\\.0\\.1:${closedPort} \\(context mcp-mesh-prod\\): .*ECONNREFUSED`),
        );
    });
});
