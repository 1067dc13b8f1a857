/**
 * What the end-to-end test files share: a temporary work folder with a local Pulumi backend, the
 * real charts, the Pulumi CLI runner with step timings, access to the test cluster, and the states
 * a file starts from:
 *
 * - `baseline(file, want)` brings the shared cluster back to one without Dynamo, Grove or KAI: no
 *   Helm release but the monitoring stack's, none of their CRDs (so none of their objects), no
 *   platform namespace, no storage class a stack owns, no Dynamo operator's ClusterRole, no webhook
 *   calling a platform namespace, every node schedulable; then, as the file asks, the unowned
 *   `local-path` class present or absent and the monitoring stack up (installed once per run);
 * - `PlatformStack` is a file's own stack of this project's program (local backend in the work
 *   folder), and `installWithModel` the platform installed with a user's model.
 *
 * Every file's `before` calls `baseline` first, so that it runs alone, first, or after any other
 * file; its `after` destroys its own stacks. Run through e2e/run, which provides PATH (the built
 * binaries), KUBECONFIG and the network namespace.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HelmRecord, helmRecordOf, orUndefined } from "../program/live/reader";
import { OWNER_LABEL } from "../components/core/labels";
import { crdOwnerName, CRDS_CHART_CRDS, LOCAL_PATH_NAMESPACE, OPERATOR_DEPLOYMENT } from "../components/core/names";

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

/** `pid` and every process descended from it, parents first. */
export function processTree(pid: number): number[] {
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
        .stdout.split("\n")
        .map((line) => Number(line.trim()))
        .filter((child) => child > 0);
    return [pid, ...children.flatMap(processTree)];
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
export const rbac = kubeconfig.makeApiClient(k8s.RbacAuthorizationV1Api);
export const admission = kubeconfig.makeApiClient(k8s.AdmissionregistrationV1Api);

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

/** Helm's record of a release: its newest revision and status, from the release secrets (of another cluster with `client`). */
export async function helmRelease(
    name: string,
    namespace: string,
    client: k8s.CoreV1Api = core,
): Promise<{ revision: number; status: string } | undefined> {
    const secrets = await client.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${name}` });
    const newest = secrets.items
        .map((s) => ({ revision: Number(s.metadata?.labels?.version), status: s.metadata?.labels?.status ?? "" }))
        .sort((a, b) => b.revision - a.revision)[0];
    return newest;
}

/** Helm's record of the newest revision of a release (secret driver: base64, gzip, JSON). */
export async function helmRecord(name: string, namespace: string, client: k8s.CoreV1Api = core): Promise<HelmRecord> {
    const { revision } = (await helmRelease(name, namespace, client)) ?? assert.fail(`no Helm release ${name}`);
    const secret = await client.readNamespacedSecret({ name: `sh.helm.release.v1.${name}.v${revision}`, namespace });
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

// ---------------------------------------------------------------------------------------------------
// The platform the lifecycle files (install, upgrade, uninstall, refusals) install and inspect.

/** The platform namespace of the lifecycle files. */
export const NAMESPACE = "dynamo-system";
/** Where the user's model (a DynamoGraphDeployment) lives. */
export const MODELS_NAMESPACE = "models";
export const OPERATOR = OPERATOR_DEPLOYMENT;
/** The six CRDs of the real `dynamo-crds` 0.9.x chart, in name order. */
export const CRDS_09 = CRDS_CHART_CRDS;
/** The monitoring stack (e2e/monitoring) and the Prometheus URL it exports. */
export const MONITORING_STACK = "organization/monitoring/e2e";
export const PROMETHEUS = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
const MONITORING_NAMESPACE = "monitoring";
/**
 * The main-branch archives of the 1.x lines whose operator source is in ../shared/operator, by the
 * release they stand for: their Chart.yaml says `1.4.0-branchcut…` and `1.5.0-main…`, which no
 * `dynamo:releaseVersion` names.
 */
const PRERELEASE_ARCHIVES: Record<string, string> = {
    "1.4.0": "dynamo-platform-1.4.0-branchcut.e147ceea.tgz",
    "1.5.0": "dynamo-platform-1.5.0-main.2a6da14c.tgz",
};

let served: string | undefined;

/**
 * A chart folder for `dynamo:chartRepository`: every archive of CHARTS, plus the 1.4.0 and 1.5.0
 * builds unpacked as the chart folders `dynamo-platform-1.4.0/` and `dynamo-platform-1.5.0/` with
 * that version in their Chart.yaml (made once per run).
 */
export function servedCharts(): string {
    if (served !== undefined) {
        return served;
    }
    const folder = path.join(work, "charts");
    fs.mkdirSync(folder, { recursive: true });
    for (const archive of fs.readdirSync(CHARTS).filter((name) => name.endsWith(".tgz"))) {
        fs.symlinkSync(path.join(CHARTS, archive), path.join(folder, archive));
    }
    for (const [release, archive] of Object.entries(PRERELEASE_ARCHIVES)) {
        const unpacked = path.join(work, `unpacked-${release}`);
        fs.mkdirSync(unpacked);
        ok(run(`unpack ${archive}`, "tar", ["xzf", path.join(CHARTS, archive), "-C", unpacked], ROOT));
        const chart = path.join(folder, `dynamo-platform-${release}`);
        fs.renameSync(path.join(unpacked, "dynamo-platform"), chart);
        const chartFile = path.join(chart, "Chart.yaml");
        fs.writeFileSync(chartFile, fs.readFileSync(chartFile, "utf8").replace(/^version: .*$/m, `version: ${release}`));
    }
    served = folder;
    return folder;
}

/** `dynamo:imageRegistry` of the mirror checks; the nodes are simulated, so nothing is pulled from it. */
export const MIRROR = "mirror.e2e.invalid:5000/dynamo";
/**
 * Every namespace a file installs a platform, its storage or its models into: a baseline deletes
 * them (the lifecycle files', local-path-provisioner's, e2e/profile.test.ts's and e2e/consumers.test.ts's).
 */
export const PLATFORM_NAMESPACES = [
    NAMESPACE,
    MODELS_NAMESPACE,
    LOCAL_PATH_NAMESPACE,
    "dynamo-profile",
    "dynamo-ts",
    "dynamo-py",
    "dynamo-smoke",
];

/**
 * The stack config the lifecycle files build on: 0.9.0 with Grove, KAI and etcd, the platform's
 * volumes on `local-path` (the cluster's own class, or local-path-provisioner installed by the
 * stack without one), the model cache on a class `nfs` the stack creates, the real charts, and the
 * monitoring stack's Prometheus chained through a StackReference.
 */
export const PLATFORM_CONFIG = {
    platform: "k8s",
    releaseVersion: "0.9.0",
    namespace: NAMESPACE,
    groveEnabled: true,
    kaiSchedulerEnabled: true,
    discoveryBackend: "etcd",
    storageClass: "nfs",
    persistenceStorageClass: "local-path",
    localPath: { install: true },
    nfs: { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false },
    chartRepository: CHARTS,
    monitoringStack: MONITORING_STACK,
};

/** The outputs of a platform stack the tests read (`pulumi stack output --json`). */
export interface StackOutputs {
    prometheusEndpoint?: string;
    prometheusEndpointSource?: string;
    detected: { subject: string; found: string; decision: string; level: string }[];
    [output: string]: unknown;
}

/** A file's own stack of this project's program, `organization/dynamo/<name>`, its stack file in the work folder. */
export class PlatformStack {
    readonly stack: string;
    readonly configFile: string;
    private encryptionSalt = "";
    /** Whether the stack may hold resources: set by any `up`, cleared by a destroy that succeeded. */
    private holds = false;

    /** `extraEnv`: added to every command's environment, e.g. a `KUBECONFIG` of another identity. */
    constructor(
        readonly name: string,
        private readonly extraEnv: NodeJS.ProcessEnv = {},
    ) {
        this.stack = `organization/dynamo/${name}`;
        this.configFile = path.join(work, `Pulumi.${name}.yaml`);
    }

    init(): this {
        this.encryptionSalt = initStack(`${this.name}: stack init`, this.stack, ROOT, this.configFile);
        return this;
    }

    write(config: Record<string, unknown>): void {
        fs.writeFileSync(this.configFile, dynamoStackFile(this.encryptionSalt, config));
    }

    /** `args` on this stack and its stack file. */
    on(...args: string[]): string[] {
        return [...args, "--stack", this.stack, "--config-file", this.configFile];
    }

    /** `pulumi up`, whatever its outcome. */
    tryUp(step: string): Run {
        this.holds = true;
        return pulumi(step, this.on("up", "--yes", "--skip-preview"), ROOT, this.extraEnv);
    }

    up(step: string): Run {
        return ok(this.tryUp(step));
    }

    /** `pulumi destroy`, whatever its outcome. */
    tryDestroy(step: string): Run {
        const result = pulumi(step, this.on("destroy", "--yes", "--skip-preview"), ROOT, this.extraEnv);
        this.holds = this.holds && result.status !== 0;
        return result;
    }

    destroy(step: string): Run {
        return ok(this.tryDestroy(step));
    }

    previewNoChanges(step: string): Run {
        return ok(pulumi(step, this.on("preview", "--expect-no-changes"), ROOT, this.extraEnv));
    }

    outputs(step = "stack output"): StackOutputs {
        return JSON.parse(ok(pulumi(step, ["stack", "output", "--json", "--stack", this.stack])).output);
    }

    /** `npm run verify` on this stack, with `options` (e.g. `--smoke`). */
    verify(step: string, ...options: string[]): { status: number | null; stdout: string } {
        const start = Date.now();
        const result = spawnSync("npm", ["run", "-s", "verify", "--", "--stack", this.stack, ...options], {
            cwd: ROOT,
            env: { ...env, ...this.extraEnv },
            encoding: "utf8",
        });
        timings.push([step, (Date.now() - start) / 1000]);
        return { status: result.status, stdout: result.stdout + result.stderr };
    }

    /** The stack's CRD resources and whether each is retained on delete, from its state. */
    crdResources(): { retainOnDelete?: boolean }[] {
        const state = ok(pulumi("stack export", ["stack", "export", "--stack", this.stack])).output;
        return JSON.parse(state.slice(state.indexOf("{"))).deployment.resources.filter(
            (r: { type: string }) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        );
    }

    /**
     * A file's `after`: destroys what the stack may still hold. A failure is printed, not thrown:
     * the tests assert the destroys that matter, and the next file's baseline clears the cluster.
     */
    cleanup(): void {
        if (!this.holds) {
            return;
        }
        const result = this.tryDestroy(`${this.name}: destroy (cleanup)`);
        if (result.status !== 0) {
            console.log(
                `      ${this.name}: the cleanup's destroy failed; the next baseline clears the cluster:\n${result.output.slice(-2000)}`,
            );
        }
    }
}

