/**
 * What the end-to-end test files share: a temporary work folder with a local Pulumi backend, the
 * real charts, the Pulumi CLI runner with step timings, and access to the test cluster.
 * Run through e2e/run, which provides PATH (the built binaries) and KUBECONFIG.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HelmRecord, helmRecordOf } from "../program/live/reader";

export const ROOT = path.join(__dirname, "..");
/** The real upstream chart archives (Dynamo and kube-prometheus-stack), served as a local chart folder. */
export const CHARTS = path.resolve(ROOT, "..", "shared", "charts");
assert.ok(fs.existsSync(path.join(CHARTS, "dynamo-platform-0.9.1.tgz")), `the real charts are expected in ${CHARTS}`);

export const work = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-e2e-"));
export const timings: [string, number][] = [];
fs.mkdirSync(path.join(work, "state"));

export const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
    PULUMI_HOME: path.join(work, "pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: "e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // The toolchain's Node.js language host predates `typescript: false` and registers ts-node for
    // every program; this keeps that registration transpile-only, as a current host does not register it.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
};

export interface Run {
    status: number | null;
    output: string;
}

/** Runs the Pulumi CLI, timing it under `step`. */
export function pulumi(step: string, args: string[], cwd = ROOT, extraEnv: NodeJS.ProcessEnv = {}): Run {
    const start = Date.now();
    const result = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], {
        cwd,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    timings.push([step, (Date.now() - start) / 1000]);
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

export function ok(run: Run): Run {
    assert.equal(run.status, 0, run.output);
    return run;
}

/**
 * Creates a stack, keeping the stack file the CLI writes into the project folder (it holds the
 * passphrase salt) out of the work tree: it moves to `configFile`, which every later command names.
 */
export function initStack(step: string, stack: string, cwd: string, configFile: string): string {
    ok(pulumi(step, ["stack", "init", stack], cwd));
    const written = path.join(cwd, `Pulumi.${stack.split("/").pop()}.yaml`);
    fs.renameSync(written, configFile);
    return fs.readFileSync(configFile, "utf8").match(/^encryptionsalt: .*\n/m)?.[0] ?? "";
}

const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG ?? assert.fail("KUBECONFIG is not set: run the e2e tests through e2e/run"));
export const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
export const storage = kubeconfig.makeApiClient(k8s.StorageV1Api);
export const apiextensions = kubeconfig.makeApiClient(k8s.ApiextensionsV1Api);
export const custom = kubeconfig.makeApiClient(k8s.CustomObjectsApi);
export const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);
export const batch = kubeconfig.makeApiClient(k8s.BatchV1Api);

export async function exists(read: () => Promise<unknown>): Promise<boolean> {
    try {
        await read();
        return true;
    } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) {
            return false;
        }
        throw error;
    }
}

/** A stack file holding `dynamo:` keys (or another config namespace's), behind the passphrase salt line the CLI wrote. */
export function dynamoStackFile(encryptionSalt: string, config: Record<string, unknown>, namespace = "dynamo"): string {
    const lines = Object.entries(config)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `  ${namespace}:${key}: ${JSON.stringify(value)}`);
    return `${encryptionSalt}config:\n${lines.join("\n")}\n`;
}

/** A `local-path` StorageClass that no stack owns, as k3s ships it: provisioned on first consumer. */
export async function createUnownedLocalPathClass(): Promise<void> {
    await storage.createStorageClass({
        body: {
            metadata: { name: "local-path" },
            provisioner: "rancher.io/local-path",
            volumeBindingMode: "WaitForFirstConsumer",
            reclaimPolicy: "Delete",
        },
    });
}

/** Waits (up to `seconds`) until `check` holds; namespaces and CRDs disappear asynchronously. */
export async function eventually(what: string, check: () => Promise<boolean>, seconds = 90): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (!(await check())) {
        if (Date.now() > deadline) {
            assert.fail(`${what} did not happen within ${seconds}s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

/** Helm's record of a release: its newest revision and status, from the release secrets. */
export async function helmRelease(name: string, namespace: string): Promise<{ revision: number; status: string } | undefined> {
    const secrets = await core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${name}` });
    const newest = secrets.items
        .map((s) => ({ revision: Number(s.metadata?.labels?.version), status: s.metadata?.labels?.status ?? "" }))
        .sort((a, b) => b.revision - a.revision)[0];
    return newest;
}

/** Helm's record of the newest revision of a release (secret driver: base64, gzip, JSON). */
export async function helmRecord(name: string, namespace: string): Promise<HelmRecord> {
    const { revision } = (await helmRelease(name, namespace)) ?? assert.fail(`no Helm release ${name}`);
    const secret = await core.readNamespacedSecret({ name: `sh.helm.release.v1.${name}.v${revision}`, namespace });
    return helmRecordOf(Buffer.from(secret.data!.release, "base64").toString());
}

/** The values Helm recorded for the newest revision of a release. */
export async function helmValues(name: string, namespace: string): Promise<Record<string, unknown>> {
    return (await helmRecord(name, namespace)).config ?? {};
}

/** Runs a command (npm, pip, ...) for an example project, timed as a step. */
export function run(step: string, command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Run {
    const start = Date.now();
    const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    timings.push([step, (Date.now() - start) / 1000]);
    return { status: result.status, output: `${result.stdout}\n${result.stderr}${result.error ? `\n${result.error.message}` : ""}` };
}

after(() => {
    console.log("\n  step timings (s):");
    for (const [step, seconds] of timings) {
        console.log(`    ${seconds.toFixed(1).padStart(7)}  ${step}`);
    }
    if (process.env.DYNAMO_E2E_KEEP) {
        console.log(`  state, charts and stack files kept in ${work}`);
    } else {
        fs.rmSync(work, { recursive: true, force: true });
    }
});
