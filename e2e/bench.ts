/**
 * Day-2 speed, side by side (`npm run bench:e2e`): on the end-to-end cluster, in its network
 * namespace, three ways to install the same real charts with the same values and Helm's waits on,
 * each starting from a cluster without Dynamo:
 *
 * - raw `helm`: `install` (the platform chart with `--wait`), `upgrade --dry-run=server` (the
 *   no-op preview), `uninstall`;
 * - a bare Pulumi program (`bench/bare`, plain JavaScript, the charts as `helm.v3.Release`s):
 *   `up`, `preview`, `destroy`;
 * - this project's program: `up`, `preview`, `destroy`.
 *
 * Each operation runs DYNAMO_BENCH_RUNS times (default 3) per release of DYNAMO_BENCH_RELEASES
 * (default 1.0.1, one chart, and 1.5.0, whose operator and Grove's run for real and apply the
 * CRDs; `0.9.1` adds the two-chart line); the medians and the ratios are printed as the docs'
 * table. Not a test of speed: it fails only when an operation fails.
 */
import * as k8s from "@kubernetes/client-node";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { orUndefined } from "../program/live/reader";
import {
    admission,
    apiextensions,
    core,
    custom,
    dynamoStackFile,
    helmValues,
    initStack,
    ok,
    pulumi,
    ROOT,
    run,
    servedCharts,
    storage,
    work,
} from "./harness";

const RUNS = Number(process.env.DYNAMO_BENCH_RUNS ?? 3);
const RELEASES = (process.env.DYNAMO_BENCH_RELEASES ?? "1.0.1 1.5.0").split(/\s+/).filter(Boolean);
const NAMESPACE = "dynamo-system";
const OPERATIONS = ["install", "no-op preview", "uninstall"] as const;
const CONTENDERS = ["helm", "bare", "project"] as const;
type Operation = (typeof OPERATIONS)[number];
type Contender = (typeof CONTENDERS)[number];
const COMMANDS: Record<Contender, Record<Operation, string>> = {
    helm: { install: "helm install --wait", "no-op preview": "helm upgrade --dry-run=server", uninstall: "helm uninstall" },
    bare: { install: "pulumi up", "no-op preview": "pulumi preview", uninstall: "pulumi destroy" },
    project: { install: "pulumi up", "no-op preview": "pulumi preview", uninstall: "pulumi destroy" },
};

const BARE = path.join(ROOT, "bench", "bare");
const PROJECT_STACK = "organization/dynamo/bench";
const BARE_STACK = "organization/dynamo-bare/bench";
const projectConfig = path.join(work, "Pulumi.bench.yaml");
const bareConfig = path.join(work, "Pulumi.bare.yaml");

/** Seconds of each run, by release, contender and operation. */
const samples = new Map<string, number[]>();
const key = (release: string, contender: Contender, operation: Operation) => `${release} ${contender} ${operation}`;