/** The checks of a verify table that are not OK (FAIL or WARN), by name, in table order. */
export function notOkChecks(verifyOutput: string): string[] {
    return verifyOutput
        .split("\n")
        .filter((line) => /\s(FAIL|WARN)\s/.test(line))
        .map((line) => line.split(/\s{2,}/)[0]);
}

/**
 * The user's object that upgrades and destroys must leave in place. On the lines whose operator is
 * simulated here (0.9.x, 1.0.1: no source to build it from), no webhook can answer and the chart's
 * failurePolicy Fail refuses every DynamoGraphDeployment, so the object is a DynamoWorkerMetadata,
 * which none of their webhooks intercepts. The real models, DynamoGraphDeployments admitted and
 * reconciled by the real operator, are e2e/operator.test.ts's.
 */
export const userModel = {
    apiVersion: "nvidia.com/v1alpha1",
    kind: "DynamoWorkerMetadata",
    metadata: { name: "llama-disagg-decode-0", namespace: MODELS_NAMESPACE },
    spec: { data: { component: "decode", endpoint: "generate" } },
};
export const modelAddress = {
    group: "nvidia.com",
    version: "v1alpha1",
    namespace: MODELS_NAMESPACE,
    plural: "dynamoworkermetadatas",
};

/** The smallest DynamoGraphDeployment, which only an answering webhook admits. */
export const graphProbe = {
    apiVersion: "nvidia.com/v1alpha1",
    kind: "DynamoGraphDeployment",
    metadata: { name: "llama-disagg", namespace: MODELS_NAMESPACE },
    spec: { services: { Frontend: { replicas: 1 } } },
};
export const graphAddress = { ...modelAddress, plural: "dynamographdeployments" };

