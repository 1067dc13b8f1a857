/**
 * End-to-end: this project's program under the real Pulumi engine, Node language host and
 * Kubernetes provider, installing the real NVIDIA charts (`../shared/charts`) on the loopback
 * control plane of e2e/cluster, whose KWOK nodes run the pods, with Helm waiting for workloads and
 * hook Jobs. The monitoring stack installs the real kube-prometheus-stack. Run by e2e/run, which
 * provides PATH (the built binaries), KUBECONFIG and the network namespace.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { inventoryOf, isInMirror, mergeInventories } from "../components/core/imageInventory";
import {
    apiextensions,
    apps,
    batch,
    CHARTS,
    core,
    createUnownedLocalPathClass,
    custom,
    dynamoStackFile,
    env,
    eventually,
    exists,
    helmRecord,
    helmValues,
    helmRelease,
    initStack,
    ok,
    pulumi,
    ROOT,
    run,
    Run,
    storage,
    timings,
    work,
} from "./harness";
import { CRDS_CHART_CRDS, LOCAL_PATH_NAMESPACE } from "../components/core/names";

const PROMETHEUS = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
const MONITORING_STACK = "organization/monitoring/e2e";
const STACK = "organization/dynamo/e2e";
const NAMESPACE = "dynamo-system";
const MODELS_NAMESPACE = "models";
const OPERATOR = "dynamo-platform-dynamo-operator-controller-manager";
/** The six CRDs of the real `dynamo-crds` 0.9.x chart, in name order. */
const CRDS_09 = CRDS_CHART_CRDS;
/** `dynamo:teardownTimeoutSeconds` in the opt-in destroy steps: how long a CRD deletion may wait. */
const TEARDOWN_SECONDS = 15;
/** `dynamo:imageRegistry` of the mirror steps; the nodes are simulated, so nothing is pulled from it. */
const MIRROR = "mirror.e2e.invalid:5000/dynamo";
const WEBHOOK_IGNORE = { "dynamo-operator": { webhook: { failurePolicy: "Ignore" } } };
const stackConfigFile = path.join(work, "Pulumi.e2e.yaml");
const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG!);
const webhooks = kubeconfig.makeApiClient(k8s.AdmissionregistrationV1Api);
const rbac = kubeconfig.makeApiClient(k8s.RbacAuthorizationV1Api);
let encryptionSalt = "";

function writeStackConfig(config: Record<string, unknown>): void {
    fs.writeFileSync(stackConfigFile, dynamoStackFile(encryptionSalt, config));
}

