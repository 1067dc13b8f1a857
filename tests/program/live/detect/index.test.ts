import { strict as assert } from "assert";
import { DynamoPlatformArgs, Platform } from "../../../../components/core/args";
import { DynamoConfigError } from "../../../../components/core/errors";
import { OWNER_LABEL } from "../../../../components/core/labels";
import { resolveSettings } from "../../../../components/core/settings";
import { FakeCluster, fakeReader } from "../../../fakeCluster";
import { applyDetection, detect } from "../../../../program/live/detect";
import { Detection, DetectionInput } from "../../../../program/live/detect/types";
import { PODMONITOR_CRD, SERVICEMONITOR_CRD, waitForNamespaceGone } from "../../../../program/live/detect/platform";
import { ZONE_LABEL } from "../../../../components/core/names";

const OWNER = "dynamo.k8s";
const ours = { [OWNER_LABEL]: OWNER };
const nfsClass = { name: "nfs", provisioner: "nfs.csi.k8s.io", labels: {} };
const k8sArgs: DynamoPlatformArgs = { releaseVersion: "0.9.1", persistenceStorageClass: "local-path", localPath: { install: true } };
const eksArgs: DynamoPlatformArgs = {
    releaseVersion: "0.9.1",
    platform: Platform.Eks,
    eks: { clusterName: "gpu", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] },
};
const prometheusService = {
    name: "prometheus-kube-prometheus-prometheus",
    namespace: "monitoring",
    labels: { app: "kube-prometheus-stack-prometheus", "self-monitor": "true" },
    ports: [{ name: "http-web", port: 9090 }],
};

function run(cluster: FakeCluster, args: DynamoPlatformArgs = k8sArgs, extra: Partial<DetectionInput> = {}): Promise<Detection> {
    return detect(fakeReader(cluster), { settings: resolveSettings(args, "dynamo:"), owner: OWNER, prometheusConfigured: false, ...extra });
}

function decision(detection: Detection, subject: string) {
    const found = detection.decisions.filter((d) => d.subject === subject);
    assert.equal(found.length, 1, `one decision about ${subject}`);
    return found[0];
}