export function readUserModel() {
    return custom.getNamespacedCustomObject({ ...modelAddress, name: userModel.metadata.name });
}

/**
 * A starting state: the platform installed by `stack` with `config` (Helm's waits on), then the
 * user's object in its namespace.
 */
export async function installWithModel(stack: PlatformStack, step: string, config: Record<string, unknown>): Promise<void> {
    stack.write(config);
    stack.up(step);
    await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
    await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel });
    assert.ok(await exists(readUserModel), "the model is admitted");
}

/** The Dynamo CRDs on the cluster, in name order. */
export async function dynamoCrds(): Promise<string[]> {
    const names = (await apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata?.name ?? "");
    return names.filter((name) => name.startsWith("dynamo") && name.endsWith(".nvidia.com")).sort();
}

export async function established(crd: string): Promise<boolean> {
    const found = await apiextensions.readCustomResourceDefinition({ name: crd });
    return (found.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

/** The operator Deployment's manager container (image, args) and how many replicas are Ready. */
export async function operator(namespace = NAMESPACE): Promise<{ image?: string; args: string[]; ready?: number }> {
    const deployment = await apps.readNamespacedDeployment({ name: OPERATOR, namespace });
    const manager = deployment.spec?.template.spec?.containers.find((c) => c.name === "manager");
    return { image: manager?.image, args: manager?.args ?? [], ready: deployment.status?.readyReplicas };
}

/** Every pod of a namespace is Running and Ready; returns their app names. */
export async function allPodsReady(namespace: string): Promise<string[]> {
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => p.status?.phase !== "Succeeded");
    for (const pod of pods) {
        assert.ok(
            pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
            `${pod.metadata?.name} Ready (${pod.status?.phase})`,
        );
    }
    return pods.map((p) => p.metadata?.labels?.["app.kubernetes.io/name"] ?? p.metadata?.name ?? "");
}

/** The names and volumes of etcd and NATS, which an in-place upgrade keeps. */
export async function stateVolumes(): Promise<string[]> {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
    return claims.map((c) => `${c.metadata?.name}=${c.spec?.volumeName}`).sort();
}

// ---------------------------------------------------------------------------------------------------
// Deletions, and the baseline every file starts from.

/**
 * Waits for a deleted object to be gone. Past the time (two slow deletions were seen in CI, not
 * reproduced), the failure says what the object still waits for: its finalizers and conditions.
 */
export async function awaitDeletion(
    what: string,
    read: () => Promise<{ metadata?: k8s.V1ObjectMeta; status?: { conditions?: unknown[] } }>,
    seconds = 180,
): Promise<void> {
    await eventually(`${what} gone`, async () => !(await exists(read)), seconds).catch(async (error: Error) => {
        const left = await read().catch(() => undefined);
        const { deletionTimestamp, finalizers } = left?.metadata ?? {};
        throw new Error(`${error.message}: ${JSON.stringify({ deletionTimestamp, finalizers, conditions: left?.status?.conditions })}`);
    });
}

/**
 * Waits for a deleted CRD to be gone, keeping its deletion going. The API server's cleanup of a CRD
 * created seconds before can fail ("InstanceDeletionFailed: could not list instances: storage is
 * (re)initializing") and then retry with a backoff that grew past 180 s in one CI run; a change to
 * the CRD requeues the cleanup at once, so a label is touched every 10 s. Only a deletion already
 * asked for (a deletionTimestamp) is touched: a CRD nobody deleted still fails the wait.
 */
export async function awaitCrdDeletion(what: string, name: string): Promise<void> {
    let nudges = 0;
    const nudging = setInterval(() => {
        void apiextensions
            .readCustomResourceDefinition({ name })
            .then(async (crd) => {
                if (crd.metadata?.deletionTimestamp === undefined) {
                    return;
                }
                nudges += 1;
                await apiextensions.patchCustomResourceDefinition(
                    { name, body: { metadata: { labels: { "e2e.test/deletion-nudge": String(nudges) } } } },
                    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
                );
            })
            .catch(() => undefined);
    }, 10_000);
    try {
        await awaitDeletion(what, () => apiextensions.readCustomResourceDefinition({ name }));
    } finally {
        clearInterval(nudging);
        if (nudges > 0) {
            console.log(`      ${what}: its cleanup was requeued ${nudges} time(s) before it went`);
        }
    }
}

/**
 * Waits for a deleted namespace to be gone. A simulated pod can leave `kubernetes.io/pvc-protection`
 * on its claims for minutes after it went, holding the namespace: from 15 s on, every 15 s, the
 * finalizers of the namespace's claims are cleared (nothing is left to use them).
 */
export async function awaitNamespaceDeletion(name: string): Promise<void> {
    const clearing = setInterval(() => {
        void clearClaimFinalizers(name).catch(() => undefined);
    }, 15_000);
    try {
        await awaitDeletion(`namespace ${name}`, () => core.readNamespace({ name }));
    } finally {
        clearInterval(clearing);
    }
}

const MERGE_PATCH = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const NO_FINALIZERS = { metadata: { finalizers: null } };

async function clearClaimFinalizers(namespace: string): Promise<void> {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace })).items;
    for (const claim of claims.filter((c) => (c.metadata?.finalizers ?? []).length > 0)) {
        console.log(`      namespace ${namespace}: clearing the finalizers of claim ${claim.metadata!.name}`);
        await core.patchNamespacedPersistentVolumeClaim({ namespace, name: claim.metadata!.name!, body: NO_FINALIZERS }, MERGE_PATCH);
    }
}