const baseConfig = {
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

function onStack(...args: string[]): string[] {
    return [...args, "--stack", STACK, "--config-file", stackConfigFile];
}

function up(step: string): Run {
    return ok(pulumi(step, onStack("up", "--yes", "--skip-preview")));
}

function verify(step: string): { status: number | null; stdout: string } {
    const start = Date.now();
    const result = spawnSync("npm", ["run", "-s", "verify", "--", "--stack", STACK], { cwd: ROOT, env, encoding: "utf8" });
    timings.push([step, (Date.now() - start) / 1000]);
    return { status: result.status, stdout: result.stdout + result.stderr };
}

async function dynamoCrds(): Promise<string[]> {
    const names = (await apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata?.name ?? "");
    return names.filter((name) => name.startsWith("dynamo") && name.endsWith(".nvidia.com")).sort();
}

async function established(crd: string): Promise<boolean> {
    const found = await apiextensions.readCustomResourceDefinition({ name: crd });
    return (found.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

/** The operator Deployment's manager container (image, args) and how many replicas are Ready. */
async function operator(namespace = NAMESPACE): Promise<{ image?: string; args: string[]; ready?: number }> {
    const deployment = await apps.readNamespacedDeployment({ name: OPERATOR, namespace });
    const manager = deployment.spec?.template.spec?.containers.find((c) => c.name === "manager");
    return { image: manager?.image, args: manager?.args ?? [], ready: deployment.status?.readyReplicas };
}

/**
 * Every image of the platform's and local-path's pods, and of every manifest and hook Job the
 * platform release applied (hook Jobs are gone once they succeed), is pulled from the mirror.
 */
async function expectEveryImageFromMirror(release: string): Promise<void> {
    const pods = (
        await Promise.all([NAMESPACE, LOCAL_PATH_NAMESPACE].map(async (namespace) => (await core.listNamespacedPod({ namespace })).items))
    ).flat();
    const record = await helmRecord("dynamo-platform", NAMESPACE);
    const fromPods = inventoryOf(
        "pods",
        pods.map((pod) => ({ kind: "Pod", metadata: pod.metadata, spec: pod.spec })),
    );
    const fromRelease = inventoryOf("release", yaml.loadAll(record.manifest ?? ""));
    const fromHooks = inventoryOf(
        "hooks",
        (record.hooks ?? []).flatMap((hook) => yaml.loadAll(hook.manifest)),
    );
    assert.ok(fromPods.length >= 5 && fromRelease.length >= 5, `${release}: pods and manifests hold the platform's images`);
    assert.ok(fromHooks.length >= 1, `${release}: the hook Jobs are in the record`);
    const everything = mergeInventories(fromPods, fromRelease, fromHooks);
    assert.deepEqual(
        everything.filter((row) => !isInMirror(row.image, MIRROR)).map((row) => `${row.image} (${row.uses[0].kind}/${row.uses[0].name})`),
        [],
        `${release}: every image from ${MIRROR}`,
    );
}

/**
 * Waits for a deleted object to be gone. Past the time (two slow deletions were seen in CI, not
 * reproduced), the failure says what the object still waits for: its finalizers and conditions.
 */
async function awaitDeletion(
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
async function awaitCrdDeletion(what: string, name: string): Promise<void> {
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

/** The names and volumes of etcd and NATS, which an in-place upgrade keeps. */
async function stateVolumes(): Promise<string[]> {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
    return claims.map((c) => `${c.metadata?.name}=${c.spec?.volumeName}`).sort();
}

/** Every pod of a namespace is Running and Ready; returns their app names. */
async function allPodsReady(namespace: string): Promise<string[]> {
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => p.status?.phase !== "Succeeded");
    for (const pod of pods) {
        assert.ok(
            pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
            `${pod.metadata?.name} Ready (${pod.status?.phase})`,
        );
    }
    return pods.map((p) => p.metadata?.labels?.["app.kubernetes.io/name"] ?? p.metadata?.name ?? "");
}

const userModel = {
    apiVersion: "nvidia.com/v1alpha1",
    kind: "DynamoGraphDeployment",
    metadata: { name: "llama-disagg", namespace: MODELS_NAMESPACE },
    spec: { services: { Frontend: { replicas: 1 } } },
};
const modelAddress = {
    group: "nvidia.com",
    version: "v1alpha1",
    namespace: MODELS_NAMESPACE,
    plural: "dynamographdeployments",
};

function readUserModel() {
    return custom.getNamespacedCustomObject({ ...modelAddress, name: userModel.metadata.name });
}

describe("end-to-end: the real charts, pulumi up / upgrade / destroy, waits on", function () {
    this.timeout(30 * 60 * 1000);

    before(() => {
        const monitoring = path.join(ROOT, "e2e", "monitoring");
        const monitoringConfig = path.join(work, "Pulumi.monitoring.yaml");
        initStack("monitoring: stack init", MONITORING_STACK, monitoring, monitoringConfig);
        const onMonitoring = ["--stack", MONITORING_STACK, "--config-file", monitoringConfig];
        const chart = path.join(CHARTS, "kube-prometheus-stack-88.5.3.tgz");
        ok(pulumi("monitoring: config", ["config", "set", ...onMonitoring, "chart", chart], monitoring));
        ok(
            pulumi(
                "monitoring: up (kube-prometheus-stack 88.5.3, waits on)",
                ["up", "--yes", "--skip-preview", ...onMonitoring],
                monitoring,
            ),
        );
        encryptionSalt = initStack("stack init", STACK, ROOT, stackConfigFile);
    });

    before("a local-path class the stack does not own, as k3s ships", createUnownedLocalPathClass);

    it("1. the monitoring stack installed the real kube-prometheus-stack, Ready, and exports its Prometheus URL", async () => {
        assert.deepEqual(await helmRelease("prometheus", "monitoring"), { revision: 1, status: "deployed" });
        const ready = await allPodsReady("monitoring");
        for (const app of ["prometheus-operator", "kube-state-metrics", "grafana", "prometheus-node-exporter"]) {
            assert.ok(
                ready.some((name) => name.includes(app)),
                `${app} among ${ready}`,
            );
        }
        for (const kind of ["podmonitors", "servicemonitors", "prometheuses"]) {
            assert.ok(await established(`${kind}.monitoring.coreos.com`), kind);
        }
        const outputs = JSON.parse(
            ok(pulumi("monitoring: stack output", ["stack", "output", "--json", "--stack", MONITORING_STACK])).output,
        );
        assert.equal(outputs.prometheusEndpoint, PROMETHEUS);
    });

    let volumesBefore: string[] = [];

    it("2. pulumi up installs 0.9.0: Helm waited for every workload and hook Job; the running operator has the 0.9.0 image and the chained Prometheus", async () => {
        writeStackConfig(baseConfig);
        up("up (0.9.0, waits on)");
        assert.ok(await exists(() => core.readNamespace({ name: NAMESPACE })));
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        for (const crd of CRDS_09) {
            assert.ok(await established(crd), `${crd} Established`);
        }
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 1, status: "deployed" });
        for (const crd of CRDS_09) {
            const { metadata } = await apiextensions.readCustomResourceDefinition({ name: crd });
            assert.equal(metadata?.annotations?.["helm.sh/resource-policy"], "keep", `${crd}: the post-renderer marked it keep`);
            assert.equal(metadata?.annotations?.["meta.helm.sh/release-name"], "dynamo-crds", `${crd} belongs to the release`);
        }
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });

        const running = await operator();
        assert.equal(running.image, "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.0", "not the chart's 0.7.1");
        assert.equal(running.ready, 1);
        assert.ok(running.args.includes(`--prometheus-endpoint=${PROMETHEUS}`), running.args.join(" "));
        const monitors = (await custom.listNamespacedCustomObject({
            group: "monitoring.coreos.com",
            version: "v1",
            namespace: NAMESPACE,
            plural: "podmonitors",
        })) as { items: unknown[] };
        assert.ok(monitors.items.length > 0, "the chart rendered its PodMonitors against the real monitoring CRDs");

        const ready = await allPodsReady(NAMESPACE);
        for (const name of ["dynamo-operator", "etcd", "nats"]) {
            assert.equal(ready.filter((app) => app === name).length, 1, `one Ready ${name} pod among ${ready}`);
        }
        const jobs = (await batch.listNamespacedJob({ namespace: NAMESPACE })).items;
        for (const hook of ["webhook-cert-gen", "webhook-ca-inject"]) {
            const job = jobs.find((j) => j.metadata?.name?.includes(hook));
            assert.ok(job, `hook Job ${hook} among ${jobs.map((j) => j.metadata?.name)}`);
            assert.equal(job.status?.succeeded, 1, `${hook} succeeded`);
        }
        volumesBefore = await stateVolumes();
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
        assert.deepEqual(claims.map((c) => [c.spec?.storageClassName, c.status?.phase]).sort(), [
            ["local-path", "Bound"],
            ["local-path", "Bound"],
        ]);

        const values = (await helmValues("dynamo-platform", NAMESPACE)) as Record<string, any>;
        assert.equal(values["dynamo-operator"].discoveryBackend, "etcd");
        assert.equal(values.grove.enabled, true);
        assert.equal(values["kai-scheduler"].enabled, true);
        // Auto-configuration used the existing class and did not install a provisioner of its own.
        const localPath = await storage.readStorageClass({ name: "local-path" });
        assert.equal(localPath.metadata?.labels?.["dynamo.nvidia.com/owner"], undefined, "not taken over");
        assert.ok(!(await exists(() => core.readNamespace({ name: "local-path-storage" }))), "no local-path-provisioner installed");
        const nfs = await storage.readStorageClass({ name: "nfs" });
        assert.deepEqual([nfs.provisioner, nfs.parameters], ["nfs.csi.k8s.io", { server: "nfs.e2e.invalid", share: "/exports/models" }]);
    });

    it("3. while the operator's webhook cannot answer (failurePolicy Fail), a model is refused and verify turns that one row red with the fix", async () => {
        await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
        const refused = await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel }).then(
            () => "admitted",
            (error: k8s.ApiException<unknown>) => (typeof error.body === "string" ? error.body : JSON.stringify(error.body)),
        );
        assert.match(refused, /failed calling webhook \\?"vdynamographdeployment\.kb\.io/);

        const result = verify("npm run verify (webhook Fail)");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /admission webhook\s+FAIL\s+vdynamographdeployment\.kb\.io cannot be called: /);
        assert.match(result.stdout, /- admission webhook: Every DynamoGraphDeployment create or update is refused/);
        assert.match(result.stdout, /1 of 15 checks failed\./);
    });

    it("4. with the README's failurePolicy Ignore, verify is all green, reports the GPU nodes, and the model is admitted", async () => {
        writeStackConfig({ ...baseConfig, helmValues: WEBHOOK_IGNORE });
        up("up (0.9.0, webhook failurePolicy Ignore)");
        const configuration = await webhooks.readValidatingWebhookConfiguration({ name: "dynamo-platform-dynamo-operator-validating" });
        assert.deepEqual(new Set(configuration.webhooks?.map((w) => w.failurePolicy)), new Set(["Ignore"]));

        const result = verify("npm run verify");
        assert.equal(result.status, 0, result.stdout);
        assert.match(result.stdout, /All 15 checks passed\./);
        assert.doesNotMatch(result.stdout, /\b(FAIL|WARN)\b/);
        assert.match(result.stdout, /nodes\s+OK\s+5 ready and schedulable of 5; 16 GPUs on 2: kwok-gpu-0 \(8\), kwok-gpu-1 \(8\)/);
        assert.match(result.stdout, /etcd pods\s+OK\s+1\/1 ready/);
        assert.match(result.stdout, /NATS pods\s+OK\s+1\/1 ready/);

        await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel });
        assert.ok(await exists(readUserModel));
    });

    it("5. a second run plans no changes (timed from the compiled build and from sources newer than it)", () => {
        ok(pulumi("preview --expect-no-changes", onStack("preview", "--expect-no-changes")));
        // As after an edit: program/main.js then runs the TypeScript sources, transpiled only.
        const build = path.join(ROOT, "bin", "program", "index.js");
        const built = fs.statSync(build).mtime;
        fs.utimesSync(build, new Date(0), new Date(0));
        try {
            ok(pulumi("preview --expect-no-changes (sources newer than the build)", onStack("preview", "--expect-no-changes")));
        } finally {
            fs.utimesSync(build, built, built);
        }
    });

    it("6. without a monitoring stack, auto-configuration detects the real kube-prometheus-stack and finds the same URL", async () => {
        writeStackConfig({ ...baseConfig, helmValues: WEBHOOK_IGNORE, monitoringStack: undefined });
        up("up (Prometheus detected)");
        const outputs = JSON.parse(ok(pulumi("stack output", ["stack", "output", "--json", "--stack", STACK])).output);
        assert.equal(outputs.prometheusEndpointSource, "detected");
        assert.ok(
            outputs.detected.some(
                (d: { subject: string; found: string }) =>
                    d.subject === "prometheus" &&
                    d.found === "kube-prometheus-stack service monitoring/prometheus-kube-prometheus-prometheus",
            ),
            JSON.stringify(outputs.detected),
        );
        assert.equal(outputs.prometheusEndpoint, PROMETHEUS);
        assert.ok((await operator()).args.includes(`--prometheus-endpoint=${PROMETHEUS}`));
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "deployed" }, "nothing to upgrade");
    });

    it("7. upgrades in place through 0.9.0-post1 to 0.9.1, keeping etcd's and NATS's volumes and the user's model", async () => {
        for (const [index, version] of ["0.9.0-post1", "0.9.1"].entries()) {
            writeStackConfig({ ...baseConfig, releaseVersion: version, helmValues: WEBHOOK_IGNORE });
            assert.doesNotMatch(up(`up (upgrade to ${version})`).output, /replaced|replacing/i, `${version}: updated, not replaced`);
            assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 3 + index, status: "deployed" });
        }
        const running = await operator();
        assert.deepEqual([running.image, running.ready], ["nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.1", 1]);
        assert.deepEqual(await stateVolumes(), volumesBefore);
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the upgrades");
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        await allPodsReady(NAMESPACE);
    });

    it("8. bad config fails with the clear message and changes nothing", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        const namespaceVersion = (await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion;
        const classVersion = (await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion;
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1", helmValues: WEBHOOK_IGNORE, namespace: "Dynamo_System" });
        const run = pulumi("up (bad namespace)", onStack("up", "--yes", "--skip-preview"));
        assert.notEqual(run.status, 0);
        assert.match(run.output, /Invalid dynamo:namespace "Dynamo_System": expected a DNS-1123 label/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);
        assert.equal((await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion, namespaceVersion);
        assert.equal((await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion, classVersion);
        assert.doesNotMatch(run.output, /creating|updating \(|deleting/, "no resource operation started");
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1", helmValues: WEBHOOK_IGNORE });
    });

    it("9. an operator scaled to zero turns verify's operator row red with the command that brings it back", async () => {
        const scale = (replicas: number) =>
            apps.patchNamespacedDeploymentScale(
                { name: OPERATOR, namespace: NAMESPACE, body: { spec: { replicas } } },
                k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
            );
        await scale(0);
        const result = verify("npm run verify (operator scaled to zero)");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /operator deployment\s+FAIL\s+0\/0 ready: scaled to zero/);
        assert.match(result.stdout, /- operator deployment: .*kubectl scale deployment dynamo-platform-dynamo-operator-controller-manager/);
        await scale(1);
        await eventually("operator Ready again", async () => (await operator()).ready === 1);
    });

    it("10. pulumi destroy removes the platform and deletes its namespace without waiting, but keeps every CRD and the user's model", async () => {
        ok(pulumi("destroy (default)", onStack("destroy", "--yes", "--skip-preview")));
        assert.equal(await helmRelease("dynamo-platform", NAMESPACE), undefined);
        // Destroy does not wait for the namespace controller (5 s or more here): step 11 starts at once.
        const namespace = await core.readNamespace({ name: NAMESPACE });
        assert.ok(namespace.metadata?.deletionTimestamp, "the namespace is still terminating when the destroy returns");
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined, "uninstalled");
        assert.deepEqual(await dynamoCrds(), CRDS_09, "all six kept, DynamoWorkerMetadata too (the chart does not mark it keep)");
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the destroy");
        assert.ok(!(await exists(() => storage.readStorageClass({ name: "nfs" }))), "the stack's own class is removed");
        assert.ok(await exists(() => storage.readStorageClass({ name: "local-path" })), "the class the stack did not create stays");
    });

    let platformValues: Record<string, unknown> = {};

    /** The stack's CRD resources and whether each is retained on delete, from its state. */
    function crdResourcesInState(): { retainOnDelete?: boolean }[] {
        const state = ok(pulumi("stack export", ["stack", "export", "--stack", STACK])).output;
        return JSON.parse(state.slice(state.indexOf("{"))).deployment.resources.filter(
            (r: { type: string }) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        );
    }

    it("11. pulumi up right after needs no manual step: it waits for the namespace, adopts the kept CRDs and the model stays; the CRDs move between Pulumi and the release without one deleted", async () => {
        const config = { ...baseConfig, releaseVersion: "0.9.1", helmValues: WEBHOOK_IGNORE, teardownTimeoutSeconds: TEARDOWN_SECONDS };
        writeStackConfig({ ...config, removeCrdsOnDestroy: true });
        const adopted = up("up (0.9.1 onto the kept CRDs, the namespace still terminating)");
        assert.match(adopted.output, /auto-configuration: waiting for namespace dynamo-system to finish terminating/);
        assert.ok(await exists(readUserModel), "adopting the CRDs did not delete the model");
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined, "rendered by Pulumi, which deletes each CRD on destroy");
        const rendered = crdResourcesInState();
        assert.equal(rendered.length, 6);
        assert.ok(
            rendered.every((r) => r.retainOnDelete !== true),
            "deleted by a destroy",
        );

        // Back to the default: the CRDs, held by resources that a destroy would delete, are handed over.
        writeStackConfig(config);
        const handedOver = up("up (0.9.1, the CRDs handed over to the dynamo-crds release)");
        assert.match(handedOver.output, /auto-configuration: crds: .* without a dynamo-crds release .* -> hand them over/);
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 1, status: "deployed" });
        assert.equal(crdResourcesInState().length, 6);
        assert.ok(
            crdResourcesInState().every((r) => r.retainOnDelete === true),
            "retained for the hand-over run",
        );
        const released = up("up (0.9.1, the rendered chart dropped)");
        assert.match(released.output, /deleted/);
        assert.equal(crdResourcesInState().length, 0);
        assert.deepEqual(await dynamoCrds(), CRDS_09, "dropping the rendered chart deleted no CRD");
        assert.ok(await exists(readUserModel));
        ok(pulumi("preview --expect-no-changes (the CRDs a release)", onStack("preview", "--expect-no-changes")));

        // And to removeCrdsOnDestroy again, for step 12: the release goes, its uninstall keeping every CRD.
        writeStackConfig({ ...config, removeCrdsOnDestroy: true });
        up("up (0.9.1, removeCrdsOnDestroy: the CRDs rendered by Pulumi again)");
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined);
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        assert.ok(await exists(readUserModel));
        platformValues = await helmValues("dynamo-platform", NAMESPACE);
        ok(pulumi("preview --expect-no-changes (after adoption)", onStack("preview", "--expect-no-changes")));
    });

    it("12. with removeCrdsOnDestroy and a model whose finalizer nobody removes: the destroy stops within the timeout, the teardown names it, then everything goes", async () => {
        const stuck = { ...userModel, metadata: { name: "stuck", namespace: MODELS_NAMESPACE, finalizers: ["e2e.test/keep"] } };
        await custom.createNamespacedCustomObject({ ...modelAddress, body: stuck });

        const start = Date.now();
        const blocked = pulumi("destroy (removeCrdsOnDestroy, a finalizer left)", onStack("destroy", "--yes", "--skip-preview"));
        const waited = (Date.now() - start) / 1000;
        assert.notEqual(blocked.status, 0, blocked.output);
        assert.ok(waited < TEARDOWN_SECONDS + 60, `the destroy stopped after ${waited}s instead of hanging`);
        assert.match(blocked.output, /dynamographdeployments\.nvidia\.com/);

        const teardown = (step: string, ...args: string[]) => run(step, "npm", ["run", "-s", "teardown", "--", ...args], ROOT);
        const named = teardown("npm run teardown (a finalizer left)", "--yes", "--timeout", "5");
        assert.equal(named.status, 1, named.output);
        assert.match(named.output, /dynamographdeployments\/models\/stuck \(finalizers: e2e\.test\/keep\)/);
        await custom.patchNamespacedCustomObject(
            { ...modelAddress, name: "stuck", body: { metadata: { finalizers: null } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        const cleared = teardown("npm run teardown", "--yes");
        assert.equal(cleared.status, 0, cleared.output);
        assert.match(cleared.output, /none left/);

        ok(pulumi("destroy (removeCrdsOnDestroy)", onStack("destroy", "--yes", "--skip-preview")));
        await eventually("the six CRDs deleted", async () => (await dynamoCrds()).length === 0);
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        assert.ok(!(await exists(readUserModel)));
    });

    it("13. a raw helm install of the same two charts with the same values, and what its uninstall leaves", async () => {
        const valuesFile = path.join(work, "platform-values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(platformValues));
        const start = Date.now();
        ok(
            run(
                "helm install dynamo-crds 0.9.1",
                "helm",
                ["install", "dynamo-crds", path.join(CHARTS, "dynamo-crds-0.9.1.tgz"), "-n", "default"],
                ROOT,
            ),
        );
        ok(
            run(
                "helm install dynamo-platform 0.9.1 (--wait --wait-for-jobs)",
                "helm",
                [
                    ...[
                        "install",
                        "dynamo-platform",
                        path.join(CHARTS, "dynamo-platform-0.9.1.tgz"),
                        "-n",
                        NAMESPACE,
                        "--create-namespace",
                    ],
                    ...["-f", valuesFile, "--wait", "--wait-for-jobs", "--timeout", "10m"],
                ],
                ROOT,
            ),
        );
        // The like-for-like comparison with pulumi up is npm run bench:e2e's (e2e/bench.ts).
        timings.push(["helm install, both charts", (Date.now() - start) / 1000]);
        await allPodsReady(NAMESPACE);

        // What Pulumi rendering the CRDs chart avoids: Helm's uninstall keeps the five CRDs marked
        // `keep` and deletes DynamoWorkerMetadata.
        ok(run("helm uninstall dynamo-platform", "helm", ["uninstall", "dynamo-platform", "-n", NAMESPACE, "--wait"], ROOT));
        ok(run("helm uninstall dynamo-crds", "helm", ["uninstall", "dynamo-crds", "-n", "default"], ROOT));
        await awaitCrdDeletion("DynamoWorkerMetadata's CRD, deleted by helm uninstall", CRDS_09[5]);
        assert.deepEqual(await dynamoCrds(), CRDS_09.slice(0, 5), "the five keep-annotated CRDs stay");
        // The CRDs first and the namespace once they are gone: a namespace deleted while CRDs go
        // meets stale API discovery, and the namespace controller retries with a growing backoff.
        for (const crd of CRDS_09.slice(0, 5)) {
            await apiextensions.deleteCustomResourceDefinition({ name: crd });
        }
        for (const crd of CRDS_09.slice(0, 5)) {
            await awaitCrdDeletion(`CRD ${crd}`, crd);
        }
        await core.deleteNamespace({ name: NAMESPACE });
        await awaitDeletion(`namespace ${NAMESPACE}`, () => core.readNamespace({ name: NAMESPACE }));
    });

    it("14. 1.0.1 on a fresh cluster: CRDs from the platform chart, workloads Ready, Prometheus in the operator's config, verify green; destroy keeps the CRDs", async () => {
        writeStackConfig({ ...baseConfig, releaseVersion: "1.0.1", helmValues: WEBHOOK_IGNORE });
        up("up (1.0.1, fresh)");
        const crds = await dynamoCrds();
        assert.deepEqual(crds, [...CRDS_09.slice(0, 1), "dynamocheckpoints.nvidia.com", ...CRDS_09.slice(1)].sort());
        for (const crd of crds) {
            assert.ok(await established(crd), `${crd} Established`);
        }
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.match((await operator()).image ?? "", /kubernetes-operator:1\.0\.1$/);
        const configMaps = (await core.listNamespacedConfigMap({ namespace: NAMESPACE })).items;
        assert.ok(
            configMaps.some((c) => Object.values(c.data ?? {}).some((text) => text.includes(`prometheusEndpoint: "${PROMETHEUS}"`))),
            "the operator's config carries the chained Prometheus",
        );
        await allPodsReady(NAMESPACE);
        const result = verify("npm run verify (1.0.1)");
        assert.equal(result.status, 0, result.stdout);
        assert.match(result.stdout, /All 15 checks passed\./);

        ok(pulumi("destroy (1.0.1)", onStack("destroy", "--yes", "--skip-preview")));
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        assert.deepEqual(await dynamoCrds(), crds, "Helm never deletes a chart's crds/ folder");
        // KAI's Config is a pre-install hook in 1.0.1 (a plain resource in 0.9.x): it outlives the
        // uninstall, and a later 0.9.x install refuses to adopt it (README, Uninstall).
        assert.ok(
            await exists(() =>
                custom.getClusterCustomObject({ group: "kai.scheduler", version: "v1", plural: "configs", name: "kai-config" }),
            ),
        );

        await clearDynamoGroveAndKai();
    });

    it("15. the upgrade path, from a mirror: 0.9.1 with a model, then 1.0.1 as a migration that keeps every CRD and the model, then the CRDs chart retired; every image from dynamo:imageRegistry", async () => {
        const config = {
            ...baseConfig,
            releaseVersion: "0.9.1",
            helmValues: WEBHOOK_IGNORE,
            removeCrdsOnDestroy: true,
            imageRegistry: MIRROR,
        };
        writeStackConfig(config);
        up("up (0.9.1 from a mirror, before the migration)");
        await expectEveryImageFromMirror("0.9.1");
        await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel });

        writeStackConfig({ ...config, releaseVersion: "1.0.1" });
        const migration = up("up (0.9.1 → 1.0.1, migration)").output;
        assert.match(migration, /upgrade plan: 0\.9\.1 → 1\.0\.1 \[migration\]/);
        assert.match(migration, /keep the dynamo-crds CRDs/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "deployed" });
        assert.equal((await operator()).image, `${MIRROR}/nvidia/ai-dynamo/kubernetes-operator:1.0.1`);
        await expectEveryImageFromMirror("1.0.1");
        assert.ok(await exists(readUserModel), "the model survived the migration");
        const crdResources = crdResourcesInState();
        assert.equal(crdResources.length, 6);
        assert.ok(
            crdResources.every((r: { retainOnDelete?: boolean }) => r.retainOnDelete === true),
            "retained for the retiring run, although removeCrdsOnDestroy is set",
        );

        const retire = up("up (1.0.1, the CRDs chart retired)").output;
        assert.match(retire, /deleted/);
        for (const crd of CRDS_09) {
            assert.ok(await established(crd), `${crd} kept`);
        }
        assert.ok(await exists(readUserModel), "the model survived the retirement");
        ok(pulumi("preview --expect-no-changes (1.0.1)", onStack("preview", "--expect-no-changes")));
    });

    it("16. the plan refuses a skipped minor line, and preflight a second Dynamo operator, before anything changes", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        writeStackConfig({
            ...baseConfig,
            releaseVersion: "1.5.0",
            helmValues: WEBHOOK_IGNORE,
            removeCrdsOnDestroy: true,
            chartRepository: chartsWith150(),
        });
        const skip = pulumi("up (1.0.1 → 1.5.0, refused)", onStack("up", "--yes", "--skip-preview"));
        assert.notEqual(skip.status, 0);
        assert.match(skip.output, /Invalid dynamo:releaseVersion "1\.5\.0": 1\.0\.1 → 1\.5\.0 skips 1\.2\.x, 1\.3\.x, 1\.4\.x/);
        assert.match(skip.output, /expected 1\.2\.x next \(the installed release is 1\.0\.1\)/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);

        writeStackConfig({ ...baseConfig, releaseVersion: "1.0.1", helmValues: WEBHOOK_IGNORE, removeCrdsOnDestroy: true });
        await rbac.createClusterRole({
            body: {
                metadata: {
                    name: "team-a-dynamo-operator-manager-role",
                    annotations: { "meta.helm.sh/release-name": "team-a", "meta.helm.sh/release-namespace": "team-a" },
                },
                rules: [],
            },
        });
        const second = pulumi("up (a second operator, refused)", onStack("up", "--yes", "--skip-preview"));
        assert.notEqual(second.status, 0);
        assert.match(
            second.output,
            /a cluster-wide Dynamo operator already runs \(ClusterRole team-a-dynamo-operator-manager-role, release team-a in namespace team-a\)/,
        );
        assert.match(second.output, /helm uninstall team-a -n team-a/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);
        await rbac.deleteClusterRole({ name: "team-a-dynamo-operator-manager-role" });

        ok(pulumi("destroy (after the upgrade path)", onStack("destroy", "--yes", "--skip-preview")));
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        await clearDynamoGroveAndKai();
    });
});

