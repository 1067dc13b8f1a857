/**
 * End-to-end: this project's program under the real Pulumi engine, Node language host and
 * Kubernetes provider, against the loopback control plane of e2e/cluster. Run by e2e/run, which
 * provides PATH (the built binaries) and KUBECONFIG.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    apiextensions,
    core,
    createUnownedLocalPathClass,
    custom,
    dynamoStackFile,
    env,
    eventually,
    exists,
    helmManifest,
    helmRelease,
    initStack,
    mirror,
    ok,
    pulumi,
    ROOT,
    Run,
    storage,
    timings,
    work,
} from "./harness";

const PROMETHEUS = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
const MONITORING_STACK = "organization/monitoring/e2e";
const NAMESPACE = "dynamo-system";
const MODELS_NAMESPACE = "models";
const EXPECTED_CRDS = ["dynamographdeployments.nvidia.com", "dynamographdeploymentrequests.nvidia.com", "dynamoworkermetadatas.nvidia.com"];
const stackConfigFile = path.join(work, "Pulumi.e2e.yaml");
let encryptionSalt = "";

function writeStackConfig(config: Record<string, unknown>): void {
    fs.writeFileSync(stackConfigFile, dynamoStackFile(encryptionSalt, config));
}

const baseConfig = {
    platform: "k8s",
    releaseVersion: "0.9.0-post1",
    namespace: NAMESPACE,
    groveEnabled: true,
    kaiSchedulerEnabled: true,
    discoveryBackend: "etcd",
    storageClass: "nfs",
    persistenceStorageClass: "local-path",
    localPath: { install: true },
    nfs: { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false },
    chartRepository: mirror,
    monitoringStack: MONITORING_STACK,
};

function up(step: string): Run {
    return pulumi(step, ["up", "--yes", "--skip-preview", "--stack", "e2e", "--config-file", stackConfigFile]);
}

async function receivedValues(): Promise<{ chartVersion: string; values: Record<string, any> }> {
    const configMap = await core.readNamespacedConfigMap({ name: "dynamo-platform-received-values", namespace: NAMESPACE });
    return { chartVersion: configMap.data!.chartVersion, values: JSON.parse(configMap.data!["values.json"]) };
}

async function established(crd: string): Promise<boolean> {
    const found = await apiextensions.readCustomResourceDefinition({ name: crd });
    return (found.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
}

const userModel = {
    apiVersion: "nvidia.com/v1alpha1",
    kind: "DynamoGraphDeployment",
    metadata: { name: "llama-disagg", namespace: MODELS_NAMESPACE },
    spec: { services: { Frontend: { replicas: 1 } } },
};

function readUserModel() {
    return custom.getNamespacedCustomObject({
        group: "nvidia.com",
        version: "v1alpha1",
        namespace: MODELS_NAMESPACE,
        plural: "dynamographdeployments",
        name: userModel.metadata.name,
    });
}

describe("end-to-end: pulumi up / upgrade / destroy against a real API server", function () {
    this.timeout(20 * 60 * 1000);

    before(() => {
        const monitoring = path.join(ROOT, "e2e", "monitoring");
        const monitoringConfig = path.join(work, "Pulumi.monitoring.yaml");
        initStack("monitoring: stack init", MONITORING_STACK, monitoring, monitoringConfig);
        const onMonitoring = ["--stack", MONITORING_STACK, "--config-file", monitoringConfig];
        ok(pulumi("monitoring: config", ["config", "set", ...onMonitoring, "prometheusEndpoint", PROMETHEUS], monitoring));
        ok(pulumi("monitoring: up", ["up", "--yes", "--skip-preview", ...onMonitoring], monitoring));
        initStack("stack init", "organization/dynamo/e2e", ROOT, stackConfigFile);
        encryptionSalt = fs.readFileSync(stackConfigFile, "utf8").match(/^encryptionsalt: .*\n/m)?.[0] ?? "";
        writeStackConfig(baseConfig);
    });

    before("a local-path class the stack does not own, as k3s ships", createUnownedLocalPathClass);

    it("1. pulumi up installs the platform", () => {
        ok(up("up (0.9.0-post1)"));
    });

    it("2. the cluster has the namespace, Established CRDs, deployed releases, the values and the classes", async () => {
        assert.ok(await exists(() => core.readNamespace({ name: NAMESPACE })));
        for (const crd of EXPECTED_CRDS) {
            await eventually(`${crd} Established`, () => established(crd));
        }
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 1, status: "deployed" });
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.ok(
            await exists(() => core.readNamespacedConfigMap({ name: "dynamo-platform-hook-ran", namespace: NAMESPACE })),
            "Helm hooks ran",
        );
        // The 0.9.0 CRDs chart lacks DynamoWorkerMetadata: the bundled copy supplied it, ready for Helm to adopt.
        assert.doesNotMatch(await helmManifest("dynamo-crds", "default"), /dynamoworkermetadatas/);
        const workerMetadata = await apiextensions.readCustomResourceDefinition({ name: "dynamoworkermetadatas.nvidia.com" });
        assert.equal(workerMetadata.metadata?.annotations?.["meta.helm.sh/release-name"], "dynamo-crds");
        const { chartVersion, values } = await receivedValues();
        assert.equal(chartVersion, "0.9.0-post1");
        assert.equal(values["dynamo-operator"].discoveryBackend, "etcd");
        assert.equal(values.grove.enabled, true);
        assert.equal(values["kai-scheduler"].enabled, true);
        assert.equal(values["dynamo-operator"].dynamo.metrics.prometheusEndpoint, PROMETHEUS);
        assert.equal(values.etcd.persistence.storageClass, "local-path");
        assert.equal(values.nats.config.jetstream.fileStore.pvc.storageClassName, "local-path");
        // Auto-configuration used the existing class and did not install a provisioner of its own.
        const localPath = await storage.readStorageClass({ name: "local-path" });
        assert.equal(localPath.metadata?.labels?.["dynamo.nvidia.com/owner"], undefined, "not taken over");
        assert.ok(!(await exists(() => core.readNamespace({ name: "local-path-storage" }))), "no local-path-provisioner installed");
        const detected = JSON.parse(
            ok(pulumi("stack output detected", ["stack", "output", "detected", "--json", "--stack", "e2e"])).output,
        );
        assert.ok(
            detected.some(
                (d: { subject: string; decision: string }) => d.subject === "persistenceStorageClass" && /^use it/.test(d.decision),
            ),
        );
        const nfs = await storage.readStorageClass({ name: "nfs" });
        assert.equal(nfs.provisioner, "nfs.csi.k8s.io");
        assert.deepEqual(nfs.parameters, { server: "nfs.e2e.invalid", share: "/exports/models" });
    });

    it("2b. verify checks the platform: CRDs pass, and it says no etcd or NATS pod runs (the stand-in charts have none)", () => {
        const start = Date.now();
        const result = spawnSync("npm", ["run", "-s", "verify", "--", "--stack", "e2e"], { cwd: ROOT, env, encoding: "utf8" });
        timings.push(["npm run verify", (Date.now() - start) / 1000]);
        assert.equal(result.status, 1, result.stdout + result.stderr);
        for (const crd of EXPECTED_CRDS) {
            assert.match(result.stdout, new RegExp(`CRD ${crd.replace(/\./g, "\\.")}\\s+OK\\s+Established`));
        }
        // The cluster's KWOK nodes run the stand-in operator's pod; the stand-in charts have no etcd or NATS pods.
        assert.match(result.stdout, /etcd pods\s+FAIL\s+no pods in dynamo-system with app\.kubernetes\.io\/name=etcd/);
        assert.match(result.stdout, /NATS pods\s+FAIL\s+no pods in dynamo-system with app\.kubernetes\.io\/name=nats/);
        assert.match(result.stdout, /schedulable nodes/);
    });

    it("3. a user's DynamoGraphDeployment can be created", async () => {
        await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
        await custom.createNamespacedCustomObject({
            group: "nvidia.com",
            version: "v1alpha1",
            namespace: MODELS_NAMESPACE,
            plural: "dynamographdeployments",
            body: userModel,
        });
        assert.ok(await exists(readUserModel));
    });

    it("4. a second run plans no changes", () => {
        ok(pulumi("preview --expect-no-changes", ["preview", "--expect-no-changes", "--stack", "e2e", "--config-file", stackConfigFile]));
    });

    it("4b. a kube-prometheus-stack appearing is detected when no monitoring stack is configured", async () => {
        writeStackConfig({ ...baseConfig, monitoringStack: undefined });
        const before = ok(
            pulumi("preview --json (no Prometheus yet)", ["preview", "--json", "--stack", "e2e", "--config-file", stackConfigFile]),
        );
        const diagnostics: { message: string }[] = JSON.parse(before.output.slice(0, before.output.lastIndexOf("}") + 1)).diagnostics ?? [];
        assert.ok(
            diagnostics.some((d) => /auto-configuration: prometheus: no CRD podmonitors\.monitoring\.coreos\.com/.test(d.message)),
            JSON.stringify(diagnostics),
        );
        // Both monitor kinds, as a Prometheus Operator serves them (one alone is warned about).
        for (const kind of ["PodMonitor", "ServiceMonitor"]) {
            const singular = kind.toLowerCase();
            await apiextensions.createCustomResourceDefinition({
                body: {
                    metadata: { name: `${singular}s.monitoring.coreos.com` },
                    spec: {
                        group: "monitoring.coreos.com",
                        scope: "Namespaced",
                        names: { kind, plural: `${singular}s`, singular, listKind: `${kind}List` },
                        versions: [
                            {
                                name: "v1",
                                served: true,
                                storage: true,
                                schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } },
                            },
                        ],
                    },
                },
            });
        }
        await core.createNamespace({ body: { metadata: { name: "observability" } } });
        await core.createNamespacedService({
            namespace: "observability",
            body: {
                metadata: { name: "kps-kube-prometheus-prometheus", labels: { app: "kube-prometheus-stack-prometheus" } },
                spec: { ports: [{ name: "http-web", port: 9090 }], selector: { app: "prometheus" } },
            },
        });
        ok(up("up (Prometheus detected)"));
        const detectedUrl = "http://kps-kube-prometheus-prometheus.observability.svc.cluster.local:9090";
        assert.equal((await receivedValues()).values["dynamo-operator"].dynamo.metrics.prometheusEndpoint, detectedUrl);
        const outputs = JSON.parse(ok(pulumi("stack output", ["stack", "output", "--json", "--stack", "e2e"])).output);
        assert.equal(outputs.prometheusEndpointSource, "detected");
        ok(
            pulumi("preview --expect-no-changes (detected)", [
                "preview",
                "--expect-no-changes",
                "--stack",
                "e2e",
                "--config-file",
                stackConfigFile,
            ]),
        );
        writeStackConfig(baseConfig);
    });

    it("5. upgrading to 0.9.1 upgrades both releases in place and keeps the user's model", async () => {
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1" });
        const run = ok(up("up (upgrade to 0.9.1)"));
        assert.doesNotMatch(run.output, /replaced|replacing/i, "releases are updated, not replaced");
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 2, status: "deployed" });
        // Revision 2 was the detected-Prometheus update of step 4b.
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 3, status: "deployed" });
        assert.equal((await receivedValues()).chartVersion, "0.9.1");
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the upgrade");
        assert.ok(await established("dynamoworkermetadatas.nvidia.com"));
        assert.match(
            await helmManifest("dynamo-crds", "default"),
            /dynamoworkermetadatas/,
            "0.9.1 carries the CRD and Helm adopted the bundled one",
        );
    });

    it("6. bad config fails with the clear message and changes nothing", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        const namespaceVersion = (await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion;
        const classVersion = (await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion;
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1", namespace: "Dynamo_System" });
        const run = pulumi("up (bad namespace)", ["up", "--yes", "--skip-preview", "--stack", "e2e", "--config-file", stackConfigFile]);
        assert.notEqual(run.status, 0);
        assert.match(run.output, /Invalid dynamo:namespace "Dynamo_System": expected a DNS-1123 label/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);
        assert.equal((await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion, namespaceVersion);
        assert.equal((await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion, classVersion);
        assert.doesNotMatch(run.output, /creating|updating \(|deleting/, "no resource operation started");
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1" });
    });

    it("7a. pulumi destroy removes the platform and its namespace but keeps the CRDs and the user's model", async () => {
        ok(pulumi("destroy (default)", ["destroy", "--yes", "--skip-preview", "--stack", "e2e", "--config-file", stackConfigFile]));
        assert.equal(await helmRelease("dynamo-platform", NAMESPACE), undefined);
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        for (const crd of EXPECTED_CRDS) {
            assert.ok(await established(crd), `${crd} kept`);
        }
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the destroy");
        assert.ok(!(await exists(() => storage.readStorageClass({ name: "nfs" }))), "the stack's own class is removed");
        assert.ok(
            await exists(() => storage.readStorageClass({ name: "local-path" })),
            "the class the stack did not create is still there",
        );
    });

    it("7b. after the README's reinstall step, the opt-in destroy removes the CRDs too", async () => {
        await core.deleteCollectionNamespacedSecret({ namespace: "default", labelSelector: "owner=helm,name=dynamo-crds" });
        writeStackConfig({ ...baseConfig, releaseVersion: "0.9.1", removeCrdsOnDestroy: true });
        ok(up("up (reinstall, removeCrdsOnDestroy)"));
        assert.ok(await exists(readUserModel), "reinstalling adopted the CRDs without deleting the model");
        ok(
            pulumi("destroy (removeCrdsOnDestroy)", [
                "destroy",
                "--yes",
                "--skip-preview",
                "--stack",
                "e2e",
                "--config-file",
                stackConfigFile,
            ]),
        );
        for (const crd of EXPECTED_CRDS) {
            await eventually(
                `${crd} deleted`,
                async () => !(await exists(() => apiextensions.readCustomResourceDefinition({ name: crd }))),
            );
        }
    });
});