/** The CRDs of Dynamo, Grove and KAI on the cluster. */
async function dynamoGroveAndKaiCrds(): Promise<k8s.V1CustomResourceDefinition[]> {
    return (await apiextensions.listCustomResourceDefinition()).items.filter((c) =>
        /\.(nvidia\.com|kai\.scheduler|run\.ai|grove\.io)$/.test(c.metadata?.name ?? ""),
    );
}

/** A cluster without Dynamo, Grove or KAI CRDs (and so their objects), as the next install needs. */
export async function clearDynamoGroveAndKai(): Promise<void> {
    const leftovers = (await dynamoGroveAndKaiCrds()).map((c) => c.metadata!.name!);
    for (const crd of leftovers) {
        await apiextensions.deleteCustomResourceDefinition({ name: crd }).catch((error) => {
            if (!(error instanceof k8s.ApiException && error.code === 404)) {
                throw error;
            }
        });
    }
    await Promise.all(leftovers.map((crd) => awaitCrdDeletion(`CRD ${crd}`, crd)));
}

/** What a baseline had to remove besides the CRDs (a file that failed half-way, or one that left them). */
type Removed = string[];

/** Every Helm release but the monitoring stack's, uninstalled (a file that failed before its destroy). */
async function uninstallReleases(removed: Removed): Promise<void> {
    const secrets = (await core.listSecretForAllNamespaces({ labelSelector: "owner=helm" })).items;
    const releases = new Set(
        secrets
            .filter((s) => s.metadata?.namespace !== MONITORING_NAMESPACE)
            .map((s) => `${s.metadata!.namespace}/${s.metadata!.labels!.name}`),
    );
    for (const release of releases) {
        const [namespace, name] = release.split("/");
        ok(run(`baseline: helm uninstall ${name} -n ${namespace}`, "helm", ["uninstall", name, "-n", namespace, "--no-hooks"], ROOT));
        removed.push(`Helm release ${release}`);
    }
}

