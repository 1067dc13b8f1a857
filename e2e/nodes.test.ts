/**
 * End-to-end: the test cluster runs pods. e2e/cluster gives it five KWOK nodes (three CPU, two GPU,
 * in two zones); this checks them and that Deployments, Jobs, PVCs and GPU requests behave as on a
 * real cluster. Starts from the harness's baseline; everything lives in its own namespace (and a
 * local-path class, only when none exists), all deleted afterwards.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { baseline, core, createUnownedLocalPathClass, eventually, exists, storage } from "./harness";

const NAMESPACE = "e2e-nodes";
const CPU_NODES = ["kwok-cpu-0", "kwok-cpu-1", "kwok-cpu-2"];
const GPU_NODES = ["kwok-gpu-0", "kwok-gpu-1"];
const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };

const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG!);
const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);
const batch = kubeconfig.makeApiClient(k8s.BatchV1Api);

function container(resources: k8s.V1ResourceRequirements = { requests: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "1Gi" } }) {
    return { name: "main", image: "registry.e2e.invalid/pause:1", resources };
}

function ready(pod: k8s.V1Pod): boolean {
    return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

async function readyPod(name: string): Promise<k8s.V1Pod> {
    await eventually(`pod ${name} Ready`, async () => ready(await core.readNamespacedPod({ name, namespace: NAMESPACE })), 60);
    return core.readNamespacedPod({ name, namespace: NAMESPACE });
}

describe("end-to-end: the cluster's KWOK nodes run pods", function () {
    this.timeout(5 * 60 * 1000);
    let createdClass = false;

    before(async () => {
        await baseline("nodes");
        await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    });

    after(async () => {
        if (await exists(() => core.readNamespace({ name: NAMESPACE }))) {
            await core.deleteNamespace({ name: NAMESPACE });
        }
        await eventually(`namespace ${NAMESPACE} deleted`, async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        await eventually(
            `the volumes of ${NAMESPACE} deleted`,
            async () => !(await core.listPersistentVolume()).items.some((pv) => pv.spec?.claimRef?.namespace === NAMESPACE),
        );
        if (createdClass) {
            await storage.deleteStorageClass({ name: "local-path" });
        }
    });

    it("has three CPU and two GPU nodes, Ready, with zones, the usual labels, capacity, and the GPU taint", async () => {
        const nodes = (await core.listNode({ labelSelector: "type=kwok" })).items;
        assert.deepEqual(nodes.map((n) => n.metadata!.name).sort(), [...CPU_NODES, ...GPU_NODES]);
        const zones = new Map<string, string[]>();
        for (const node of nodes) {
            const name = node.metadata!.name!;
            const labels = node.metadata!.labels!;
            const gpu = GPU_NODES.includes(name);
            assert.ok(
                (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
                `${name} Ready: ${JSON.stringify(node.status?.conditions)}`,
            );
            assert.equal(node.metadata!.annotations!["kwok.x-k8s.io/node"], "fake");
            // Its kubelet is KWOK's server on loopback: the API server's calls to it never leave 127.0.0.1.
            assert.deepEqual(
                (node.status?.addresses ?? []).map((a) => `${a.type} ${a.address}`),
                ["InternalIP 127.0.0.1"],
            );
            assert.equal(labels["kubernetes.io/hostname"], name);
            assert.equal(labels["kubernetes.io/os"], "linux");
            assert.equal(labels["kubernetes.io/arch"], "amd64");
            assert.ok(labels["topology.kubernetes.io/zone"], `${name} has a zone`);
            zones.set(labels["topology.kubernetes.io/zone"], [...(zones.get(labels["topology.kubernetes.io/zone"]) ?? []), name]);
            for (const resources of [node.status!.capacity!, node.status!.allocatable!]) {
                for (const resource of ["cpu", "memory", "pods", "ephemeral-storage"]) {
                    assert.ok(resources[resource], `${name} has ${resource}: ${JSON.stringify(resources)}`);
                }
                assert.equal(resources["nvidia.com/gpu"], gpu ? "8" : undefined, `${name} nvidia.com/gpu`);
            }
            assert.equal(labels["nvidia.com/gpu.present"], gpu ? "true" : undefined);
            // The node lifecycle controller may add its own taints for a moment; the GPU taint is ours.
            const taints = (node.spec?.taints ?? []).filter((t) => !t.key.startsWith("node.kubernetes.io/"));
            assert.deepEqual(
                taints.map((t) => ({ key: t.key, effect: t.effect })),
                gpu ? [{ key: "nvidia.com/gpu", effect: "NoSchedule" }] : [],
            );
        }
        assert.deepEqual(
            [...zones]
                .sort()
                .map(([zone, names]) => [
                    zone,
                    names.filter((n) => CPU_NODES.includes(n)).length,
                    names.filter((n) => GPU_NODES.includes(n)).length,
                ]),
            [
                ["e2e-zone-a", 2, 1],
                ["e2e-zone-b", 1, 1],
            ],
            "CPU and GPU nodes per zone",
        );
    });

    it("a Deployment pinned to a CPU node becomes Ready there, and its pod's log can be read", async () => {
        const labels = { app: "pinned" };
        await apps.createNamespacedDeployment({
            namespace: NAMESPACE,
            body: {
                metadata: { name: "pinned" },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: { nodeSelector: { "kubernetes.io/hostname": CPU_NODES[1] }, containers: [container()] },
                    },
                },
            },
        });
        await eventually(
            "deployment pinned 1/1 ready",
            async () => (await apps.readNamespacedDeployment({ name: "pinned", namespace: NAMESPACE })).status?.readyReplicas === 1,
            60,
        );
        const pods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app=pinned" })).items;
        assert.deepEqual(
            pods.map((p) => [p.spec?.nodeName, p.status?.phase, ready(p)]),
            [[CPU_NODES[1], "Running", true]],
        );
        const log = await core.readNamespacedPodLog({ name: pods[0].metadata!.name!, namespace: NAMESPACE, tailLines: 5 });
        assert.match(log, /kwok: simulated container/);
    });

    it("a Job completes", async () => {
        await batch.createNamespacedJob({
            namespace: NAMESPACE,
            body: {
                metadata: { name: "once" },
                spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [container()] } } },
            },
        });
        await eventually(
            "job once complete",
            async () => {
                const job = await batch.readNamespacedJob({ name: "once", namespace: NAMESPACE });
                return (
                    job.status?.succeeded === 1 && (job.status.conditions ?? []).some((c) => c.type === "Complete" && c.status === "True")
                );
            },
            60,
        );
        const pods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "job-name=once" })).items;
        assert.deepEqual(
            pods.map((p) => p.status?.phase),
            ["Succeeded"],
        );
        assert.ok(CPU_NODES.includes(pods[0].spec!.nodeName!), `ran on a CPU node, not ${pods[0].spec!.nodeName}`);
    });

    it("a PVC of class local-path gets Bound, and a pod mounting it runs", async () => {
        if (!(await exists(() => storage.readStorageClass({ name: "local-path" })))) {
            await createUnownedLocalPathClass();
            createdClass = true;
        }
        await core.createNamespacedPersistentVolumeClaim({
            namespace: NAMESPACE,
            body: {
                metadata: { name: "data" },
                spec: { storageClassName: "local-path", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
        });
        await eventually(
            "PVC data Bound",
            async () => (await core.readNamespacedPersistentVolumeClaim({ name: "data", namespace: NAMESPACE })).status?.phase === "Bound",
            60,
        );
        const claim = await core.readNamespacedPersistentVolumeClaim({ name: "data", namespace: NAMESPACE });
        const volume = await core.readPersistentVolume({ name: claim.spec!.volumeName! });
        assert.equal(volume.spec?.storageClassName, "local-path");
        assert.equal(volume.spec?.capacity?.storage, "1Gi");
        await core.createNamespacedPod({
            namespace: NAMESPACE,
            body: {
                metadata: { name: "with-volume" },
                spec: {
                    containers: [{ ...container(), volumeMounts: [{ name: "data", mountPath: "/data" }] }],
                    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
                },
            },
        });
        await readyPod("with-volume");
    });

    it("a pod requesting nvidia.com/gpu lands on a GPU node when it tolerates the taint, and stays Pending when not", async () => {
        const gpu = { limits: { "nvidia.com/gpu": "1" } };
        await core.createNamespacedPod({
            namespace: NAMESPACE,
            body: { metadata: { name: "gpu" }, spec: { tolerations: [GPU_TOLERATION], containers: [container(gpu)] } },
        });
        await core.createNamespacedPod({
            namespace: NAMESPACE,
            body: { metadata: { name: "gpu-intolerant" }, spec: { containers: [container(gpu)] } },
        });
        const pod = await readyPod("gpu");
        assert.ok(GPU_NODES.includes(pod.spec!.nodeName!), `on a GPU node, not ${pod.spec!.nodeName}`);
        await eventually("pod gpu-intolerant reported Unschedulable", async () => {
            const intolerant = await core.readNamespacedPod({ name: "gpu-intolerant", namespace: NAMESPACE });
            return (intolerant.status?.conditions ?? []).some(
                (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
            );
        });
        const intolerant = await core.readNamespacedPod({ name: "gpu-intolerant", namespace: NAMESPACE });
        assert.equal(intolerant.spec?.nodeName, undefined);
        assert.equal(intolerant.status?.phase, "Pending");
    });
});