function timed(release: string, contender: Contender, operation: Operation, action: () => void): void {
    const start = Date.now();
    action();
    const seconds = (Date.now() - start) / 1000;
    samples.set(key(release, contender, operation), [...(samples.get(key(release, contender, operation)) ?? []), seconds]);
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A chart of servedCharts(): its archive, or the folder of a build served as a release (1.4.0, 1.5.0). */
function chartPath(chart: string, release: string): string {
    const archive = path.join(servedCharts(), `${chart}-${release}.tgz`);
    return fs.existsSync(archive) ? archive : path.join(servedCharts(), `${chart}-${release}`);
}

/** The charts a release installs: the CRDs chart before 1.0, then the platform chart. */
function charts(release: string): { name: string; chart: string; namespace: string }[] {
    const crds = release.startsWith("0.") ? [{ name: "dynamo-crds", chart: chartPath("dynamo-crds", release), namespace: "default" }] : [];
    return [...crds, { name: "dynamo-platform", chart: chartPath("dynamo-platform", release), namespace: NAMESPACE }];
}

let projectSalt = "";
let bareSalt = "";
let clusterCrds: string[] = [];
let clusterNamespaces: string[] = [];

async function crdNames(): Promise<string[]> {
    return (await apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata!.name!);
}

async function namespaceNames(): Promise<string[]> {
    return (await core.listNamespace()).items.map((n) => n.metadata!.name!);
}

async function leftovers(): Promise<{ crds: string[]; namespaces: string[] }> {
    return {
        crds: (await crdNames()).filter((name) => !clusterCrds.includes(name)),
        namespaces: (await namespaceNames()).filter((name) => !clusterNamespaces.includes(name)),
    };
}

/**
 * Lets what a deletion waits for go: the objects of the given CRDs (the operators that would clear
 * their finalizers are uninstalled) and the PVCs of the given namespaces (KWOK's pods can leave
 * `kubernetes.io/pvc-protection` behind for minutes).
 */
async function clearFinalizers(crds: string[], namespaces: string[]): Promise<string[]> {
    const cleared: string[] = [];
    const patch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
    const body = { metadata: { finalizers: null } };
    const clear = async (what: string, patchIt: () => Promise<unknown>) => {
        if ((await orUndefined(patchIt)) !== undefined) {
            cleared.push(what);
        }
    };
    for (const namespace of namespaces) {
        const claims = (await orUndefined(() => core.listNamespacedPersistentVolumeClaim({ namespace })))?.items ?? [];
        for (const claim of claims) {
            const name = claim.metadata!.name!;
            await clear(`persistentvolumeclaims/${namespace}/${name}`, () =>
                core.patchNamespacedPersistentVolumeClaim({ namespace, name, body }, patch),
            );
        }
    }
    for (const name of crds) {
        const crd = await orUndefined(() => apiextensions.readCustomResourceDefinition({ name }));
        const version = crd?.spec.versions.find((v) => v.storage)?.name;
        if (crd === undefined || version === undefined) {
            continue;
        }
        const address = { group: crd.spec.group, version, plural: crd.spec.names.plural };
        const list = (await orUndefined(() => custom.listClusterCustomObject(address))) as
            { items: { metadata: { name: string; namespace?: string; finalizers?: string[] } }[] } | undefined;
        for (const { metadata } of (list?.items ?? []).filter((item) => (item.metadata.finalizers ?? []).length > 0)) {
            const { name: object, namespace } = metadata;
            await clear(`${address.plural}/${namespace ? `${namespace}/` : ""}${object}`, () =>
                namespace
                    ? custom.patchNamespacedCustomObject({ ...address, namespace, name: object, body }, patch)
                    : custom.patchClusterCustomObject({ ...address, name: object, body }, patch),
            );
        }
        // Last: the CRD's own cleanup finalizer, when the API server could not delete its objects.
        if ((crd.metadata?.finalizers ?? []).length > 0) {
            await clear(`customresourcedefinitions/${name}`, () => apiextensions.patchCustomResourceDefinition({ name, body }, patch));
        }
    }
    return cleared;
}

/**
 * Back to the cluster the benchmark started from: every CRD and namespace an install left is
 * deleted, and every 15 s the finalizers of what their deletion still waits for are cleared.
 */
async function resetCluster(): Promise<void> {
    const start = Date.now();
    const left = await leftovers();
    for (const name of left.crds) {
        await apiextensions.deleteCustomResourceDefinition({ name }).catch(() => undefined);
    }
    for (const name of left.namespaces) {
        await core.deleteNamespace({ name }).catch(() => undefined);
    }
    // Grove's operator registers webhooks no release owns; gone with it, they would fail closed.
    for (const configuration of (await admission.listValidatingWebhookConfiguration()).items) {
        if ((configuration.webhooks ?? []).some((w) => w.clientConfig.service?.namespace === NAMESPACE)) {
            await admission.deleteValidatingWebhookConfiguration({ name: configuration.metadata!.name! }).catch(() => undefined);
        }
    }
    for (const configuration of (await admission.listMutatingWebhookConfiguration()).items) {
        if ((configuration.webhooks ?? []).some((w) => w.clientConfig.service?.namespace === NAMESPACE)) {
            await admission.deleteMutatingWebhookConfiguration({ name: configuration.metadata!.name! }).catch(() => undefined);
        }
    }
    let nextClearing = 15;
    for (;;) {
        const remaining = await leftovers();
        if (remaining.crds.length === 0 && remaining.namespaces.length === 0) {
            return;
        }
        const waited = (Date.now() - start) / 1000;
        if (waited > nextClearing) {
            // A CRD applied again after the first deletion (by an operator still stopping) is deleted again.
            for (const name of remaining.crds) {
                await apiextensions.deleteCustomResourceDefinition({ name }).catch(() => undefined);
            }
            const cleared = await clearFinalizers(remaining.crds, remaining.namespaces);
            console.log(`      reset: after ${waited.toFixed(0)}s, cleared the finalizers of ${cleared.join(", ") || "nothing"}`);
            nextClearing += 15;
        }
        if (waited > 180) {
            const namespaces = await Promise.all(
                remaining.namespaces.map(async (name) => {
                    const conditions = (await orUndefined(() => core.readNamespace({ name })))?.status?.conditions ?? [];
                    return `${name} (${conditions.map((c) => c.message).join("; ")})`;
                }),
            );
            assert.fail(
                `left after ${waited.toFixed(0)}s: CRDs ${remaining.crds.join(", ") || "none"}; namespaces ${namespaces.join(", ") || "none"}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

function writeProjectConfig(release: string): void {
    fs.writeFileSync(
        projectConfig,
        dynamoStackFile(projectSalt, {
            platform: "k8s",
            releaseVersion: release,
            storageClass: "nfs",
            persistenceStorageClass: "local-path",
            chartRepository: servedCharts(),
        }),
    );
}

/** The project's three operations; `whileInstalled` runs between the preview and the destroy, untimed. */
async function project(release: string, whileInstalled: () => Promise<void>): Promise<void> {
    const on = ["--stack", PROJECT_STACK, "--config-file", projectConfig];
    writeProjectConfig(release);
    timed(release, "project", "install", () => ok(pulumi(`project up ${release}`, ["up", "--yes", "--skip-preview", ...on])));
    timed(release, "project", "no-op preview", () => ok(pulumi(`project preview ${release}`, ["preview", "--expect-no-changes", ...on])));
    await whileInstalled();
    timed(release, "project", "uninstall", () => ok(pulumi(`project destroy ${release}`, ["destroy", "--yes", "--skip-preview", ...on])));
}

function bare(release: string, values: Record<string, unknown>): void {
    const on = ["--stack", BARE_STACK, "--config-file", bareConfig];
    const config = { charts: servedCharts(), version: release, namespace: NAMESPACE, crdsChart: charts(release).length > 1, values };
    fs.writeFileSync(bareConfig, dynamoStackFile(bareSalt, config, "bare"));
    timed(release, "bare", "install", () => ok(pulumi(`bare up ${release}`, ["up", "--yes", "--skip-preview", ...on], BARE)));
    timed(release, "bare", "no-op preview", () => ok(pulumi(`bare preview ${release}`, ["preview", "--expect-no-changes", ...on], BARE)));
    timed(release, "bare", "uninstall", () => ok(pulumi(`bare destroy ${release}`, ["destroy", "--yes", "--skip-preview", ...on], BARE)));
}

function helm(release: string, valuesFile: string): void {
    const helmRun = (step: string, args: string[]) => ok(run(step, "helm", args, ROOT));
    const install = (verb: string[], extra: string[]) => {
        for (const chart of charts(release)) {
            const values = chart.name === "dynamo-platform" ? ["-f", valuesFile, ...extra] : [];
            helmRun(`helm ${verb.join(" ")} ${chart.name} ${release}`, [
                ...verb,
                chart.name,
                chart.chart,
                "-n",
                chart.namespace,
                ...values,
            ]);
        }
    };
    timed(release, "helm", "install", () => install(["install", "--create-namespace"], ["--wait", "--timeout", "15m"]));
    timed(release, "helm", "no-op preview", () => install(["upgrade", "--dry-run=server"], []));
    timed(release, "helm", "uninstall", () => {
        for (const chart of [...charts(release)].reverse()) {
            helmRun(`helm uninstall ${chart.name} ${release}`, ["uninstall", chart.name, "-n", chart.namespace]);
        }
    });
}

/** Auto-configuration's own cost, as the program reports it under `--debug` (a preview of an install). */
function autoConfigurationCost(release: string): string {
    writeProjectConfig(release);
    const preview = ok(pulumi("project preview --debug", ["preview", "--debug", "--stack", PROJECT_STACK, "--config-file", projectConfig]));
    return preview.output.match(/auto-configuration: \d+ reads of the cluster in \d+ ms/)?.[0] ?? "not reported";
}

function report(release: string): string {
    const rows = OPERATIONS.map((operation) => {
        const [helmSeconds, bareSeconds, projectSeconds] = CONTENDERS.map((contender) =>
            median(samples.get(key(release, contender, operation))!),
        );
        const commands = CONTENDERS.map((contender) => COMMANDS[contender][operation]);
        return `| ${release} ${operation} (${commands[0]} / ${commands[2]}) | ${helmSeconds.toFixed(1)} | ${bareSeconds.toFixed(1)} | ${projectSeconds.toFixed(1)} | ${(projectSeconds / bareSeconds).toFixed(2)} | ${(projectSeconds / helmSeconds).toFixed(2)} |`;
    });
    return rows.join("\n");
}

describe(`benchmark: raw helm, a bare Pulumi program and this project, ${RUNS} runs each`, function () {
    this.timeout(2 * 60 * 60 * 1000);

    before(async () => {
        projectSalt = initStack("bench: project stack init", PROJECT_STACK, ROOT, projectConfig);
        bareSalt = initStack("bench: bare stack init", BARE_STACK, BARE, bareConfig);
        // As on k3s: the cluster's own classes, which every contender's values name.
        for (const name of ["local-path", "nfs"]) {
            await storage.createStorageClass({
                body: { metadata: { name }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer" },
            });
        }
        [clusterCrds, clusterNamespaces] = [await crdNames(), await namespaceNames()];
    });

    const reports: string[] = [];
    for (const release of RELEASES) {
        it(`${release}: install, no-op preview and uninstall by each, from a cluster without Dynamo`, async () => {
            const valuesFile = path.join(work, `values-${release}.json`);
            for (let round = 1; round <= RUNS; round++) {
                // The values the project gave Helm: the other two install exactly these.
                await project(release, async () => {
                    if (round === 1) {
                        fs.writeFileSync(valuesFile, JSON.stringify(await helmValues("dynamo-platform", NAMESPACE)));
                    }
                });
                await resetCluster();
                bare(release, JSON.parse(fs.readFileSync(valuesFile, "utf8")));
                await resetCluster();
                helm(release, valuesFile);
                await resetCluster();
            }
            console.log(`      ${autoConfigurationCost(release)} (${release})`);
            await resetCluster();
            reports.push(report(release));
        });
    }

    after(() => {
        assert.ok(samples.size > 0);
        console.log(`\n  medians of ${RUNS} runs (seconds), ${new Date().toISOString().slice(0, 10)}:\n`);
        console.log("| operation | raw helm | bare Pulumi program | this project | project / bare | project / helm |");
        console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
        console.log(reports.join("\n"));
    });
});