/**
 * Runs a call to the API server again while it answers 429 ("storage is (re)initializing": the
 * objects of a CRD changed a moment ago cannot be listed yet), for up to 30 s.
 */
async function whenStorageReady<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            return await call();
        } catch (error) {
            if (!(error instanceof k8s.ApiException && error.code === 429) || Date.now() > deadline) {
                throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }
}

/** The finalizers of every object of the Dynamo, Grove and KAI CRDs, cleared: no operator runs to clear them. */
async function clearCustomObjectFinalizers(removed: Removed): Promise<void> {
    for (const crd of await dynamoGroveAndKaiCrds()) {
        const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0].name;
        const address = { group: crd.spec.group, version, plural: crd.spec.names.plural };
        const list = (await orUndefined(() => whenStorageReady(() => custom.listClusterCustomObject(address)))) as
            { items: { metadata: { name: string; namespace?: string; finalizers?: string[] } }[] } | undefined;
        for (const { metadata } of (list?.items ?? []).filter((item) => (item.metadata.finalizers ?? []).length > 0)) {
            const { name, namespace } = metadata;
            await orUndefined(() =>
                whenStorageReady(() =>
                    namespace
                        ? custom.patchNamespacedCustomObject({ ...address, namespace, name, body: NO_FINALIZERS }, MERGE_PATCH)
                        : custom.patchClusterCustomObject({ ...address, name, body: NO_FINALIZERS }, MERGE_PATCH),
                ),
            );
            removed.push(`the finalizers of ${address.plural}/${namespace ? `${namespace}/` : ""}${name}`);
        }
    }
}

