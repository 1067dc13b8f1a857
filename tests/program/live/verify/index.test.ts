import { strict as assert } from "assert";
import { formatResults, verifyPlatform } from "../../../../program/live/verify";
import { FakeCluster, fakeReader } from "../../../fakeCluster";

const outputs = {
    namespace: "dynamo-system",
    platformReleaseName: "dynamo-platform",
    crdNames: ["dynamographdeployments.nvidia.com", "dynamographdeploymentrequests.nvidia.com", "dynamoworkermetadatas.nvidia.com"],
    etcdEndpoint: "dynamo-platform-etcd.dynamo-system.svc.cluster.local:2379",
    natsEndpoint: "nats://dynamo-platform-nats.dynamo-system.svc.cluster.local:4222",
};
const crds = Object.fromEntries(outputs.crdNames.map((name) => [name, { established: true }]));
const pod = (name: string, app: string, ready = true, log = "", nodeName = "cpu-0") => ({
    name,
    phase: ready ? "Running" : "Pending",
    ready,
    labels: { "app.kubernetes.io/name": app },
    log,
    nodeName,
});

const node = (name: string, gpus = 0, ready = true, unschedulable = false) => ({ name, gpus, ready, unschedulable, labels: {} });

const healthy: FakeCluster = {
    namespaces: { "dynamo-system": {} },
    nodes: [node("cpu-0"), node("gpu-0", 8), node("gpu-1", 8)],
    crds,
    pods: {
        "dynamo-system": [
            pod(
                "dynamo-platform-dynamo-operator-controller-manager-7d9",
                "dynamo-operator",
                true,
                "INFO starting manager\nINFO reconciled",
            ),
            pod("dynamo-platform-etcd-0", "etcd"),
            pod("dynamo-platform-nats-0", "nats"),
        ],
    },
    deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 1, ready: 1 } },
    helmReleases: { "dynamo-system/dynamo-platform": "1.0.1" },
    statefulSets: {
        "dynamo-system/dynamo-platform-etcd": { desired: 1, ready: 1 },
        "dynamo-system/dynamo-platform-nats": { desired: 1, ready: 1 },
    },
    disruptionBudgets: { "dynamo-system": [{ name: "dynamo-platform-nats", disruptionsAllowed: 0, expectedPods: 1 }] },
};

/** The healthy platform under the ha profile: three etcd and NATS replicas, two operators, every budget. */
const healthyHa: FakeCluster = {
    ...healthy,
    deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 2, ready: 2 } },
    statefulSets: {
        "dynamo-system/dynamo-platform-etcd": { desired: 3, ready: 3 },
        "dynamo-system/dynamo-platform-nats": { desired: 3, ready: 3 },
    },
    disruptionBudgets: {
        "dynamo-system": [
            { name: "dynamo-platform-etcd", disruptionsAllowed: 1, expectedPods: 3 },
            { name: "dynamo-platform-nats", disruptionsAllowed: 1, expectedPods: 3 },
            { name: "dynamo-platform-dynamo-operator", disruptionsAllowed: 1, expectedPods: 2 },
        ],
    },
};

function byCheck(results: Awaited<ReturnType<typeof verifyPlatform>>) {
    return Object.fromEntries(results.map((r) => [r.check, r]));
}

