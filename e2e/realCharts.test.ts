/**
 * The real NVIDIA charts (`../shared/charts`, dynamo-crds and dynamo-platform 0.9.x) installed by the
 * project's stack on the simulated nodes, with Helm waiting for workloads and hook Jobs
 * (`skipAwait` off): 0.9.0 with its operator image fix, in-place upgrades through 0.9.0-post1 to
 * 0.9.1, what reached the cluster, verify all green, and the default destroy.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    apiextensions,
    core,
    dynamoStackFile,
    env,
    eventually,
    exists,
    helmRelease,
    initStack,
    ok,
    pulumi,
    ROOT,
    timings,
    work,
} from "./harness";

const CHARTS = path.resolve(ROOT, "..", "shared", "charts");
const RELEASE = "0.9.1";
const OPERATOR = "dynamo-platform-dynamo-operator-controller-manager";
const NAMESPACE = "dynamo-system";
const STACK = "organization/dynamo/real";
const configFile = path.join(work, "Pulumi.real.yaml");

const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG!);
const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);
const batch = kubeconfig.makeApiClient(k8s.BatchV1Api);

function onStack(...args: string[]): string[] {
    return [...args, "--stack", STACK, "--config-file", configFile];
}

let encryptionSalt = "";

function writeConfig(releaseVersion: string): void {
    const config = {
        releaseVersion,
        namespace: NAMESPACE,
        chartRepository: CHARTS,
        persistenceStorageClass: "local-path",
        localPath: { install: true },
        nfs: { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false },
    };
    fs.writeFileSync(configFile, dynamoStackFile(encryptionSalt, config));
}

function up(releaseVersion: string): string {
    writeConfig(releaseVersion);
    return ok(pulumi(`real: up (${releaseVersion}, waits on)`, ["up", "--yes", "--skip-preview", ...onStack()])).output;
}

/** The image of the operator Deployment's manager container, and how many replicas are Ready. */
async function operatorImage(): Promise<{ image?: string; ready?: number }> {
    const operator = await apps.readNamespacedDeployment({ name: OPERATOR, namespace: NAMESPACE });
    const manager = operator.spec?.template.spec?.containers.find((c) => c.name === "manager");
    return { image: manager?.image, ready: operator.status?.readyReplicas };
}

/** The names and volumes of etcd and NATS, which an in-place upgrade keeps. */
async function stateVolumes(): Promise<string[]> {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
    return claims.map((c) => `${c.metadata?.name}=${c.spec?.volumeName}`).sort();
}

