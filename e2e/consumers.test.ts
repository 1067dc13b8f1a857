/**
 * End-to-end for consumers of the component: the packaged tarball installed into the TypeScript
 * example, which installs the platform with its own provider; the workload example, which reads
 * that stack's outputs through a StackReference; and the Python example, through the SDK generated
 * from the component's schema. They install the real 0.9.1 charts. Starts from the harness's
 * baseline (no other platform: the CRDs and the operator's cluster roles are cluster-wide, so one
 * platform at a time), with an unowned `local-path` class.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { DynamoEksCluster, DynamoPlatform } from "../components";
import { baseline, CHARTS, core, eventually, exists, helmRelease, initStack, ok, pulumi, ROOT, run, work } from "./harness";

const CONSUMER_STACK = "organization/dynamo-consumer-ts/e2e";
const WORKLOAD_STACK = "organization/dynamo-workload/e2e";
const PYTHON_STACK = "organization/dynamo-consumer-py/e2e";

/** Copies an example out of the work tree and points its dependency on this package at `tarball`. */
function copyExample(name: string, tarball?: string): string {
    const target = path.join(work, "examples", name);
    fs.cpSync(path.join(ROOT, "examples", name), target, { recursive: true, filter: (source) => !source.includes("node_modules") });
    if (tarball) {
        const manifestFile = path.join(target, "package.json");
        const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
        manifest.dependencies["@dynamo-pulumi/dynamo"] = `file:${tarball}`;
        fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    }
    return target;
}

