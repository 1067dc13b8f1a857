import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lazyModule } from "../../components/core/lazy";

const ROOT = path.join(__dirname, "..", "..");

describe("lazy modules (core/lazy.ts)", () => {
    it("requires the module on the first access to an export, once", () => {
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-lazy-"));
        const file = path.join(folder, "counted.js");
        fs.writeFileSync(file, "globalThis.__dynamoLazyLoads = (globalThis.__dynamoLazyLoads ?? 0) + 1;\nexports.answer = 42;\n");
        const loads = () => (globalThis as { __dynamoLazyLoads?: number }).__dynamoLazyLoads ?? 0;
        try {
            const counted = lazyModule<{ answer: number }>(file);
            assert.equal(loads(), 0, "not loaded before an export is read");
            assert.equal(counted.answer, 42);
            assert.ok("answer" in counted);
            assert.equal(counted.answer, 42);
            assert.equal(loads(), 1);
        } finally {
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("loading the program's modules, and reading a token kubeconfig, loads neither @pulumi/aws, @pulumi/eks nor @kubernetes/client-node", function () {
        this.timeout(60_000);
        // A process of its own: this one has loaded them all for other tests.
        const script = `
            for (const file of ["./components", "./program/live/autoConfigure", "./program/live/detect", "./program/stackConfig", "./program/otherStacks"]) require(file);
            const kubeconfig = "apiVersion: v1\\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]\\nusers: [{name: u, user: {token: t}}]\\ncontexts: [{name: x, context: {cluster: c, user: u}}]\\ncurrent-context: x\\n";
            require("./program/live/apiServer").providerApiServer(kubeconfig, undefined).then((server) => {
                const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(@pulumi\\/(aws|eks)|@kubernetes\\/client-node)\\//.test(f));
                const kubernetes = Object.keys(require.cache).some((f) => f.includes("node_modules/@pulumi/kubernetes/"));
                console.log(JSON.stringify({ loaded: [...new Set(loaded.map((f) => f.split("node_modules/")[1].split("/").slice(0, 2).join("/")))], kubernetes, url: server.url }));
            });
        `;
        const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.equal(child.status, 0, child.stderr);
        const result = JSON.parse(child.stdout.trim().split("\n").pop()!);
        assert.equal(result.kubernetes, true, "the probe loaded the program's modules");
        assert.equal(result.url, "https://127.0.0.1:6443", "the probe read the kubeconfig");
        assert.deepEqual(result.loaded, []);
    });
});