describe("auto-configuration rules", () => {
    describe("Prometheus", () => {
        it("warns before the install when only one of the PodMonitor and ServiceMonitor CRDs is served", async () => {
            const partial = await run({ storageClasses: [nfsClass], crds: { [PODMONITOR_CRD]: { established: true } } });
            assert.equal(decision(partial, "monitoringCrds").level, "warn");
            assert.match(decision(partial, "monitoringCrds").found, /podmonitors\.monitoring\.coreos\.com without servicemonitors/);
            const complete = await run({
                storageClasses: [nfsClass],
                crds: { [PODMONITOR_CRD]: { established: true }, [SERVICEMONITOR_CRD]: { established: true } },
            });
            const none = await run({ storageClasses: [nfsClass] });
            for (const detection of [complete, none]) {
                assert.equal(
                    detection.decisions.find((d) => d.subject === "monitoringCrds"),
                    undefined,
                );
            }
        });

        it("uses a kube-prometheus-stack service when the PodMonitor CRD is there too", async () => {
            const detection = await run({
                storageClasses: [nfsClass],
                crds: { "podmonitors.monitoring.coreos.com": { established: true } },
                services: [prometheusService],
            });
            assert.equal(detection.prometheusEndpoint, "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090");
            assert.match(decision(detection, "prometheus").found, /monitoring\/prometheus-kube-prometheus-prometheus/);
        });
        it("needs both the CRD and the service", async () => {
            const noCrd = await run({ storageClasses: [nfsClass], services: [prometheusService] });
            assert.equal(noCrd.prometheusEndpoint, undefined);
            assert.match(decision(noCrd, "prometheus").found, /podmonitors/);
            const noService = await run({
                storageClasses: [nfsClass],
                crds: { "podmonitors.monitoring.coreos.com": { established: true } },
            });
            assert.equal(noService.prometheusEndpoint, undefined);
        });
        it("does not look when an endpoint or monitoring stack is configured", async () => {
            const reader = fakeReader({ storageClasses: [nfsClass], services: [prometheusService] });
            const detection = await detect(reader, { settings: resolveSettings(k8sArgs), owner: OWNER, prometheusConfigured: true });
            assert.equal(detection.prometheusEndpoint, undefined);
            assert.ok(!reader.calls.includes("services"));
        });
    });

    it("reads the installed platform release from its Helm release, for the upgrade plan", async () => {
        const upgrading = await run({ storageClasses: [nfsClass], helmReleases: { "dynamo-system/dynamo-platform": "0.9.0-post1" } });
        assert.equal(upgrading.installedReleaseVersion, "0.9.0-post1");
        assert.deepEqual(decision(upgrading, "installedRelease"), {
            subject: "installedRelease",
            found: "dynamo-platform 0.9.0-post1 in dynamo-system",
            decision: "plan the upgrade from 0.9.0-post1",
            level: "info",
        });
        assert.equal(applyDetection(k8sArgs, upgrading).installedReleaseVersion, "0.9.0-post1");
        assert.equal(
            applyDetection({ ...k8sArgs, installedReleaseVersion: "0.9.1" }, upgrading).installedReleaseVersion,
            "0.9.1",
            "an explicit value wins",
        );
        const devBuild = await run({
            storageClasses: [nfsClass],
            helmReleases: { "dynamo-system/dynamo-platform": "1.5.0-main.2a6da14c" },
        });
        assert.equal(devBuild.installedReleaseVersion, undefined, "a development build is not passed on as a release");
        assert.equal(decision(devBuild, "installedRelease").level, "warn");
        assert.match(decision(devBuild, "installedRelease").decision, /dynamo:installedReleaseVersion/);
        const fresh = await run({ storageClasses: [nfsClass], helmReleases: { "other/dynamo-platform": "0.9.1" } });
        assert.equal(fresh.installedReleaseVersion, undefined, "only the platform namespace counts");
        assert.equal(decision(fresh, "installedRelease").decision, "plan an install");
    });

    describe("etcd and NATS a platform already runs, onto a line that installs neither by default (1.4)", () => {
        const running = {
            storageClasses: [nfsClass],
            statefulSets: {
                "dynamo-system/dynamo-platform-etcd": { ready: 1, desired: 1 },
                "dynamo-system/dynamo-platform-nats": { ready: 1, desired: 1 },
            },
        };
        const to14 = { ...k8sArgs, releaseVersion: "1.4.0" };

        it("keeps etcd discovery and NATS, with their data, and says how to remove them", async () => {
            const detection = await run(running, to14, { args: to14 });
            assert.equal(detection.discoveryBackend, "etcd");
            assert.equal(detection.installNats, true);
            assert.match(
                decision(detection, "etcd").decision,
                /keep etcd discovery and etcd, with its data; `pulumi config set dynamo:discoveryBackend kubernetes`/,
            );
            assert.match(
                decision(detection, "nats").decision,
                /keep it, with its JetStream volume; `pulumi config set dynamo:installNats false` removes it/,
            );
            const applied = applyDetection(to14, detection);
            assert.deepEqual([applied.discoveryBackend, applied.installNats], ["etcd", true]);
            const settings = resolveSettings({ ...applied, installedReleaseVersion: "1.3.1" }, "dynamo:");
            assert.deepEqual([settings.discoveryBackend, settings.installNats], ["etcd", true]);
            assert.match(
                settings.notes.join("\n"),
                /keep etcd \(dynamo:discoveryBackend kubernetes removes it\) and NATS \(dynamo:installNats false removes it\) with their data/,
            );
        });

        it("follows the config where it says, and the line's own defaults on a fresh cluster", async () => {
            const explicit = { ...to14, discoveryBackend: "kubernetes", installNats: false } as DynamoPlatformArgs;
            const told = await run(running, explicit, { args: explicit });
            assert.deepEqual([told.discoveryBackend, told.installNats], [undefined, undefined]);
            assert.ok(!told.decisions.some((d) => d.subject === "etcd" || d.subject === "nats"));
            const fresh = await run({ storageClasses: [nfsClass] }, to14, { args: to14 });
            assert.deepEqual([fresh.discoveryBackend, fresh.installNats], [undefined, undefined]);
            const settings = resolveSettings(to14, "dynamo:");
            assert.deepEqual([settings.discoveryBackend, settings.installNats], ["kubernetes", false]);
            const older = await run(running, k8sArgs, { args: k8sArgs });
            assert.ok(!older.decisions.some((d) => d.subject === "etcd" || d.subject === "nats"), "0.9.x installs both anyway");
        });
    });

    describe("CRDs to hand over to the dynamo-crds release", () => {
        const kept = {
            "dynamographdeployments.nvidia.com": { established: true },
            "dynamoworkermetadatas.nvidia.com": { established: true },
        };

        it("hands over CRDs that exist without a deployed dynamo-crds release, and says so", async () => {
            const detection = await run({ storageClasses: [nfsClass], crds: kept });
            assert.equal(detection.crdsHandOver, true);
            assert.match(
                decision(detection, "crds").found,
                /^dynamographdeployments\.nvidia\.com, dynamoworkermetadatas\.nvidia\.com without a dynamo-crds release/,
            );
            assert.equal(applyDetection(k8sArgs, detection).crdsHandOver, true);
            assert.equal(applyDetection({ ...k8sArgs, crdsHandOver: false }, detection).crdsHandOver, false, "an explicit value wins");
        });

        it("hands nothing over once the release is deployed, or when there is nothing to adopt", async () => {
            const released = await run({ storageClasses: [nfsClass], crds: kept, helmReleases: { "default/dynamo-crds": "0.9.1" } });
            assert.equal(released.crdsHandOver, false);
            assert.equal(released.decisions.filter((d) => d.subject === "crds").length, 0);
            const fresh = await run({ storageClasses: [nfsClass] });
            assert.equal(fresh.crdsHandOver, false);
            assert.equal(applyDetection(k8sArgs, fresh).crdsHandOver, false);
        });

        it("does not decide with removeCrdsOnDestroy, nor on 1.x unless a migration keeps the release", async () => {
            for (const args of [
                { ...k8sArgs, removeCrdsOnDestroy: true },
                { ...k8sArgs, releaseVersion: "1.0.1" },
            ]) {
                const detection = await run({ storageClasses: [nfsClass], crds: kept }, args);
                assert.equal(detection.crdsHandOver, undefined, args.releaseVersion);
            }
            const migrating = await run(
                { storageClasses: [nfsClass], crds: kept, helmReleases: { "default/dynamo-crds": "0.9.1" } },
                { ...k8sArgs, releaseVersion: "1.0.1" },
            );
            assert.equal(migrating.crdsHandOver, false, "a migration run keeps the deployed release as it is");
        });
    });

    it("reports the GPU Operator's state and changes nothing", async () => {
        const detection = await run({
            storageClasses: [nfsClass],
            crds: { "clusterpolicies.nvidia.com": { established: true } },
            clusterPolicies: [{ name: "cluster-policy", state: "ready" }],
        });
        assert.deepEqual(decision(detection, "gpuOperator"), {
            subject: "gpuOperator",
            found: "installed (cluster-policy: ready)",
            decision: "status only",
            level: "info",
        });
        assert.match(decision(await run({ storageClasses: [nfsClass] }), "gpuOperator").found, /not installed/);
    });

    describe("the persistence class", () => {
        it("installs local-path-provisioner when the class is missing", async () => {
            const detection = await run({ storageClasses: [nfsClass] });
            assert.equal(detection.installLocalPath, true);
        });
        it("uses a class the stack did not create (k3s's local-path), never taking it over", async () => {
            const detection = await run({
                storageClasses: [nfsClass, { name: "local-path", provisioner: "rancher.io/local-path", labels: {} }],
            });
            assert.equal(detection.installLocalPath, false);
            assert.match(decision(detection, "persistenceStorageClass").decision, /use it; dynamo:localPath.install ignored/);
        });
        it("keeps managing a class this stack created, so a second run changes nothing", async () => {
            const detection = await run({
                storageClasses: [nfsClass, { name: "local-path", provisioner: "rancher.io/local-path", labels: ours }],
            });
            assert.equal(detection.installLocalPath, true);
        });
        it("treats another stack's class as not ours", async () => {
            const detection = await run({
                storageClasses: [
                    nfsClass,
                    { name: "local-path", provisioner: "rancher.io/local-path", labels: { [OWNER_LABEL]: "dynamo.other" } },
                ],
            });
            assert.equal(detection.installLocalPath, false);
        });
        it("decides nothing when etcd and NATS use the cluster default", async () => {
            const detection = await run({ storageClasses: [nfsClass] }, { releaseVersion: "0.9.1" });
            assert.equal(detection.installLocalPath, undefined);
        });
    });

    describe("the model-cache class", () => {
        it("fails naming the keys to set when it is missing and no NFS server is configured", async () => {
            await assert.rejects(
                run({ storageClasses: [] }),
                (error: unknown) =>
                    error instanceof DynamoConfigError &&
                    error.key === "dynamo:storageClass" &&
                    /"nfs" does not exist.*dynamo:nfs.*dynamo:storageClass/.test(error.message),
            );
        });
        it("will create it from dynamo:nfs", async () => {
            const detection = await run({ storageClasses: [] }, { ...k8sArgs, nfs: { server: "nfs", share: "/x" } });
            assert.equal(decision(detection, "modelCacheStorageClass").decision, "create it");
        });
        it("refuses to create over a class it does not own", async () => {
            await assert.rejects(
                run({ storageClasses: [nfsClass] }, { ...k8sArgs, nfs: { server: "nfs", share: "/x" } }),
                /never taken over/,
            );
        });
        it("keeps its own class", async () => {
            const detection = await run(
                { storageClasses: [{ ...nfsClass, labels: ours }] },
                { ...k8sArgs, nfs: { server: "nfs", share: "/x" } },
            );
            assert.equal(decision(detection, "modelCacheStorageClass").decision, "keep managing it");
        });
    });

    describe("ingress", () => {
        it("warns without an IngressClass and says which config installs one", async () => {
            const found = decision(await run({ storageClasses: [nfsClass] }), "ingress");
            assert.equal(found.level, "warn");
            assert.match(found.decision, /dynamo:ingress.installNginx/);
        });
        it("tells EKS users about the AWS Load Balancer Controller", async () => {
            const found = decision(await run({}, eksArgs), "ingress");
            assert.match(found.decision, /AWS Load Balancer Controller/);
        });
        it("is satisfied by the configured class and, for ALB, the controller that serves it", async () => {
            const controller = {
                name: "aws-load-balancer-controller",
                namespace: "kube-system",
                labels: { "app.kubernetes.io/name": "aws-load-balancer-controller" },
                annotations: {},
            };
            const found = decision(
                await run(
                    {
                        storageClasses: [nfsClass],
                        ingressClasses: [{ name: "alb", controller: "ingress.k8s.aws/alb" }],
                        deploymentObjects: [controller],
                    },
                    eksArgs,
                ),
                "ingress",
            );
            assert.equal(found.level, "info");
            assert.equal(found.found, "IngressClass alb (ingress.k8s.aws/alb), served by kube-system/aws-load-balancer-controller");
            const autoMode = decision(
                await run({ ingressClasses: [{ name: "alb", controller: "eks.amazonaws.com/alb" }] }, eksArgs),
                "ingress",
            );
            assert.equal(autoMode.level, "info", "Auto Mode's ALB is built in");
        });
        it("warns when the alb IngressClass is there but the AWS Load Balancer Controller is not", async () => {
            const found = decision(await run({ ingressClasses: [{ name: "alb", controller: "ingress.k8s.aws/alb" }] }, eksArgs), "ingress");
            assert.equal(found.level, "warn");
            assert.match(
                found.found,
                /no AWS Load Balancer Controller Deployment \(app\.kubernetes\.io\/name=aws-load-balancer-controller\)/,
            );
        });
    });

    describe("EFS CSI driver on EKS", () => {
        it("installs the add-on when the driver is missing", async () => {
            const detection = await run({}, eksArgs);
            assert.equal(detection.installEfsCsiDriver, undefined);
            assert.match(decision(detection, "efsCsiDriver").decision, /install/);
        });
        it("does not install it again when the cluster has the driver from elsewhere", async () => {
            const detection = await run({ csiDrivers: ["efs.csi.aws.com"] }, eksArgs, { addonOwner: async () => undefined });
            assert.equal(detection.installEfsCsiDriver, false);
        });
        it("keeps its own add-on (the owner tag names this stack)", async () => {
            const detection = await run({ csiDrivers: ["efs.csi.aws.com"] }, eksArgs, {
                addonOwner: async (name) => (name === "aws-efs-csi-driver" ? OWNER : undefined),
            });
            assert.equal(detection.installEfsCsiDriver, undefined);
            assert.equal(decision(detection, "efsCsiDriver").decision, "keep managing it");
        });
    });

    describe("Pod Identity agent and Auto Mode on EKS", () => {
        const node = (name: string, labels: Record<string, string> = {}) => ({ name, ready: true, unschedulable: false, gpus: 0, labels });
        const standardNodes = [node("ip-10-0-1-5", { "eks.amazonaws.com/compute-type": "ec2" })];
        const autoNodes = [
            node("i-0abc", { "eks.amazonaws.com/compute-type": "auto" }),
            node("i-0def", { "eks.amazonaws.com/compute-type": "auto" }),
        ];

        it("installs the agent add-on on a standard cluster without one, and says so", async () => {
            const detection = await run({ nodes: standardNodes }, eksArgs);
            assert.equal(detection.installPodIdentityAgent, true);
            assert.equal(detection.autoMode, undefined);
            const found = decision(detection, "podIdentityAgent");
            assert.match(found.found, /no DaemonSet kube-system\/eks-pod-identity-agent, no Auto Mode nodes/);
            assert.match(found.decision, /install the eks-pod-identity-agent add-on/);
            assert.equal(decision(detection, "autoMode").decision, "a standard cluster");
            const applied = applyDetection(eksArgs, detection);
            assert.equal(applied.eks?.installPodIdentityAgent, true);
            assert.equal(resolveSettings(applied).eks?.installPodIdentityAgent, true);
        });

        it("uses the agent a cluster already runs", async () => {
            const detection = await run(
                { nodes: standardNodes, daemonSets: { "kube-system/eks-pod-identity-agent": { desired: 3, ready: 3 } } },
                eksArgs,
                { addonOwner: async () => "someone-else" },
            );
            assert.equal(detection.installPodIdentityAgent, false);
            assert.equal(decision(detection, "podIdentityAgent").found, "DaemonSet kube-system/eks-pod-identity-agent (3/3 ready)");
        });

        it("keeps the agent add-on this stack installed", async () => {
            const detection = await run(
                { nodes: standardNodes, daemonSets: { "kube-system/eks-pod-identity-agent": { desired: 3, ready: 3 } } },
                eksArgs,
                {
                    addonOwner: async (name) => (name === "eks-pod-identity-agent" ? OWNER : undefined),
                },
            );
            assert.equal(detection.installPodIdentityAgent, true);
            assert.equal(decision(detection, "podIdentityAgent").decision, "keep managing it");
        });

        it("refuses an explicit installPodIdentityAgent false on a cluster with no agent, with both ways out", async () => {
            const args = { ...eksArgs, eks: { ...eksArgs.eks!, installPodIdentityAgent: false } };
            await assert.rejects(run({ nodes: standardNodes }, args, { args }), (error: unknown) => {
                assert.ok(error instanceof DynamoConfigError);
                assert.equal(error.key, "dynamo:eks.installPodIdentityAgent");
                assert.match(error.message, /Access Denied/);
                assert.match(error.message, /with `pulumi config rm --path 'dynamo:eks\.installPodIdentityAgent'`/);
                assert.match(error.message, /with `pulumi config set --path 'dynamo:eks\.identity' irsa`/);
                return true;
            });
        });

        it("asks nothing of the agent with IRSA, or when this stack installs no CSI driver", async () => {
            const irsa = {
                ...eksArgs,
                eks: {
                    ...eksArgs.eks!,
                    identity: "irsa" as never,
                    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X",
                },
            };
            const noDrivers = { ...eksArgs, eks: { ...eksArgs.eks!, installEfsCsiDriver: false } };
            for (const args of [irsa, noDrivers]) {
                const detection = await run({ nodes: standardNodes }, args);
                assert.equal(detection.installPodIdentityAgent, undefined);
                assert.equal(detection.decisions.filter((d) => d.subject === "podIdentityAgent").length, 0);
            }
        });

        it("detects Auto Mode from its nodes: Auto Mode's block storage, no EBS add-on, no agent add-on, EFS add-on kept", async () => {
            const detection = await run({ nodes: autoNodes }, eksArgs);
            assert.equal(detection.autoMode, true);
            assert.equal(detection.installPodIdentityAgent, false);
            assert.match(
                decision(detection, "autoMode").found,
                /EKS Auto Mode \(2 nodes labelled eks\.amazonaws\.com\/compute-type=auto\)/,
            );
            assert.equal(decision(detection, "podIdentityAgent").found, "built into EKS Auto Mode");
            const settings = resolveSettings(applyDetection(eksArgs, detection));
            assert.deepEqual(
                [
                    settings.eks?.autoMode,
                    settings.eks?.installEbsCsiDriver,
                    settings.eks?.installEfsCsiDriver,
                    settings.eks?.installPodIdentityAgent,
                ],
                [true, false, true, false],
            );
            assert.equal(settings.persistenceStorageClass, "gp3");
        });

        it("serves the committed stack config (installEbsCsiDriver) on Auto Mode too: Auto Mode's storage instead of the add-on", async () => {
            const args = { ...eksArgs, eks: { ...eksArgs.eks!, installEbsCsiDriver: true } };
            const detection = await run({ nodes: autoNodes }, args, { args });
            assert.match(decision(detection, "autoMode").decision, /installEbsCsiDriver is not applied here/);
            const settings = resolveSettings(applyDetection(args, detection));
            assert.deepEqual(
                [settings.eks?.autoMode, settings.eks?.installEbsCsiDriver, settings.persistenceStorageClass],
                [true, false, "gp3"],
            );
            const standard = resolveSettings(applyDetection(args, await run({ nodes: standardNodes }, args, { args })));
            assert.deepEqual([standard.eks?.autoMode, standard.eks?.installEbsCsiDriver], [false, true]);
        });

        it("keeps an explicit autoMode, and warns when no node says so", async () => {
            const args = { ...eksArgs, eks: { ...eksArgs.eks!, autoMode: true } };
            const detection = await run({ nodes: standardNodes }, args, { args });
            assert.equal(decision(detection, "autoMode").level, "warn");
            assert.equal(applyDetection(args, detection).eks?.autoMode, true);
        });
    });

    describe("block storage for etcd and NATS on EKS", () => {
        const withEbs: DynamoPlatformArgs = { ...eksArgs, eks: { ...eksArgs.eks!, installEbsCsiDriver: true } };
        const gp3 = (provisioner: string, labels: Record<string, string> = {}) => ({ name: "gp3", provisioner, labels });

        it("installs the EBS add-on where no driver runs, and says so", async () => {
            const detection = await run({}, withEbs);
            assert.equal(
                decision(detection, "ebsCsiDriver").decision,
                "install the aws-ebs-csi-driver add-on and create StorageClass gp3 on it",
            );
            const settings = resolveSettings(applyDetection(withEbs, detection)).eks!;
            assert.deepEqual([settings.installEbsCsiDriver, settings.blockStorageClass], [true, true]);
        });

        it("creates the class on a driver installed outside this stack, without the add-on", async () => {
            const detection = await run({ csiDrivers: ["ebs.csi.aws.com"] }, withEbs, { addonOwner: async () => undefined });
            assert.equal(detection.existingEbsCsiDriver, true);
            assert.equal(decision(detection, "ebsCsiDriver").decision, "create StorageClass gp3 on it; do not install the add-on");
            const settings = resolveSettings(applyDetection(withEbs, detection));
            assert.deepEqual(
                [settings.eks!.installEbsCsiDriver, settings.eks!.blockStorageClass, settings.persistenceStorageClass],
                [false, true, "gp3"],
            );
        });

        it("keeps managing the EBS add-on this stack installed", async () => {
            const detection = await run({ csiDrivers: ["ebs.csi.aws.com"] }, withEbs, {
                addonOwner: async (name) => (name === "aws-ebs-csi-driver" ? OWNER : undefined),
            });
            assert.equal(detection.existingEbsCsiDriver, undefined);
            assert.equal(resolveSettings(applyDetection(withEbs, detection)).eks!.installEbsCsiDriver, true);
        });

        it("uses a gp3 class the stack did not create, creating neither class nor add-on, on standard and Auto Mode clusters", async () => {
            const autoNode = {
                name: "i-0abc",
                ready: true,
                unschedulable: false,
                gpus: 0,
                labels: { "eks.amazonaws.com/compute-type": "auto" },
            };
            for (const [cluster, args] of [
                [{ storageClasses: [gp3("ebs.csi.aws.com")], csiDrivers: ["ebs.csi.aws.com"] }, withEbs],
                [{ storageClasses: [gp3("ebs.csi.eks.amazonaws.com")], nodes: [autoNode] }, withEbs],
                [{ storageClasses: [gp3("ebs.csi.eks.amazonaws.com")] }, { ...eksArgs, eks: { ...eksArgs.eks!, autoMode: true } }],
            ] as [FakeCluster, DynamoPlatformArgs][]) {
                const detection = await run(cluster, args);
                assert.equal(detection.useExistingBlockStorageClass, "gp3");
                assert.match(decision(detection, "persistenceStorageClass").decision, /^etcd and NATS use it; no class and no EBS add-on/);
                const settings = resolveSettings(applyDetection(args, detection));
                assert.deepEqual(
                    [settings.eks!.installEbsCsiDriver, settings.eks!.blockStorageClass, settings.persistenceStorageClass],
                    [false, false, "gp3"],
                );
            }
        });

        it("keeps managing the gp3 class this stack created, and decides about the driver as the first run did", async () => {
            for (const [owner, existingDriver] of [
                [OWNER, undefined],
                [undefined, true],
            ] as const) {
                const detection = await run({ storageClasses: [gp3("ebs.csi.aws.com", ours)], csiDrivers: ["ebs.csi.aws.com"] }, withEbs, {
                    addonOwner: async () => owner,
                });
                assert.equal(detection.useExistingBlockStorageClass, undefined);
                assert.equal(decision(detection, "persistenceStorageClass").decision, "keep managing it");
                assert.equal(detection.existingEbsCsiDriver, existingDriver);
            }
        });

        it("reads nothing for block storage when none is asked for", async () => {
            const detection = await run({ storageClasses: [gp3("ebs.csi.aws.com")], csiDrivers: ["ebs.csi.aws.com"] }, eksArgs);
            assert.deepEqual([detection.useExistingBlockStorageClass, detection.existingEbsCsiDriver], [undefined, undefined]);
        });
    });

    describe("node zones on EKS", () => {
        it("lists each zone the nodes run in once, for the mount targets", async () => {
            const node = (name: string, labels: Record<string, string>) => ({ name, ready: true, unschedulable: false, gpus: 0, labels });
            const nodes = [
                node("a", { [ZONE_LABEL]: "us-west-2b" }),
                node("b", { [ZONE_LABEL]: "us-west-2a" }),
                node("c", { [ZONE_LABEL]: "us-west-2b" }),
                node("d", {}),
            ];
            assert.deepEqual((await run({ nodes }, eksArgs)).nodeZones, ["us-west-2a", "us-west-2b"]);
            assert.equal((await run({ nodes, storageClasses: [nfsClass] }, k8sArgs)).nodeZones, undefined, "only read on EKS");
        });
    });

    describe("applyDetection", () => {
        const detection: Detection = {
            decisions: [],
            prometheusEndpoint: "http://p:9090",
            installLocalPath: false,
            installEfsCsiDriver: false,
        };
        it("applies what was detected", () => {
            const applied = applyDetection({ ...k8sArgs, eks: eksArgs.eks }, detection);
            assert.equal(applied.prometheusEndpoint, "http://p:9090");
            assert.deepEqual(applied.localPath, { install: false });
            assert.equal(applied.eks?.installEfsCsiDriver, false);
        });
        it("keeps an explicit endpoint and a monitoring stack first", () => {
            assert.equal(
                applyDetection({ ...k8sArgs, prometheusEndpoint: "http://mine:9090" }, detection).prometheusEndpoint,
                "http://mine:9090",
            );
            assert.equal(applyDetection({ ...k8sArgs, monitoringStack: "a/b/c" }, detection).prometheusEndpoint, undefined);
        });
    });

    it("lists only kube-prometheus-stack's Services (label self-monitor), however many the cluster has", async () => {
        const unlabelled = { ...prometheusService, labels: { app: "kube-prometheus-stack-prometheus" } };
        const detection = await run({
            storageClasses: [nfsClass],
            crds: { [PODMONITOR_CRD]: { established: true } },
            services: [unlabelled],
        });
        assert.equal(detection.prometheusEndpoint, undefined);
    });

    it("runs every rule at once and reports in rule order", async () => {
        // Each answer waits until six reads have started: rules that read one after another never get there.
        const started: string[] = [];
        let release: () => void = () => undefined;
        const sixStarted = new Promise<void>((resolve) => (release = resolve));
        const cluster = fakeReader({ storageClasses: [nfsClass] });
        const gated = Object.fromEntries(
            Object.entries(cluster)
                .filter(([, read]) => typeof read === "function")
                .map(([method, read]) => [
                    method,
                    async (...args: unknown[]) => {
                        started.push(method);
                        if (started.length >= 6) {
                            release();
                        }
                        await sixStarted;
                        return (read as (...a: unknown[]) => Promise<unknown>)(...args);
                    },
                ]),
        ) as unknown as typeof cluster;
        let timer: NodeJS.Timeout | undefined;
        const detection = await Promise.race([
            detect(gated, { settings: resolveSettings(k8sArgs), owner: OWNER, prometheusConfigured: false }),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the rules read one after another")), 2000))),
        ]).finally(() => clearTimeout(timer));
        assert.deepEqual(detection.decisions.map((d) => d.subject).slice(0, 4), ["cluster", "namespace", "installedRelease", "operator"]);
    });

    it("throws the error of the first rule in order when several rules refuse", async () => {
        // The namespace rule (second) and the model-cache rule (one of the last) both refuse.
        await assert.rejects(
            run({ namespaces: { "dynamo-system": { team: "ml" } } }),
            (error: unknown) => error instanceof DynamoConfigError && error.key === "dynamo:namespace",
        );
    });

    it("only reads: every call it makes is a get or list", async () => {
        const reader = fakeReader({ storageClasses: [nfsClass] });
        await detect(reader, { settings: resolveSettings(k8sArgs), owner: OWNER, prometheusConfigured: false });
        for (const call of reader.calls) {
            assert.match(
                call,
                /^(serverVersion|namespace |storageClasses|crd |services?|ingressClasses|csiDrivers|clusterCustomObjects|helm release |jobs |allowed |clusterRoles|deployments |statefulSet |nodes|webhooks)/,
            );
        }
    });

    describe("the platform namespace", () => {
        const run = (namespaces: Record<string, Record<string, string>>, createNamespace = true) =>
            detect(fakeReader({ storageClasses: [nfsClass], namespaces }), {
                settings: resolveSettings({ ...k8sArgs, createNamespace }),
                owner: OWNER,
                prometheusConfigured: false,
            });

        it("stops when the namespace exists and is not this stack's: it would be adopted and deleted on destroy", async () => {
            await assert.rejects(
                run({ "dynamo-system": { team: "ml" } }),
                (error: unknown) =>
                    error instanceof DynamoConfigError &&
                    error.key === "dynamo:namespace" &&
                    /already exists and was not created by this stack: .* with `pulumi config set dynamo:createNamespace false`, or choose another namespace with `pulumi config set dynamo:namespace <name>`/.test(
                        error.message,
                    ),
            );
        });

        it("keeps managing the namespace this stack created", async () => {
            const detection = await run({ "dynamo-system": { [OWNER_LABEL]: OWNER } });
            assert.deepEqual(
                detection.decisions.find((d) => d.subject === "namespace"),
                {
                    subject: "namespace",
                    found: "namespace dynamo-system, created by this stack",
                    decision: "keep managing it",
                    level: "info",
                },
            );
        });

        it("waits for this stack's namespace when a destroy left it terminating", async () => {
            const cluster: FakeCluster = {
                storageClasses: [nfsClass],
                namespaces: { "dynamo-system": { [OWNER_LABEL]: OWNER } },
                terminatingNamespaces: ["dynamo-system"],
            };
            const detection = await detect(fakeReader(cluster), {
                settings: resolveSettings(k8sArgs),
                owner: OWNER,
                prometheusConfigured: false,
            });
            assert.equal(detection.terminatingNamespace, "dynamo-system");
            assert.equal(decision(detection, "namespace").decision, "wait until it is gone, then create it");

            const reader = fakeReader(cluster);
            setTimeout(() => (cluster.namespaces = {}), 30);
            await waitForNamespaceGone(reader, "dynamo-system", 5, 10);
            assert.ok(reader.calls.length >= 2, "read until it was gone");
        });

        it("stops naming the namespace when it is still terminating after the timeout", async () => {
            const reader = fakeReader({
                namespaces: { "dynamo-system": { [OWNER_LABEL]: OWNER } },
                terminatingNamespaces: ["dynamo-system"],
            });
            await assert.rejects(
                waitForNamespaceGone(reader, "dynamo-system", 0.05, 10),
                (error: unknown) =>
                    error instanceof DynamoConfigError &&
                    error.key === "dynamo:namespace" &&
                    /still terminating after 0.05s; `kubectl get namespace dynamo-system -o yaml`/.test(error.message),
            );
        });

        it("does not look when the namespace is the user's to manage", async () => {
            const detection = await run({ "dynamo-system": { team: "ml" } }, false);
            assert.equal(
                detection.decisions.find((d) => d.subject === "namespace"),
                undefined,
            );
        });
    });
});