/**
 * The real charts plus the 1.5.0 main-branch build served as release 1.5.0 (its archive's version
 * has a suffix no release has: unpacked, with `version: 1.5.0` in its Chart.yaml), so that only the
 * upgrade plan can refuse 1.0.1 → 1.5.0.
 */
function chartsWith150(): string {
    const served = path.join(work, "charts-with-1.5.0");
    fs.mkdirSync(served, { recursive: true });
    for (const archive of fs.readdirSync(CHARTS).filter((name) => name.endsWith(".tgz"))) {
        fs.symlinkSync(path.join(CHARTS, archive), path.join(served, archive));
    }
    const unpacked = path.join(work, "dynamo-platform-1.5.0-main");
    fs.mkdirSync(unpacked);
    ok(
        run(
            "unpack dynamo-platform 1.5.0-main",
            "tar",
            ["xzf", path.join(CHARTS, "dynamo-platform-1.5.0-main.2a6da14c.tgz"), "-C", unpacked],
            ROOT,
        ),
    );
    const chart = path.join(served, "dynamo-platform-1.5.0");
    fs.renameSync(path.join(unpacked, "dynamo-platform"), chart);
    const chartFile = path.join(chart, "Chart.yaml");
    fs.writeFileSync(chartFile, fs.readFileSync(chartFile, "utf8").replace(/^version: .*$/m, "version: 1.5.0"));
    return served;
}

/** A cluster without Dynamo, Grove or KAI CRDs (and so their objects), as the next install needs. */
async function clearDynamoGroveAndKai(): Promise<void> {
    const leftovers = (await apiextensions.listCustomResourceDefinition()).items
        .map((c) => c.metadata?.name ?? "")
        .filter((name) => /\.(nvidia\.com|kai\.scheduler|run\.ai|grove\.io)$/.test(name));
    for (const crd of leftovers) {
        await apiextensions.deleteCustomResourceDefinition({ name: crd });
    }
    await eventually("the CRDs deleted", async () => {
        const names = (await apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
        return !names.some((name) => leftovers.includes(name ?? ""));
    });
}
