import { strict as assert } from "assert";
import { DynamoPlatformArgs, Profile } from "../../../../components/core/args";
import { DynamoConfigError } from "../../../../components/core/errors";
import { resolveSettings } from "../../../../components/core/settings";
import { isOtherOperatorRole, kubernetesMinor, leftoverWebhooks } from "../../../../program/live/detect/preflight";
import { JobInfo, NodeInfo, ObjectInfo, WebhookInfo } from "../../../../program/live/reader";
import { FakeCluster, fakeReader } from "../../../fakeCluster";
import { applyDetection, detect } from "../../../../program/live/detect";
import { Detection } from "../../../../program/live/detect/types";
import { ZONE_LABEL } from "../../../../components/core/names";

const nfsClass = { name: "nfs", provisioner: "nfs.csi.k8s.io", labels: {} };
const base: FakeCluster = { storageClasses: [nfsClass, { name: "local-path", provisioner: "rancher.io/local-path", labels: {} }] };

function run(cluster: FakeCluster, args: DynamoPlatformArgs): Promise<Detection> {
    return detect(fakeReader({ ...base, ...cluster }), {
        settings: resolveSettings(args, "dynamo:"),
        args,
        owner: "dynamo.k8s",
        prometheusConfigured: true,
    });
}

const decision = (detection: Detection, subject: string) => detection.decisions.find((d) => d.subject === subject);