/** Cluster-wide objects a platform can leave: webhooks calling a platform namespace, operators' roles, classes a stack owns. */
async function deleteClusterLeftovers(removed: Removed): Promise<void> {
    const callsPlatform = (webhooks?: { clientConfig: { service?: { namespace: string } } }[]) =>
        (webhooks ?? []).some((w) => PLATFORM_NAMESPACES.includes(w.clientConfig.service?.namespace ?? ""));
    for (const configuration of (await admission.listValidatingWebhookConfiguration()).items) {
        if (callsPlatform(configuration.webhooks)) {
            await orUndefined(() => admission.deleteValidatingWebhookConfiguration({ name: configuration.metadata!.name! }));
            removed.push(`ValidatingWebhookConfiguration ${configuration.metadata!.name}`);
        }
    }
    for (const configuration of (await admission.listMutatingWebhookConfiguration()).items) {
        if (callsPlatform(configuration.webhooks)) {
            await orUndefined(() => admission.deleteMutatingWebhookConfiguration({ name: configuration.metadata!.name! }));
            removed.push(`MutatingWebhookConfiguration ${configuration.metadata!.name}`);
        }
    }
    // What preflight takes for a cluster-wide Dynamo operator (e2e/refusals.test.ts creates one), and
    // the ClusterRoles that own a platform's CRDs.
    for (const role of (await rbac.listClusterRole()).items) {
        const name = role.metadata!.name!;
        if ((name.includes("-dynamo-operator-") && name.endsWith("-manager-role")) || name.startsWith(crdOwnerName(""))) {
            await orUndefined(() => rbac.deleteClusterRole({ name }));
            removed.push(`ClusterRole ${name}`);
        }
    }
    for (const storageClass of (await storage.listStorageClass()).items) {
        const owner = storageClass.metadata?.labels?.[OWNER_LABEL];
        if (owner !== undefined) {
            await orUndefined(() => storage.deleteStorageClass({ name: storageClass.metadata!.name! }));
            removed.push(`StorageClass ${storageClass.metadata!.name} (stack ${owner})`);
        }
    }
}

async function existingNamespaces(names: string[]): Promise<k8s.V1Namespace[]> {
    const found = await Promise.all(names.map((name) => orUndefined(() => core.readNamespace({ name }))));
    return found.filter((namespace): namespace is k8s.V1Namespace => namespace !== undefined);
}

async function uncordonNodes(removed: Removed): Promise<void> {
    for (const node of (await core.listNode()).items.filter((n) => n.spec?.unschedulable)) {
        await core.patchNode({ name: node.metadata!.name!, body: { spec: { unschedulable: false } } }, MERGE_PATCH);
        removed.push(`the cordon of node ${node.metadata!.name}`);
    }
}

let monitoringInitialized = false;
let monitoringUp = false;

/**
 * The monitoring stack (e2e/monitoring: the real kube-prometheus-stack 88.5.3, Helm's waits on),
 * which exports the Prometheus URL the platform stacks chain; installed by the first file that
 * needs it and left up for the rest of the run (no baseline removes it).
 */
export function ensureMonitoringStack(): void {
    if (monitoringUp) {
        return;
    }
    const project = path.join(ROOT, "e2e", "monitoring");
    const configFile = path.join(work, "Pulumi.monitoring.yaml");
    if (!monitoringInitialized) {
        initStack("monitoring: stack init", MONITORING_STACK, project, configFile);
        monitoringInitialized = true;
    }
    const onMonitoring = ["--stack", MONITORING_STACK, "--config-file", configFile];
    const chart = path.join(CHARTS, "kube-prometheus-stack-88.5.3.tgz");
    ok(pulumi("monitoring: config", ["config", "set", ...onMonitoring, "chart", chart], project));
    ok(pulumi("monitoring: up (kube-prometheus-stack 88.5.3, waits on)", ["up", "--yes", "--skip-preview", ...onMonitoring], project));
    monitoringUp = true;
}