describe("end-to-end: other stacks consume the component", function () {
    this.timeout(20 * 60 * 1000);
    let consumer: string;
    let workload: string;
    const consumerConfig = path.join(work, "Pulumi.consumer.yaml");
    const workloadConfig = path.join(work, "Pulumi.workload.yaml");
    const onConsumer = ["--stack", CONSUMER_STACK, "--config-file", consumerConfig];
    const onWorkload = ["--stack", WORKLOAD_STACK, "--config-file", workloadConfig];

    before(async () => {
        await baseline("consumers", { localPath: "unowned" });
        ok(run("npm pack", "npm", ["pack", "--pack-destination", work], ROOT));
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const tarball = path.join(work, `${manifest.name.replace("@", "").replace("/", "-")}-${manifest.version}.tgz`);
        consumer = copyExample("typescript", tarball);
        workload = copyExample("workload");
        // Offline: the test runs in a network namespace; e2e/run filled npm's cache with these trees before entering it.
        ok(run("npm install (TypeScript consumer)", "npm", ["install", "--no-audit", "--no-fund", "--offline"], consumer));
        ok(run("npm install (workload)", "npm", ["install", "--no-audit", "--no-fund", "--offline"], workload));
    });

    it("the package ships compiled JavaScript and declarations (no TypeScript build of its sources)", () => {
        const installed = path.join(consumer, "node_modules", "@dynamo-pulumi", "dynamo");
        assert.ok(fs.existsSync(path.join(installed, "dist", "index.js")));
        assert.ok(fs.existsSync(path.join(installed, "dist", "index.d.ts")));
        assert.ok(!fs.existsSync(path.join(installed, "components")), "sources are not shipped");
        assert.ok(fs.existsSync(path.join(installed, "PulumiPlugin.yaml")));
    });

    it("the TypeScript consumer installs the platform with its own provider", async () => {
        initStack("consumer: stack init", CONSUMER_STACK, consumer, consumerConfig);
        // The examples default to the newest release; there is no 1.6.1 chart here.
        for (const [key, value] of Object.entries({
            releaseVersion: "0.9.1",
            chartRepository: CHARTS,
            persistenceStorageClass: "local-path",
        })) {
            ok(pulumi(`consumer: config ${key}`, ["config", "set", ...onConsumer, key, value], consumer));
        }
        ok(pulumi("consumer: up", ["up", "--yes", "--skip-preview", ...onConsumer], consumer));
        assert.deepEqual(await helmRelease("dynamo-platform", "dynamo-ts"), { revision: 1, status: "deployed" });
        const outputs = JSON.parse(
            ok(pulumi("consumer: stack output", ["stack", "output", "--json", "--stack", CONSUMER_STACK], consumer)).output,
        );
        assert.equal(outputs.etcdEndpoint, "dynamo-platform-etcd.dynamo-ts.svc.cluster.local:2379");
        assert.equal(outputs.natsEndpoint, "nats://dynamo-platform-nats.dynamo-ts.svc.cluster.local:4222");
    });

    it("a workload stack reads the platform's namespace and endpoints through a StackReference", async () => {
        initStack("workload: stack init", WORKLOAD_STACK, workload, workloadConfig);
        ok(pulumi("workload: config", ["config", "set", ...onWorkload, "platformStack", CONSUMER_STACK], workload));
        ok(pulumi("workload: up", ["up", "--yes", "--skip-preview", ...onWorkload], workload));
        const configMap = await core.readNamespacedConfigMap({ name: "dynamo-endpoints", namespace: "dynamo-ts" });
        assert.deepEqual(configMap.data, {
            ETCD_ENDPOINTS: "dynamo-platform-etcd.dynamo-ts.svc.cluster.local:2379",
            NATS_SERVER: "nats://dynamo-platform-nats.dynamo-ts.svc.cluster.local:4222",
        });
    });

    it("both destroy cleanly", async () => {
        ok(pulumi("workload: destroy", ["destroy", "--yes", "--skip-preview", ...onWorkload], workload));
        ok(pulumi("consumer: destroy", ["destroy", "--yes", "--skip-preview", ...onConsumer], consumer));
        assert.equal(await helmRelease("dynamo-platform", "dynamo-ts"), undefined);
        await eventually("namespace dynamo-ts deleted", async () => !(await exists(() => core.readNamespace({ name: "dynamo-ts" }))));
    });

    describe("a Python program, through the generated SDK", () => {
        let python: string;
        const pythonConfig = path.join(work, "Pulumi.python.yaml");
        const onPython = ["--stack", PYTHON_STACK, "--config-file", pythonConfig];
        let pythonEnv: NodeJS.ProcessEnv;

        before(async () => {
            python = copyExample("python");
            // The schema `pulumi package add` reads from the plugin, and the SDK it generates from it.
            const provider = new ComponentProvider({ dirname: ROOT, name: "dynamo", components: [DynamoPlatform, DynamoEksCluster] });
            const schemaFile = path.join(work, "dynamo-schema.json");
            fs.writeFileSync(schemaFile, await provider.getSchema());
            ok(run("python: generate SDK", "pulumi-gen-python", [schemaFile, path.join(python, "sdks", "dynamo")], python));
            ok(run("python: virtualenv", "python3", ["-m", "venv", "venv"], python));
            // Offline (network namespace): from the wheel folder e2e/run filled before entering it.
            const wheels = process.env.DYNAMO_E2E_WHEELS ?? assert.fail("DYNAMO_E2E_WHEELS is not set: run the e2e tests through e2e/run");
            ok(
                run(
                    "python: pip install",
                    path.join(python, "venv", "bin", "pip"),
                    ["install", "-q", "--no-index", "--find-links", wheels, "-r", "requirements.txt"],
                    python,
                ),
            );
            pythonEnv = {
                PATH: `${path.join(python, "venv", "bin")}:${path.join(ROOT, "e2e", "plugin")}:${process.env.PATH}`,
                VIRTUAL_ENV: path.join(python, "venv"),
                DYNAMO_PACKAGE_DIR: ROOT,
            };
        });

        it("installs the platform and exports its endpoints", async () => {
            // The TypeScript consumer's destroy kept the CRDs (the default); this install adopts them.
            initStack("python: stack init", PYTHON_STACK, python, pythonConfig);
            for (const [key, value] of Object.entries({
                releaseVersion: "0.9.1",
                chartRepository: CHARTS,
                persistenceStorageClass: "local-path",
            })) {
                ok(pulumi(`python: config ${key}`, ["config", "set", ...onPython, key, value], python));
            }
            ok(pulumi("python: up", ["up", "--yes", "--skip-preview", ...onPython], python, pythonEnv));
            assert.deepEqual(await helmRelease("dynamo-platform", "dynamo-py"), { revision: 1, status: "deployed" });
            const outputs = JSON.parse(
                ok(pulumi("python: stack output", ["stack", "output", "--json", "--stack", PYTHON_STACK], python, pythonEnv)).output,
            );
            assert.equal(outputs.etcdEndpoint, "dynamo-platform-etcd.dynamo-py.svc.cluster.local:2379");
            assert.equal(outputs.namespace, "dynamo-py");
        });

        it("passes the policy pack, run by the CLI's policy runtime", () => {
            // Without a Node.js language host on PATH the CLI starts Node.js packs through
            // pulumi-analyzer-policy-nodejs (the v3.68.0 host cannot start them itself).
            const policyBin = path.join(work, "policy-bin");
            fs.mkdirSync(policyBin, { recursive: true });
            const binDir = path.dirname(run("which pulumi", "sh", ["-c", "command -v pulumi"], ROOT).output.trim().split("\n")[0]);
            for (const binary of fs.readdirSync(binDir).filter((b) => b !== "pulumi-language-nodejs")) {
                // The CLI also looks beside its own resolved executable, so `pulumi` must not be a symlink.
                if (binary === "pulumi") {
                    fs.copyFileSync(path.join(binDir, binary), path.join(policyBin, binary));
                    fs.chmodSync(path.join(policyBin, binary), 0o755);
                } else {
                    fs.symlinkSync(path.join(binDir, binary), path.join(policyBin, binary));
                }
            }
            const withoutNodeHost = {
                ...pythonEnv,
                PATH: pythonEnv
                    .PATH!.split(":")
                    .filter((dir) => dir !== binDir)
                    .concat(policyBin)
                    .join(":"),
            };
            const preview = ok(
                pulumi(
                    "python: preview --policy-pack",
                    ["preview", ...onPython, "--policy-pack", path.join(ROOT, "policies")],
                    python,
                    withoutNodeHost,
                ),
            );
            assert.match(preview.output, /dynamo-platform@v0\.1\.0/);
            assert.doesNotMatch(preview.output, /mandatory|advisory/i, "no violation");
        });

        it("destroys cleanly", async () => {
            ok(pulumi("python: destroy", ["destroy", "--yes", "--skip-preview", ...onPython], python, pythonEnv));
            assert.equal(await helmRelease("dynamo-platform", "dynamo-py"), undefined);
            await eventually("namespace dynamo-py deleted", async () => !(await exists(() => core.readNamespace({ name: "dynamo-py" }))));
        });
    });
});