describe("verification", () => {
    it("passes a healthy platform and shows the operator's recent log lines, read from its manager container", async () => {
        const reader = fakeReader(healthy);
        const results = await verifyPlatform(reader, outputs);
        assert.ok(
            reader.calls.some((call) => /^logs .+\/manager$/.test(call)),
            reader.calls.join(", "),
        );
        assert.deepEqual(
            results.filter((r) => r.status !== "ok"),
            [],
        );
        assert.equal(results.length, 1 + 1 + 3 + 11);
        assert.equal(byCheck(results)["operator logs"].detail, "INFO starting manager\nINFO reconciled");
        assert.equal(byCheck(results).nodes.detail, "3 ready and schedulable of 3; 16 GPUs on 2: gpu-0 (8), gpu-1 (8)");
        assert.equal(byCheck(results)["admission webhook"].detail, "a DynamoGraphDeployment is admitted (dry run)");
        assert.ok(reader.calls.includes("dry-run create dynamographdeployments in dynamo-system"));
        assert.equal(byCheck(results)["etcd replicas"].detail, "1/1 ready");
        assert.equal(byCheck(results)["disruption budgets"].detail, "dynamo-platform-nats (0 of 1 pods may be evicted)");
        assert.equal(byCheck(results).placement.detail, "no platform pod on a GPU node");
        assert.equal(byCheck(results)["release dynamo-platform"].detail, "revision 1 deployed");
        assert.match(formatResults(results), /All 16 checks passed\.$/);
    });

    it("says clearly that nothing runs on a cluster without nodes, while the CRD checks pass", async () => {
        const results = byCheck(
            await verifyPlatform(
                fakeReader({
                    ...healthy,
                    pods: {},
                    deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 1, ready: 0 } },
                }),
                outputs,
            ),
        );
        for (const name of outputs.crdNames) {
            assert.equal(results[`CRD ${name}`].status, "ok");
        }
        assert.equal(results["Dynamo pods"].status, "fail");
        assert.match(results["Dynamo pods"].hint!, /schedulable nodes/);
        assert.equal(results["etcd pods"].detail, "no pods in dynamo-system with app.kubernetes.io/name=etcd");
        assert.equal(results["operator deployment"].detail, "0/1 ready");
        assert.equal(results["operator logs"].status, "fail");
    });

    it("warns, and does not fail, when the operator's log cannot be read (an unreachable kubelet)", async () => {
        const unreadable = pod("op", "dynamo-operator");
        const results = byCheck(
            await verifyPlatform(
                fakeReader({
                    ...healthy,
                    pods: {
                        "dynamo-system": [{ ...unreadable, logError: "no preferred addresses found" }, pod("e", "etcd"), pod("n", "nats")],
                    },
                }),
                outputs,
            ),
        );
        assert.equal(results["operator logs"].status, "warn");
        assert.equal(results["operator logs"].detail, "cannot be read: no preferred addresses found");
        assert.ok(Object.values(results).every((r) => r.status !== "fail"));
    });

    it("reports missing CRDs, pods that are not ready and error lines in the log", async () => {
        const cluster: FakeCluster = {
            ...healthy,
            crds: { ...crds, "dynamoworkermetadatas.nvidia.com": undefined as never },
            pods: {
                "dynamo-system": [
                    pod("op", "dynamo-operator", true, "ERROR failed to reconcile"),
                    pod("dynamo-platform-etcd-0", "etcd", false),
                    pod("n", "nats"),
                ],
            },
        };
        const results = byCheck(await verifyPlatform(fakeReader(cluster), outputs));
        assert.equal(results["CRD dynamoworkermetadatas.nvidia.com"].detail, "missing");
        assert.equal(results["etcd pods"].detail, "0/1 ready: dynamo-platform-etcd-0 Pending");
        assert.equal(results["operator logs"].status, "warn");
    });

    it("fails the operator row, with the command that brings it back, when the operator is scaled to zero", async () => {
        const results = byCheck(
            await verifyPlatform(
                fakeReader({
                    ...healthy,
                    deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 0, ready: 0 } },
                }),
                outputs,
            ),
        );
        assert.equal(results["operator deployment"].status, "fail");
        assert.equal(results["operator deployment"].detail, "0/0 ready: scaled to zero");
        assert.match(results["operator deployment"].hint!, /kubectl scale deployment .* --replicas=1/);
    });

    it("fails the operator row with the crash-looping container, its last exit and the log of the run that ended", async () => {
        const crashing = {
            ...pod("dynamo-platform-dynamo-operator-controller-manager-7d9", "dynamo-operator", false),
            troubled: [{ container: "manager", restarts: 4, waiting: "CrashLoopBackOff", failedExit: { code: 2, reason: "Error" } }],
        };
        const row = byCheck(
            await verifyPlatform(
                fakeReader({
                    ...healthy,
                    pods: { "dynamo-system": [crashing] },
                    deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 1, ready: 0 } },
                }),
                outputs,
            ),
        )["operator deployment"];
        assert.equal(row.status, "fail");
        assert.equal(
            row.detail,
            "0/1 ready: pod dynamo-platform-dynamo-operator-controller-manager-7d9 container manager CrashLoopBackOff, restarted 4 times, last exit 2 (Error)",
        );
        assert.match(
            row.hint!,
            /fail closed .*`kubectl logs -n dynamo-system dynamo-platform-dynamo-operator-controller-manager-7d9 -c manager --previous`/,
        );
    });

    it("fails the release row with what an earlier run left: a pending revision's command, a failed hook's pod and log", async () => {
        const release = async (cluster: FakeCluster) =>
            byCheck(await verifyPlatform(fakeReader({ ...healthy, ...cluster }), outputs))["release dynamo-platform"];
        const pending = await release({
            helmReleaseStates: { "dynamo-system/dynamo-platform": { revision: 4, status: "pending-upgrade" } },
        });
        assert.equal(pending.status, "fail");
        assert.equal(pending.detail, "revision 4 pending-upgrade: a run was interrupted while Helm worked on it");
        assert.match(pending.hint!, /`helm rollback dynamo-platform -n dynamo-system`/);
        const failed = await release({
            helmReleaseStates: { "dynamo-system/dynamo-platform": { revision: 5, status: "failed" } },
            jobs: {
                "dynamo-system": [
                    {
                        name: "dynamo-platform-etcd-pre-upgrade",
                        annotations: { "helm.sh/hook": "pre-upgrade", "helm.sh/hook-delete-policy": "before-hook-creation" },
                        succeeded: 0,
                        failedPods: 2,
                    },
                ],
            },
            pods: {
                "dynamo-system": [
                    {
                        ...pod("dynamo-platform-etcd-pre-upgrade-b8x2q", "etcd", false),
                        labels: { "job-name": "dynamo-platform-etcd-pre-upgrade" },
                        troubled: [{ container: "pre-upgrade-job", restarts: 0, failedExit: { code: 1 } }],
                    },
                ],
            },
        });
        assert.equal(
            failed.detail,
            "revision 5 failed: the pre-upgrade hook Job dynamo-system/dynamo-platform-etcd-pre-upgrade has failed pods and was still retrying when Helm stopped waiting: pod dynamo-platform-etcd-pre-upgrade-b8x2q exited 1; its log: `kubectl logs -n dynamo-system dynamo-platform-etcd-pre-upgrade-b8x2q -c pre-upgrade-job`",
        );
        assert.match(failed.hint!, /`helm history dynamo-platform -n dynamo-system`.*remove the cause, then `pulumi up`/);
        const applied = await release({
            helmReleaseStates: {
                "dynamo-system/dynamo-platform": {
                    revision: 6,
                    status: "failed",
                    description: 'Upgrade "dynamo-platform" failed: context deadline exceeded',
                    lastDeployed: 5,
                },
            },
        });
        assert.equal(applied.detail, 'revision 6 failed: Upgrade "dynamo-platform" failed: context deadline exceeded');
        assert.match(applied.hint!, /run `helm rollback dynamo-platform 5 -n dynamo-system` .* then `pulumi up`/);
        assert.equal((await release({ helmReleases: {} })).detail, "not installed");
    });

    it("fails the nodes row when every node is cordoned or NotReady, and warns when none has GPUs", async () => {
        const cordoned = byCheck(
            await verifyPlatform(fakeReader({ ...healthy, nodes: [node("cpu-0", 0, true, true), node("gpu-0", 8, false)] }), outputs),
        );
        assert.equal(cordoned.nodes.status, "fail");
        assert.equal(cordoned.nodes.detail, "none ready and schedulable of 2");
        assert.match(cordoned.nodes.hint!, /kubectl uncordon/);
        const cpuOnly = byCheck(await verifyPlatform(fakeReader({ ...healthy, nodes: [node("cpu-0")] }), outputs));
        assert.equal(cpuOnly.nodes.status, "warn");
        assert.match(cpuOnly.nodes.hint!, /device plugin/);
    });

    it("fails the admission row, naming the webhook, when the API server cannot call it", async () => {
        const refusal =
            'Internal error occurred: failed calling webhook "vdynamographdeployment.kb.io": failed to call webhook: Post "https://dynamo-platform-dynamo-operator-webhook-service.dynamo-system.svc:443/validate?timeout=10s": dial tcp 10.96.0.12:443: connect: network is unreachable';
        const result = byCheck(await verifyPlatform(fakeReader({ ...healthy, dryRunRefusal: refusal }), outputs))["admission webhook"];
        assert.equal(result.status, "fail");
        assert.match(
            result.detail,
            /^vdynamographdeployment\.kb\.io cannot be called: failed to call webhook: Post .*network is unreachable$/,
        );
        assert.match(result.hint!, /failurePolicy Fail/);
        assert.match(result.hint!, /"failurePolicy":"Ignore"/);
    });

    it("fails the admission row when the CRD's conversion webhook cannot be called (1.4+, the operator down)", async () => {
        const refusal =
            'Internal error occurred: Internal error occurred: conversion webhook for nvidia.com/v1alpha1, Kind=DynamoGraphDeployment failed: Post "https://dynamo-platform-dynamo-operator-webhook-service.dynamo-system.svc:443/convert?timeout=30s": no endpoints available for service "dynamo-platform-dynamo-operator-webhook-service"';
        const result = byCheck(await verifyPlatform(fakeReader({ ...healthy, dryRunRefusal: refusal }), outputs))["admission webhook"];
        assert.equal(result.status, "fail");
        assert.match(
            result.detail,
            /^conversion webhook for nvidia\.com\/v1alpha1, Kind=DynamoGraphDeployment cannot be called: Post .*no endpoints available/,
        );
        assert.match(result.hint!, /Check the operator pod/);
    });

    it("counts a webhook that denies the empty probe as answering, and warns on any other refusal", async () => {
        const denied = byCheck(
            await verifyPlatform(
                fakeReader({
                    ...healthy,
                    dryRunRefusal: 'admission webhook "vdynamographdeployment.kb.io" denied the request: no services',
                }),
                outputs,
            ),
        )["admission webhook"];
        assert.equal(denied.status, "ok");
        const forbidden = byCheck(
            await verifyPlatform(fakeReader({ ...healthy, dryRunRefusal: "dynamographdeployments.nvidia.com is forbidden" }), outputs),
        )["admission webhook"];
        assert.equal(forbidden.status, "warn");
    });

    it("skips the etcd check when the platform runs without etcd", async () => {
        const results = await verifyPlatform(fakeReader(healthy), { ...outputs, etcdEndpoint: "" });
        assert.ok(!results.some((r) => r.check === "etcd pods"));
    });

    it("skips the NATS checks when the platform runs without NATS (the default from 1.4)", async () => {
        const results = await verifyPlatform(fakeReader(healthy), { ...outputs, natsEndpoint: "" });
        assert.ok(!results.some((r) => r.check.startsWith("NATS")));
        assert.ok(results.some((r) => r.check === "etcd pods"));
    });

    it("formats a table with a hint per failure", () => {
        const text = formatResults([
            { check: "namespace dynamo-system", status: "ok", detail: "exists" },
            { check: "Dynamo pods", status: "fail", detail: "no pods in dynamo-system", hint: "look at the nodes" },
        ]);
        assert.equal(
            text,
            [
                "check                    status  detail",
                "namespace dynamo-system  OK      exists",
                "Dynamo pods              FAIL    no pods in dynamo-system",
                "",
                "1 of 2 checks failed.",
                "",
                "Hints:",
                "- Dynamo pods: look at the nodes",
            ].join("\n"),
        );
    });

    describe("under the ha profile", () => {
        const haOutputs = { ...outputs, profile: "ha" };

        it("passes with replicas ready per component and the three disruption budgets", async () => {
            const results = byCheck(await verifyPlatform(fakeReader(healthyHa), haOutputs));
            assert.deepEqual(
                Object.values(results).filter((r) => r.status !== "ok"),
                [],
            );
            assert.equal(results["etcd replicas"].detail, "3/3 ready");
            assert.equal(results["NATS replicas"].detail, "3/3 ready");
            assert.equal(results["operator deployment"].detail, "2/2 ready");
            assert.match(results["disruption budgets"].detail, /dynamo-platform-dynamo-operator \(1 of 2 pods may be evicted\)/);
        });

        it("fails on a missing budget or replicas not ready, and warns on fewer replicas than ha asks", async () => {
            const results = byCheck(
                await verifyPlatform(
                    fakeReader({
                        ...healthyHa,
                        deployments: { "dynamo-system/dynamo-platform-dynamo-operator-controller-manager": { desired: 1, ready: 1 } },
                        statefulSets: {
                            "dynamo-system/dynamo-platform-etcd": { desired: 3, ready: 2 },
                            "dynamo-system/dynamo-platform-nats": { desired: 1, ready: 1 },
                        },
                        disruptionBudgets: { "dynamo-system": healthyHa.disruptionBudgets!["dynamo-system"].slice(1) },
                    }),
                    haOutputs,
                ),
            );
            assert.deepEqual([results["etcd replicas"].status, results["etcd replicas"].detail], ["fail", "2/3 ready"]);
            assert.deepEqual(
                [results["NATS replicas"].status, results["NATS replicas"].detail],
                ["warn", "1/1 ready, fewer than the 3 of the ha profile"],
            );
            assert.equal(results["operator deployment"].status, "warn");
            assert.equal(results["disruption budgets"].status, "fail");
            assert.match(results["disruption budgets"].detail, /^missing under the ha profile: dynamo-platform-etcd;/);
        });
    });

    it("warns when platform pods run on GPU nodes while a CPU node could take them, and not on a GPU-only cluster", async () => {
        const onGpu: FakeCluster = {
            ...healthy,
            pods: {
                "dynamo-system": [pod("op", "dynamo-operator", true, "", "gpu-0"), pod("e", "etcd"), pod("n", "nats", true, "", "gpu-1")],
            },
        };
        const placement = byCheck(await verifyPlatform(fakeReader(onGpu), outputs)).placement;
        assert.equal(placement.status, "warn");
        assert.equal(placement.detail, "2 platform pods on GPU nodes while 1 CPU node could run them: op on gpu-0, n on gpu-1");
        const gpuOnly = byCheck(
            await verifyPlatform(fakeReader({ ...onGpu, nodes: [node("gpu-0", 8), node("gpu-1", 8)] }), outputs),
        ).placement;
        assert.deepEqual([gpuOnly.status, gpuOnly.detail], ["ok", "on GPU nodes only, which are all the cluster has"]);
    });
});