function role(name: string, release?: string, namespace?: string): ObjectInfo {
    return {
        name,
        labels: {},
        annotations: release ? { "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace ?? "" } : {},
    };
}

const args = (releaseVersion: string, extra: Partial<DynamoPlatformArgs> = {}): DynamoPlatformArgs => ({
    releaseVersion,
    persistenceStorageClass: "local-path",
    ...extra,
});

describe("preflight", () => {
    describe("Kubernetes version", () => {
        it("parses the server's version", () => {
            assert.deepEqual(kubernetesMinor("v1.29.4-eks-a1b2"), [1, 29]);
            assert.equal(kubernetesMinor("unknown"), undefined);
        });

        it("stops a 1.4+ release on a cluster older than 1.30, with the fix", async () => {
            await assert.rejects(
                run({ version: "v1.29.4" }, args("1.4.0", { installedReleaseVersion: "1.3.0" })),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:releaseVersion" &&
                    /dynamo-platform 1\.4\.0 needs Kubernetes 1\.30 or newer and the cluster runs v1\.29\.4; upgrade the cluster first/.test(
                        error.message,
                    ),
            );
        });

        it("passes 1.30 and later, and a line that declares no minimum", async () => {
            const ok = await run({ version: "v1.30.2" }, args("1.4.0", { installedReleaseVersion: "1.3.0" }));
            assert.equal(decision(ok, "kubernetesVersion")?.decision, "meets 1.30+, which dynamo-platform 1.4.0 needs");
            const old = await run({ version: "v1.27.0" }, args("1.0.1"));
            assert.equal(decision(old, "kubernetesVersion"), undefined);
        });
    });

    describe("a platform release an interrupted run left pending", () => {
        const pending = (status: string, revision: number): FakeCluster => ({
            helmReleases: revision > 1 ? { "dynamo-system/dynamo-platform": "1.4.0" } : {},
            helmReleaseStates: { "dynamo-system/dynamo-platform": { revision, status } },
        });

        it("stops a pending install with the one command that clears it: uninstall, which holds nothing of the user's", async () => {
            await assert.rejects(
                run(pending("pending-install", 1), args("1.5.0")),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:namespace" &&
                    /the dynamo-platform release \(revision 1\) is pending-install: a run was interrupted .* run `helm uninstall dynamo-platform -n dynamo-system --no-hooks` \(the install never finished, so nothing of yours is in it .*\), then pulumi up again/.test(
                        error.message,
                    ),
            );
        });

        it("stops a pending upgrade with a rollback to the revision that ran", async () => {
            await assert.rejects(run(pending("pending-upgrade", 3), args("1.5.0")), (error: DynamoConfigError) =>
                /\(revision 3\) is pending-upgrade: .* run `helm rollback dynamo-platform -n dynamo-system` \(this returns the platform to the revision that was running before\)/.test(
                    error.message,
                ),
            );
        });

        it("stops an upgrade that failed after Helm applied it with the rollback to the last deployed revision", async () => {
            const failed: FakeCluster = {
                helmReleases: { "dynamo-system/dynamo-platform": "1.5.0" },
                helmReleaseStates: {
                    "dynamo-system/dynamo-platform": {
                        revision: 4,
                        status: "failed",
                        description: 'Upgrade "dynamo-platform" failed: context deadline exceeded',
                        lastDeployed: 3,
                    },
                },
            };
            await assert.rejects(
                run(failed, args("1.5.0")),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:namespace" &&
                    /revision 4 failed after Helm applied it \(Upgrade "dynamo-platform" failed: context deadline exceeded\)\. Helm computes the next upgrade against revision 3, .* Run `helm rollback dynamo-platform 3 -n dynamo-system` .*, then pulumi up again/.test(
                        error.message,
                    ),
            );
            const hookFailed = {
                ...failed,
                helmReleaseStates: {
                    "dynamo-system/dynamo-platform": {
                        revision: 4,
                        status: "failed",
                        description: 'Upgrade "dynamo-platform" failed: pre-upgrade hooks failed: timed out waiting for the condition',
                        lastDeployed: 3,
                    },
                },
            };
            await run(hookFailed, args("1.5.0"));
        });

        it("passes a deployed or failed release, and none at all", async () => {
            for (const status of ["deployed", "failed"]) {
                await run(pending(status, 2), args("1.5.0"));
            }
            await run({}, args("1.5.0"));
        });
    });

    describe("a hook Job that failed in an earlier run", () => {
        const hookJob = (name: string, deletePolicy: string): JobInfo => ({
            name,
            annotations: { "helm.sh/hook": "pre-upgrade", "helm.sh/hook-delete-policy": deletePolicy },
            failedReason: "BackoffLimitExceeded",
            succeeded: 0,
            failedPods: 1,
        });
        const failedPod = (job: string): FakeCluster["pods"] => ({
            "dynamo-system": [
                {
                    name: `${job}-x7k2p`,
                    phase: "Failed",
                    ready: false,
                    labels: { "job-name": job },
                    troubled: [{ container: "pre-upgrade-job", restarts: 0, failedExit: { code: 1, reason: "Error" } }],
                },
            ],
        });

        it("warns with the pod's exit and the log command when Helm replaces the Job (before-hook-creation), and goes on", async () => {
            const detection = await run(
                { jobs: { "dynamo-system": [hookJob("etcd-pre-upgrade", "before-hook-creation")] }, pods: failedPod("etcd-pre-upgrade") },
                args("1.5.0"),
            );
            const hooks = decision(detection, "hooks");
            assert.equal(hooks?.level, "warn");
            assert.equal(
                hooks?.found,
                "the pre-upgrade hook Job dynamo-system/etcd-pre-upgrade failed (BackoffLimitExceeded): pod etcd-pre-upgrade-x7k2p exited 1 (Error); its log: `kubectl logs -n dynamo-system etcd-pre-upgrade-x7k2p -c pre-upgrade-job`",
            );
        });

        it("stops with the one command that removes a failed Job Helm cannot create again (no before-hook-creation)", async () => {
            await assert.rejects(
                run(
                    { jobs: { "dynamo-system": [hookJob("crd-upgrader", "hook-succeeded")] }, pods: failedPod("crd-upgrader") },
                    args("1.5.0"),
                ),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:namespace" &&
                    /the pre-upgrade hook Job dynamo-system\/crd-upgrader failed .*exited 1 .*: read its log, remove the cause, run `kubectl delete job crd-upgrader -n dynamo-system`, then pulumi up again/.test(
                        error.message,
                    ),
            );
        });

        it("ignores Jobs that are no hooks, test and delete hooks, hooks that succeeded, and hooks without a failed pod", async () => {
            const plain = { ...hookJob("backup", "before-hook-creation"), annotations: {} };
            const test = { ...hookJob("request-reply", "hook-succeeded"), annotations: { "helm.sh/hook": "test" } };
            const postDelete = { ...hookJob("cleanup", "hook-succeeded"), annotations: { "helm.sh/hook": "post-delete" } };
            const succeeded = { ...hookJob("done", "hook-succeeded"), failedReason: undefined, succeeded: 1, failedPods: 1 };
            const running = { ...hookJob("running", "hook-succeeded"), failedReason: undefined, failedPods: 0 };
            const detection = await run({ jobs: { "dynamo-system": [plain, test, postDelete, succeeded, running] } }, args("1.5.0"));
            assert.equal(decision(detection, "hooks"), undefined);
        });
    });

    describe("another Dynamo operator", () => {
        it("tells this platform's own manager role from another release's", () => {
            assert.equal(
                isOtherOperatorRole(
                    role("dynamo-platform-dynamo-operator-manager-role", "dynamo-platform", "dynamo-system"),
                    "dynamo-system",
                ),
                false,
            );
            assert.equal(isOtherOperatorRole(role("team-a-dynamo-operator-manager-role", "team-a", "team-a"), "dynamo-system"), true);
            assert.equal(
                isOtherOperatorRole(role("dynamo-platform-dynamo-operator-manager-role", "dynamo-platform", "dynamo-ts"), "dynamo-system"),
                true,
            );
            assert.equal(isOtherOperatorRole(role("dynamo-platform-dynamo-operator-leader-role"), "dynamo-system"), false);
        });

        it("stops before Helm when another cluster-wide operator runs, naming it and how to remove it", async () => {
            await assert.rejects(
                run({ clusterRoles: [role("team-a-dynamo-operator-manager-role", "team-a", "team-a")] }, args("0.9.1")),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:namespace" &&
                    /ClusterRole team-a-dynamo-operator-manager-role, release team-a in namespace team-a\) .*helm uninstall team-a -n team-a/.test(
                        error.message,
                    ),
            );
        });

        it("passes when the only operator is this platform's own", async () => {
            const detection = await run(
                { clusterRoles: [role("dynamo-platform-dynamo-operator-manager-role", "dynamo-platform", "dynamo-system")] },
                args("0.9.1"),
            );
            assert.equal(decision(detection, "operator")?.found, "no other Dynamo operator");
        });
    });

    describe("Grove and KAI already in the cluster", () => {
        const grove: ObjectInfo = {
            name: "grove-operator",
            namespace: "grove-system",
            labels: { "app.kubernetes.io/name": "grove-operator" },
            annotations: {},
        };
        const kai: ObjectInfo = { name: "kai-operator", namespace: "kai-scheduler", labels: { app: "kai-operator" }, annotations: {} };

        it("uses them on 1.x: enabled, not installed, and says so", async () => {
            const detection = await run({ deploymentObjects: [grove, kai] }, args("1.0.1"));
            assert.equal(detection.installGrove, false);
            assert.equal(detection.installKaiScheduler, false);
            assert.match(decision(detection, "grove")!.decision, /^use it: Grove enabled, not installed/);
            const applied = applyDetection(args("1.0.1"), detection);
            assert.deepEqual([applied.installGrove, applied.installKaiScheduler], [false, false]);
            const settings = resolveSettings(applied);
            assert.deepEqual([settings.groveEnabled, settings.installGrove], [true, false]);
        });

        it("leaves the platform's own operators, and explicit choices, alone", async () => {
            const own = await run({ deploymentObjects: [{ ...grove, namespace: "dynamo-system" }] }, args("1.0.1"));
            assert.equal(own.installGrove, undefined);
            const explicit = await run({ deploymentObjects: [grove] }, args("1.0.1", { installGrove: true }));
            assert.equal(explicit.installGrove, undefined);
        });

        it("stops a 0.9.x install, which can only bring its own", async () => {
            await assert.rejects(
                run({ deploymentObjects: [grove] }, args("0.9.1")),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:groveEnabled" &&
                    /already runs the Grove operator grove-system\/grove-operator/.test(error.message),
            );
        });
    });

    describe("leftover webhooks", () => {
        const webhook = (configuration: string, service?: string): WebhookInfo => ({
            kind: "ValidatingWebhookConfiguration",
            configuration,
            webhook: `${configuration}.kb.io`,
            failurePolicy: "Fail",
            service,
        });

        it("names each configuration whose Service is gone, with the delete command, and does not block", async () => {
            const detection = await run(
                {
                    webhooks: [
                        webhook(
                            "dynamo-platform-dynamo-operator-validating",
                            "dynamo-system/dynamo-platform-dynamo-operator-webhook-service",
                        ),
                        webhook("live", "monitoring/prometheus-kube-prometheus-operator"),
                        webhook("by-url"),
                    ],
                    services: [{ name: "prometheus-kube-prometheus-operator", namespace: "monitoring", labels: {}, ports: [] }],
                },
                args("0.9.1"),
            );
            const found = detection.decisions.filter((d) => d.subject === "webhooks");
            assert.deepEqual(
                found.map((d) => [d.level, d.found]),
                [
                    [
                        "warn",
                        "ValidatingWebhookConfiguration dynamo-platform-dynamo-operator-validating calls the missing Service dynamo-system/dynamo-platform-dynamo-operator-webhook-service (failurePolicy Fail): kubectl delete validatingwebhookconfiguration dynamo-platform-dynamo-operator-validating",
                    ],
                ],
            );
        });

        it("reads no Services when no webhook calls one", async () => {
            const reader = fakeReader({ ...base, webhooks: [webhook("by-url")] });
            assert.deepEqual(await leftoverWebhooks(reader), []);
            assert.ok(!reader.calls.some((call) => call.startsWith("service")));
        });
    });

    describe("GPU nodes", () => {
        it("reports them, and warns without blocking when there are none", async () => {
            const withGpus = await run({ nodes: [{ name: "g", gpus: 8, ready: true, unschedulable: false, labels: {} }] }, args("0.9.1"));
            assert.deepEqual(decision(withGpus, "gpuNodes"), {
                subject: "gpuNodes",
                found: "1 of 1 nodes offer nvidia.com/gpu (8)",
                decision: "report only",
                level: "info",
            });
            const none = await run({ nodes: [] }, args("0.9.1"));
            assert.equal(decision(none, "gpuNodes")?.level, "warn");
        });
    });

    describe("the ha profile", () => {
        const node = (name: string, zone: string | undefined, extra: Partial<NodeInfo> = {}): NodeInfo => ({
            name,
            gpus: 0,
            ready: true,
            unschedulable: false,
            labels: zone ? { [ZONE_LABEL]: zone } : {},
            ...extra,
        });
        const ha = (extra: Partial<DynamoPlatformArgs> = {}) => args("0.9.1", { profile: Profile.Ha, ...extra });

        it("is quiet under dev and reports the spread under ha on three nodes in two zones", async () => {
            const nodes = [node("a", "z1"), node("b", "z2"), node("c", "z1")];
            assert.equal(decision(await run({ nodes }, args("0.9.1")), "profile"), undefined);
            assert.deepEqual(decision(await run({ nodes }, ha()), "profile"), {
                subject: "profile",
                found: "3 schedulable nodes in 2 zones (z1, z2)",
                decision: "ha: 3 etcd members and 3 NATS servers spread over 2 zones",
                level: "info",
            });
        });

        it("warns on fewer than three schedulable nodes, counting neither cordoned, NotReady nor unselected ones", async () => {
            const nodes = [
                node("a", "z1"),
                node("b", "z2", { unschedulable: true }),
                node("c", "z2", { ready: false }),
                node("d", "z2", { labels: { [ZONE_LABEL]: "z2", pool: "system" } }),
                node("e", "z1", { labels: { [ZONE_LABEL]: "z1", pool: "system" } }),
            ];
            const found = decision(await run({ nodes }, ha({ placement: { nodeSelector: { pool: "system" } } })), "profile");
            assert.equal(found?.level, "warn");
            assert.equal(found?.found, "2 schedulable nodes matching dynamo:placement.nodeSelector in 2 zones (z1, z2)");
            assert.match(found!.decision, /^ha installs, but is not highly available here: fewer than 3 nodes/);
        });

        it("warns on one zone, or nodes without zone labels", async () => {
            const oneZone = decision(await run({ nodes: [node("a", "z1"), node("b", "z1"), node("c", "z1")] }, ha()), "profile");
            assert.equal(oneZone?.level, "warn");
            assert.match(oneZone!.decision, /one zone or none: a zone outage takes the whole control plane$/);
            const unlabelled = decision(
                await run({ nodes: [node("a", undefined), node("b", undefined), node("c", undefined)] }, ha()),
                "profile",
            );
            assert.equal(unlabelled?.found, "3 schedulable nodes in 0 zones");
        });
    });

    describe("dev after ha", () => {
        const etcdOf = (desired: number): FakeCluster => ({
            statefulSets: { "dynamo-system/dynamo-platform-etcd": { desired, ready: desired } },
        });

        it("refuses to scale an etcd of three members down to one, naming dynamo:profile and both ways out", async () => {
            await assert.rejects(
                run(etcdOf(3), args("0.9.1")),
                (error: Error) =>
                    error instanceof DynamoConfigError &&
                    /^Invalid dynamo:profile "dev"/.test(error.message) &&
                    /etcd runs 3 members \(StatefulSet dynamo-system\/dynamo-platform-etcd\)/.test(error.message) &&
                    /"ha" while etcd runs 3 members, or dev with dynamo:helmValues \{"etcd": \{"replicaCount": 3\}\}/.test(error.message),
            );
        });

        it("goes on with one member, under ha, or when helmValues sets the member count", async () => {
            await run(etcdOf(1), args("0.9.1"));
            await run(etcdOf(3), args("0.9.1", { profile: Profile.Ha }));
            await run(etcdOf(3), args("0.9.1", { helmValues: { etcd: { replicaCount: 3 } } }));
            await run({}, args("0.9.1"));
        });
    });
});