describe("end-to-end: the real 0.9.x charts on simulated nodes, waits on", function () {
    this.timeout(20 * 60 * 1000);

    before(async () => {
        // The consumer tests' default destroys kept the CRDs release: the README's reinstall step first.
        await core.deleteCollectionNamespacedSecret({ namespace: "default", labelSelector: "owner=helm,name=dynamo-crds" });
        // The scenario's stand-in Prometheus goes (its CRDs have no schema for the chart's monitors, and its
        // service has no Prometheus behind it).
        for (const kind of ["podmonitors", "servicemonitors"]) {
            await apiextensions.deleteCustomResourceDefinition({ name: `${kind}.monitoring.coreos.com` });
        }
        await core.deleteNamespace({ name: "observability" });
        await eventually(
            "monitoring.coreos.com/v1 gone",
            async () =>
                !(await exists(() => apiextensions.readCustomResourceDefinition({ name: "podmonitors.monitoring.coreos.com" }))) &&
                !(await exists(() => apiextensions.readCustomResourceDefinition({ name: "servicemonitors.monitoring.coreos.com" }))),
        );
        assert.ok(fs.existsSync(path.join(CHARTS, `dynamo-platform-${RELEASE}.tgz`)), `the real charts are expected in ${CHARTS}`);
        initStack("real: stack init", STACK, ROOT, configFile);
        encryptionSalt = fs.readFileSync(configFile, "utf8").match(/^encryptionsalt: .*\n/m)?.[0] ?? "";
    });

    let volumesBefore: string[] = [];

    it("0.9.0: Helm waits for every workload and hook Job, and the running operator has the 0.9.0 image, not the chart's 0.7.1", async () => {
        up("0.9.0");
        assert.deepEqual(await operatorImage(), { image: "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.0", ready: 1 });
        volumesBefore = await stateVolumes();
        assert.equal(volumesBefore.length, 2, volumesBefore.join(", "));
    });

    it("upgrades in place through 0.9.0-post1 to 0.9.1, keeping etcd's and NATS's volumes", async () => {
        for (const version of ["0.9.0-post1", RELEASE]) {
            assert.doesNotMatch(up(version), /replaced|replacing/i, `${version}: releases are updated, not replaced`);
        }
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 2, status: "deployed" });
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 3, status: "deployed" });
        assert.deepEqual(await operatorImage(), { image: `nvcr.io/nvidia/ai-dynamo/kubernetes-operator:${RELEASE}`, ready: 1 });
        assert.deepEqual(await stateVolumes(), volumesBefore);
    });

    it("every platform pod is Ready, the hook Jobs succeeded and the volumes are Bound", async () => {
        const pods = (await core.listNamespacedPod({ namespace: NAMESPACE })).items;
        const running = pods.filter((p) => p.status?.phase === "Running");
        const component = (name: string) => running.filter((p) => p.metadata?.labels?.["app.kubernetes.io/name"] === name);
        for (const name of ["dynamo-operator", "etcd", "nats"]) {
            assert.equal(component(name).length, 1, `one running ${name} pod`);
        }
        for (const prefix of ["grove-operator-", "kai-operator-"]) {
            assert.ok(
                running.some((p) => p.metadata?.name?.startsWith(prefix)),
                `a running ${prefix} pod among ${running.map((p) => p.metadata?.name)}`,
            );
        }
        for (const pod of running) {
            assert.ok(
                pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
                `${pod.metadata?.name} Ready`,
            );
        }

        const jobs = (await batch.listNamespacedJob({ namespace: NAMESPACE })).items;
        for (const hook of ["webhook-cert-gen", "webhook-ca-inject"]) {
            const job = jobs.find((j) => j.metadata?.name?.includes(hook));
            assert.ok(job, `hook Job ${hook} among ${jobs.map((j) => j.metadata?.name)}`);
            assert.equal(job.status?.succeeded, 1, `${hook} succeeded`);
        }

        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
        assert.deepEqual(claims.map((c) => [c.spec?.storageClassName, c.status?.phase]).sort(), [
            ["local-path", "Bound"],
            ["local-path", "Bound"],
        ]);

        const operator = await apps.readNamespacedDeployment({ name: OPERATOR, namespace: NAMESPACE });
        assert.ok(
            operator.spec?.template.spec?.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.operator === "Exists"),
            "the operator tolerates GPU nodes",
        );
    });

    it("verify reports every check green", () => {
        const start = Date.now();
        const result = spawnSync("npm", ["run", "-s", "verify", "--", "--stack", STACK], { cwd: ROOT, env, encoding: "utf8" });
        timings.push(["real: npm run verify", (Date.now() - start) / 1000]);
        assert.equal(result.status, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /All 9 checks passed\./);
        assert.doesNotMatch(result.stdout, /\b(FAIL|WARN)\b/);
    });

    it("the default destroy removes the platform and keeps the Dynamo CRDs", async () => {
        ok(pulumi("real: destroy", ["destroy", "--yes", ...onStack()]));
        await eventually(`namespace ${NAMESPACE} deleted`, async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        const crds = (await apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata?.name ?? "");
        assert.equal(crds.filter((name) => name.endsWith(".nvidia.com") && name.startsWith("dynamo")).length, 6, crds.join(", "));
    });
});