/** What a file needs of the cluster beyond the baseline; unset: left as the previous file left it. */
export interface Want {
    /** `unowned`: a `local-path` class no stack owns, as k3s ships (created if missing); `absent`: none. */
    localPath?: "unowned" | "absent";
    /** The monitoring stack up (installed once per run). */
    monitoring?: boolean;
}

/** The files of this run, in order, with when each started and its first timed step. */
const files: { name: string; start: number; firstStep: number }[] = [];

/**
 * Brings the shared cluster to the baseline (see the top of this file) and to what `file` wants.
 * On a fresh cluster, or after a file that cleaned up after itself, it finds nothing but the CRDs a
 * destroy keeps; whatever else it removes is printed.
 */
export async function baseline(file: string, want: Want = {}): Promise<void> {
    if (files[files.length - 1]?.name !== file) {
        files.push({ name: file, start: Date.now(), firstStep: timings.length });
    }
    const start = Date.now();
    const removed: Removed = [];
    await uninstallReleases(removed);
    // Webhooks whose operator is gone (Grove's operator registers its own, which no release owns)
    // fail closed: first, before they can refuse what the cleanup changes.
    await deleteClusterLeftovers(removed);
    await clearCustomObjectFinalizers(removed);
    // The namespaces first, all at once, and the CRDs once they are gone: a namespace deleted while
    // CRDs go meets stale API discovery, and the namespace controller retries with a growing backoff.
    const present = await existingNamespaces(PLATFORM_NAMESPACES);
    for (const namespace of present.filter((n) => n.metadata?.deletionTimestamp === undefined)) {
        await orUndefined(() => core.deleteNamespace({ name: namespace.metadata!.name! }));
        removed.push(`namespace ${namespace.metadata!.name}`);
    }
    await Promise.all(present.map((namespace) => awaitNamespaceDeletion(namespace.metadata!.name!)));
    const namespacesGone = Date.now();
    await clearDynamoGroveAndKai();
    const crdsGone = Date.now();
    await uncordonNodes(removed);

    const localPath = await orUndefined(() => storage.readStorageClass({ name: "local-path" }));
    if (want.localPath === "unowned" && localPath === undefined) {
        await createUnownedLocalPathClass();
    } else if (want.localPath === "absent" && localPath !== undefined) {
        await storage.deleteStorageClass({ name: "local-path" });
        await awaitDeletion("StorageClass local-path", () => storage.readStorageClass({ name: "local-path" }));
    }
    const seconds = (to: number, from: number) => ((to - from) / 1000).toFixed(1);
    timings.push([
        `${file}: baseline (namespaces ${seconds(namespacesGone, start)} s, CRDs ${seconds(crdsGone, namespacesGone)} s)`,
        (Date.now() - start) / 1000,
    ]);
    if (removed.length > 0) {
        console.log(`      ${file}: the baseline removed ${removed.join(", ")}`);
    }
    if (want.monitoring) {
        ensureMonitoringStack();
    }
}

after(() => {
    console.log("\n  step timings (s):");
    timings.forEach(([step, seconds], index) => {
        for (const file of files.filter((f) => f.firstStep === index)) {
            console.log(`    ${file.name}:`);
        }
        console.log(`    ${seconds.toFixed(1).padStart(7)}  ${step}`);
    });
    if (files.length > 0) {
        console.log("\n  time per file (s, from its baseline to the next file's):");
        files.forEach((file, index) => {
            const end = files[index + 1]?.start ?? Date.now();
            console.log(`    ${((end - file.start) / 1000).toFixed(1).padStart(7)}  ${file.name}`);
        });
    }
    if (process.env.DYNAMO_E2E_KEEP) {
        console.log(`  state, charts and stack files kept in ${work}`);
    } else {
        fs.rmSync(work, { recursive: true, force: true });
    }
});
