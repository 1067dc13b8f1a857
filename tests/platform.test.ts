import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { DiscoveryBackend, DynamoPlatform, DynamoPlatformArgs, Profile } from "../components";
import { Recording, Registered, runWithMocks, secretValue } from "./harness";
import { T } from "./types";
import { OPERATOR_APPLIED_CRDS, POD_LABELS, SNAPSHOT_CRDS_1_4 } from "../components/core/names";

async function install(args: DynamoPlatformArgs, options: Parameters<typeof runWithMocks>[1] = {}): Promise<Recording> {
    return runWithMocks(() => new DynamoPlatform("dynamo", args), options);
}

function release(recording: Recording, releaseName: string): Registered {
    return recording.object(T.release, releaseName);
}

/** The `dynamo-crds` chart rendered by Pulumi (with removeCrdsOnDestroy, or to hand kept CRDs over). */
function crdsChart(recording: Recording): Registered {
    return recording.object(T.chart, "dynamo-crds");
}

function crdsRelease(recording: Recording): Registered {
    return release(recording, "dynamo-crds");
}

describe("DynamoPlatform", () => {
    describe("0.9.0-post1 with local-path (the k8s stack)", () => {
        let recording: Recording;
        before(async () => {
            recording = await install({
                releaseVersion: "0.9.0-post1",
                localPath: { install: true },
                skipAwait: true,
                crdsHandOver: false,
            });
        });

        it("registers under its own type token with every child parented to it", () => {
            const component = recording.one("dynamo:index:DynamoPlatform");
            const children = recording.resources.filter((r) => r.custom);
            assert.ok(children.length > 5);
            for (const child of children) {
                assert.equal(child.parent, component.urn, `${child.type} ${child.name}`);
            }
        });

        it("creates the platform namespace, whose deletion a destroy does not wait for", () => {
            const metadata = recording.one(T.namespace, "dynamo-namespace").inputs.metadata;
            assert.equal(metadata.name, "dynamo-system");
            assert.equal(metadata.annotations["pulumi.com/skipAwait"], "true");
        });

        it("installs dynamo-crds as a Helm release at the base version of a -postN release, from NGC, every CRD kept by its post-renderer", () => {
            const crds = crdsRelease(recording);
            assert.equal(crds.inputs.postrender, "postrender/keep-crds.js");
            assert.equal(crds.retainOnDelete, false, "its uninstall keeps the CRDs");
            assert.equal(recording.ofType(T.chart).length, 0, "nothing to hand over");
            assert.equal(crds.inputs.name, "dynamo-crds");
            assert.equal(crds.inputs.chart, "dynamo-crds");
            assert.equal(crds.inputs.version, "0.9.0");
            assert.equal(crds.inputs.namespace, "default");
            assert.deepEqual(crds.inputs.repositoryOpts, { repo: "https://helm.ngc.nvidia.com/nvidia/ai-dynamo" });
        });

        it("applies the bundled DynamoWorkerMetadata CRD by server-side apply, after the CRDs chart", () => {
            const crd = recording.one(T.crdPatch);
            assert.equal(crd.inputs.metadata.name, "dynamoworkermetadatas.nvidia.com");
            assert.equal(crd.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
            assert.equal(crd.inputs.spec.group, "nvidia.com");
            assert.equal(crd.inputs.spec.names.kind, "DynamoWorkerMetadata");
            assert.deepEqual(crd.inputs.spec.names.shortNames, ["dwm"]);
            const version = crd.inputs.spec.versions[0];
            assert.equal(version.name, "v1alpha1");
            assert.deepEqual(version.schema.openAPIV3Schema.properties.spec.required, ["data"]);
            assert.equal(version.schema.openAPIV3Schema.properties.spec.properties.data["x-kubernetes-preserve-unknown-fields"], true);
            assert.ok(recording.dependsOn(crd, crdsRelease(recording)));
            assert.equal(crd.retainOnDelete, true);
            assert.equal(crd.inputs.metadata.labels["app.kubernetes.io/managed-by"], "Helm", "so a later chart's release adopts it");
            assert.equal(crd.inputs.metadata.annotations["meta.helm.sh/release-name"], "dynamo-crds");
        });

        it("installs dynamo-platform as release dynamo-platform after the CRDs and the persistence class", () => {
            const platform = release(recording, "dynamo-platform");
            assert.equal(platform.inputs.chart, "dynamo-platform");
            assert.equal(platform.inputs.version, "0.9.0-post1");
            assert.equal(platform.inputs.namespace, "dynamo-system");
            assert.equal(platform.inputs.skipAwait, true);
            assert.ok(recording.dependsOn(platform, crdsRelease(recording)));
            assert.ok(recording.dependsOn(platform, recording.one(T.crdPatch)));
            assert.ok(recording.dependsOn(platform, recording.object(T.storageClass, "local-path")));
            assert.ok(recording.dependsOn(platform, recording.one(T.namespace, "dynamo-namespace")));
            assert.equal(platform.retainOnDelete, false);
        });

        it("passes the persistence class, etcd discovery, Grove and KAI to the chart", () => {
            const values = release(recording, "dynamo-platform").inputs.values;
            assert.equal(values["dynamo-operator"].discoveryBackend, "etcd");
            assert.equal(values.grove.enabled, true);
            assert.equal(values["kai-scheduler"].enabled, true);
            assert.equal(values.etcd.persistence.storageClass, "local-path");
            assert.equal(values.nats.config.jetstream.fileStore.pvc.storageClassName, "local-path");
            assert.equal(values["dynamo-operator"].controllerManager.manager, undefined, "no image workaround after 0.9.0");
        });

        it("installs local-path-provisioner pinned, and its class, without touching other classes", () => {
            const classes = recording.ofType(T.storageClass);
            assert.deepEqual(
                classes.map((c) => c.inputs.metadata.name),
                ["local-path"],
            );
            const localPath = classes[0];
            assert.equal(localPath.inputs.provisioner, "rancher.io/local-path");
            assert.equal(localPath.inputs.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(localPath.inputs.metadata.labels["app.kubernetes.io/managed-by"], "pulumi");
            const deployment = recording.one("kubernetes:apps/v1:Deployment");
            assert.equal(deployment.inputs.metadata.annotations["pulumi.com/skipAwait"], "true", "skipAwait reaches the provisioner too");
            assert.equal(deployment.inputs.spec.template.spec.containers[0].image, "docker.io/rancher/local-path-provisioner:v0.0.37");
            assert.ok(recording.dependsOn(localPath, deployment));
            const config = recording.one("kubernetes:core/v1:ConfigMap");
            assert.match(config.inputs.data["helperPod.yaml"], /image: docker\.io\/library\/busybox:1\.37\.0/);
            assert.deepEqual(JSON.parse(config.inputs.data["config.json"]).nodePathMap[0].paths, ["/opt/local-path-provisioner"]);
        });

        it("places the provisioner as the platform, and lets its helper pods reach volumes on GPU nodes", () => {
            const values = release(recording, "dynamo-platform").inputs.values;
            const pod = recording.one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
            assert.deepEqual(pod.tolerations, values.etcd.tolerations);
            assert.deepEqual(pod.affinity, { nodeAffinity: values.etcd.affinity.nodeAffinity });
            const helper = yaml.load(recording.one("kubernetes:core/v1:ConfigMap").inputs.data["helperPod.yaml"]) as {
                spec: { tolerations: unknown[] };
            };
            assert.deepEqual(helper.spec.tolerations, [
                { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
                ...values.etcd.tolerations,
            ]);
        });

        it("installs no NFS driver or ingress controller it was not asked for", () => {
            assert.deepEqual(
                recording.ofType(T.release).map((r) => r.inputs.name),
                ["dynamo-crds", "dynamo-platform"],
            );
        });
    });

    it("forces the operator image on 0.9.0", async () => {
        const recording = await install({ releaseVersion: "0.9.0" });
        const values = release(recording, "dynamo-platform").inputs.values;
        assert.equal(values["dynamo-operator"].controllerManager.manager.image.tag, "0.9.0");
        assert.equal(crdsRelease(recording).inputs.version, "0.9.0");
    });

    it("uses a crdsVersion override", async () => {
        const recording = await install({ releaseVersion: "0.9.0-post1", crdsVersion: "0.9.1" });
        assert.equal(crdsRelease(recording).inputs.version, "0.9.1");
    });

    describe("the dynamo-crds chart: a release, a hand-over, or rendered by Pulumi", () => {
        it("hands CRDs over when it is not known that none lack a release: the chart rendered, then the release, then the platform", async () => {
            const recording = await install({ releaseVersion: "0.9.1" });
            const chart = crdsChart(recording);
            assert.ok(recording.dependsOn(crdsRelease(recording), chart));
            assert.ok(recording.dependsOn(release(recording, "dynamo-platform"), chart));
            assert.ok(recording.dependsOn(release(recording, "dynamo-platform"), crdsRelease(recording)));
            assert.equal(chart.inputs.version, "0.9.1");
        });

        it("installs only the release once its CRDs are its own", async () => {
            const recording = await install({ releaseVersion: "0.9.1", crdsHandOver: false });
            assert.equal(recording.ofType(T.chart).length, 0);
            assert.equal(crdsRelease(recording).inputs.postrender, "postrender/keep-crds.js");
        });

        it("renders the chart, with no release, when removeCrdsOnDestroy asks Pulumi to delete each CRD", async () => {
            const recording = await install({ releaseVersion: "0.9.1", removeCrdsOnDestroy: true, crdsHandOver: true });
            assert.equal(crdsChart(recording).inputs.version, "0.9.1");
            assert.deepEqual(
                recording.ofType(T.release).map((r) => r.inputs.name),
                ["dynamo-platform"],
            );
            assert.ok(recording.dependsOn(release(recording, "dynamo-platform"), crdsChart(recording)));
        });
    });

    it("takes CRDs from the platform chart on 1.x and uses the global switches", async () => {
        const recording = await install({ releaseVersion: "1.2.0" });
        assert.equal(recording.ofType(T.crdPatch).length, 0);
        assert.deepEqual(
            recording.ofType(T.release).map((r) => r.inputs.name),
            ["dynamo-platform"],
        );
        const values = release(recording, "dynamo-platform").inputs.values;
        assert.deepEqual(values.global.nats, { install: true });
        assert.deepEqual(values.global.etcd, { install: true });
        assert.equal(values.nats.enabled, undefined);
    });

    it("on a 0.9.x → 1.0.x migration, keeps the installed dynamo-crds chart registered one more run, and no longer after", async () => {
        const migrating = await install({ releaseVersion: "1.0.1", installedReleaseVersion: "0.9.1", removeCrdsOnDestroy: true });
        assert.equal(crdsChart(migrating).inputs.version, "0.9.1");
        assert.equal(migrating.ofType(T.crdPatch).length, 0);
        const migrated = await install({ releaseVersion: "1.0.1", installedReleaseVersion: "1.0.1" });
        assert.equal(migrated.ofType(T.chart).length, 0);
        assert.equal(migrated.ofType(T.release).length, 1, "the CRDs release is dropped, and its uninstall keeps every CRD");
        const keeping = await install({ releaseVersion: "1.0.1", installedReleaseVersion: "0.9.1", crdsHandOver: false });
        assert.equal(crdsRelease(keeping).inputs.version, "0.9.1");
    });

    describe("the CRDs the operator applies (1.4 and later), which neither Helm nor the operator deletes", () => {
        const OWNER = "dynamo-platform-crd-owner-dynamo-system";

        it("by default: a rule-less ClusterRole owns nothing, deleted before the release; no CRD is touched", async () => {
            const recording = await install({ releaseVersion: "1.5.0" });
            const owner = recording.object(T.clusterRole, OWNER);
            assert.equal(owner.inputs.rules, undefined, "it grants nothing");
            assert.equal(owner.inputs.metadata.annotations["pulumi.com/deletionPropagationPolicy"], "foreground");
            assert.ok(recording.dependsOn(owner, release(recording, "dynamo-platform")), "deleted while the operator still runs");
            assert.equal(recording.ofType(T.crdPatch).length, 0);
        });

        it("with removeCrdsOnDestroy: each CRD of the line gets that owner, and a destroy deletes them through it", async () => {
            const withUid = { [T.clusterRole]: (inputs: Record<string, any>) => ({ metadata: { ...inputs.metadata, uid: "owner-uid" } }) };
            const recording = await install({ releaseVersion: "1.4.0", removeCrdsOnDestroy: true }, { resourceState: withUid });
            const owner = recording.object(T.clusterRole, OWNER);
            const patches = recording.ofType(T.crdPatch);
            assert.deepEqual(
                patches.map((p) => p.inputs.metadata.name),
                [...OPERATOR_APPLIED_CRDS, ...SNAPSHOT_CRDS_1_4],
            );
            // What the provider needs to know the CRD by, as the real CRDs say it.
            assert.deepEqual(patches.map((p) => [p.inputs.spec.group, p.inputs.spec.names.kind]).slice(0, 2), [
                ["nvidia.com", "DynamoCheckpoint"],
                ["nvidia.com", "DynamoComponentDeployment"],
            ]);
            assert.deepEqual(patches[patches.length - 1].inputs.spec.names, { kind: "PodSnapshot" });
            for (const patch of patches) {
                assert.deepEqual(patch.inputs.metadata.ownerReferences, [
                    {
                        apiVersion: "rbac.authorization.k8s.io/v1",
                        kind: "ClusterRole",
                        name: OWNER,
                        uid: "owner-uid",
                        blockOwnerDeletion: true,
                    },
                ]);
                assert.equal(patch.deletedWith, owner.urn, "the owner's delete takes the CRDs; the patch is not undone first");
                assert.ok(recording.dependsOn(patch, release(recording, "dynamo-platform")));
            }
            assert.match(
                recording.logs.info.join("\n"),
                /removeCrdsOnDestroy: neither Helm nor the operator ever deletes the CRDs the operator of release 1\.4\.0 applies, so this stack owns them through ClusterRole dynamo-platform-crd-owner-dynamo-system: pulumi destroy deletes 9 CRDs/,
            );
            const line15 = await install({ releaseVersion: "1.5.0", removeCrdsOnDestroy: true });
            assert.deepEqual(
                line15.ofType(T.crdPatch).map((p) => p.inputs.metadata.name),
                OPERATOR_APPLIED_CRDS,
            );
        });

        it("before 1.4 Helm installs them (the CRDs chart, the crds/ folder): no owner; on 1.0–1.3 the option has no effect, and says so", async () => {
            const recording = await install({ releaseVersion: "0.9.1", removeCrdsOnDestroy: true });
            assert.equal(recording.ofType(T.clusterRole).length, 0);
            const chartFolder = await install({ releaseVersion: "1.0.1", removeCrdsOnDestroy: true });
            assert.equal(chartFolder.ofType(T.clusterRole).length, 0);
            assert.equal(chartFolder.ofType(T.crdPatch).length, 0);
            assert.match(
                chartFolder.logs.warn.join("\n"),
                /removeCrdsOnDestroy has no effect on release 1\.0\.1: its CRDs come with the platform chart's crds\/ folder/,
            );
        });
    });

    it("keeps the bundled CRD patch on destroy even when asked to remove the CRDs (a CRD cannot give up its versions)", async () => {
        const recording = await install({ releaseVersion: "0.9.0-post1", removeCrdsOnDestroy: true });
        assert.equal(recording.one(T.crdPatch).retainOnDelete, true);
    });

    it("creates the NFS model cache: driver in kube-system, class wired to the export, platform after it", async () => {
        const recording = await install({ releaseVersion: "0.9.1", nfs: { server: "10.0.0.5", share: "/exports/models" } });
        const driver = release(recording, "csi-driver-nfs");
        assert.equal(driver.inputs.namespace, "kube-system");
        assert.equal(driver.inputs.version, "4.13.4");
        assert.deepEqual(driver.inputs.repositoryOpts, {
            repo: "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts",
        });
        const nfs = recording.object(T.storageClass, "nfs");
        assert.equal(nfs.inputs.provisioner, "nfs.csi.k8s.io");
        assert.deepEqual(nfs.inputs.parameters, { server: "10.0.0.5", share: "/exports/models" });
        assert.deepEqual(nfs.inputs.mountOptions, ["nfsvers=4.1"]);
        assert.equal(nfs.inputs.reclaimPolicy, "Retain");
        assert.ok(recording.dependsOn(nfs, driver));
        assert.ok(recording.dependsOn(release(recording, "dynamo-platform"), nfs));
    });

    it("skips the NFS driver when the cluster already has it", async () => {
        const recording = await install({ releaseVersion: "0.9.1", nfs: { server: "nfs.lan", share: "/m", installDriver: false } });
        assert.deepEqual(
            recording.ofType(T.release).map((r) => r.inputs.name),
            ["dynamo-crds", "dynamo-platform"],
        );
        assert.equal(recording.object(T.storageClass, "nfs").dependencies.length, 0);
    });

    it("installs ingress-nginx and passes its class to the operator", async () => {
        const recording = await install({ releaseVersion: "0.9.1", ingress: { installNginx: true, tlsSecretName: "frontend-tls" } });
        const nginx = release(recording, "ingress-nginx");
        assert.equal(nginx.inputs.version, "4.14.0");
        assert.equal(nginx.inputs.values.controller.ingressClassResource.name, "nginx");
        assert.deepEqual(release(recording, "dynamo-platform").inputs.values["dynamo-operator"].dynamo.ingress, {
            enabled: true,
            className: "nginx",
            tlsSecretName: "frontend-tls",
        });
    });

    describe("a private mirror", () => {
        const CA = __filename;
        let recording: Recording;
        before(async () => {
            recording = await install({
                releaseVersion: "0.9.1",
                chartRepository: "https://charts.internal/dynamo",
                chartRepositoryUsername: "reader",
                chartRepositoryPassword: pulumi.secret("s3cret"),
                chartRepositoryCaFile: CA,
                imageRegistry: "registry.internal:5000",
                nfs: { server: "10.0.0.5", share: "/exports/models", driverChartRepository: "https://charts.internal/addons" },
                ingress: { installNginx: true, nginxChartRepository: "https://kubernetes.github.io/ingress-nginx" },
                localPath: { install: true },
                helmReleaseOptions: { timeout: 1800, atomic: true, maxHistory: 5 },
            });
        });

        it("moves the images of every release it registers, and of local-path, to the mirror", () => {
            const platform = release(recording, "dynamo-platform").inputs.values;
            assert.equal(
                platform["dynamo-operator"].controllerManager.manager.image.repository,
                "registry.internal:5000/nvidia/ai-dynamo/kubernetes-operator",
            );
            assert.equal(platform["kai-scheduler"].global.registry, "registry.internal:5000/nvidia/kai-scheduler");
            assert.deepEqual(release(recording, "csi-driver-nfs").inputs.values.image.baseRepo, "registry.internal:5000");
            assert.equal(release(recording, "ingress-nginx").inputs.values.controller.image.registry, "registry.internal:5000");
            const provisioner = recording.object(T.deployment, "local-path-provisioner");

            assert.equal(
                provisioner.inputs.spec.template.spec.containers[0].image,
                "registry.internal:5000/rancher/local-path-provisioner:v0.0.37",
            );
        });

        it("gives the repository's credentials and CA to its own charts and to add-ons on its host only", async () => {
            // Options holding the password reach the engine as one secret.
            const opts = (name: string) => release(recording, name).inputs.repositoryOpts;
            assert.deepEqual(secretValue(opts("dynamo-platform")), {
                repo: "https://charts.internal/dynamo",
                username: "reader",
                password: "s3cret",
                caFile: CA,
            });
            assert.deepEqual(secretValue(opts("dynamo-crds")), secretValue(opts("dynamo-platform")));
            assert.deepEqual(secretValue(opts("csi-driver-nfs")), {
                repo: "https://charts.internal/addons",
                username: "reader",
                password: "s3cret",
                caFile: CA,
            });
            assert.deepEqual(opts("ingress-nginx"), { repo: "https://kubernetes.github.io/ingress-nginx" }, "another host: none");
            const crds = secretValue(crdsChart(recording).inputs.repositoryOpts);
            assert.ok(crds.caFile instanceof pulumi.asset.FileAsset, "the v4 Chart of the CRDs takes the CA as a file asset");
            assert.equal(await crds.caFile.path, CA);
            assert.equal(crds.username, "reader");
        });

        it("applies the Helm release options to every release", () => {
            for (const name of ["dynamo-crds", "dynamo-platform", "csi-driver-nfs", "ingress-nginx"]) {
                const inputs = release(recording, name).inputs;
                assert.deepEqual([inputs.timeout, inputs.atomic, inputs.maxHistory], [1800, true, 5], name);
            }
        });
    });

    it("reads charts from an OCI registry by their full address", async () => {
        const recording = await install({ releaseVersion: "1.0.1", chartRepository: "oci://registry.internal/charts/" });
        const platform = release(recording, "dynamo-platform").inputs;
        assert.equal(platform.chart, "oci://registry.internal/charts/dynamo-platform");
        assert.equal(platform.version, "1.0.1");
        assert.equal(platform.repositoryOpts, undefined);
    });

    it("keeps each release's own timeout without helmReleaseOptions, and refuses atomic with skipAwait", async () => {
        const recording = await install({ releaseVersion: "0.9.1", nfs: { server: "10.0.0.5", share: "/exports/models" } });
        assert.equal(release(recording, "dynamo-platform").inputs.timeout, 900);
        assert.equal(release(recording, "csi-driver-nfs").inputs.timeout, undefined);
        assert.equal(release(recording, "csi-driver-nfs").inputs.values, undefined, "no values where no image moves");
        const refused = await install(
            { releaseVersion: "0.9.1", skipAwait: true, helmReleaseOptions: { atomic: true } },
            { expectFailure: true },
        );
        assert.match(String((refused.error as Error).message), /args\.helmReleaseOptions\.atomic conflicts with args\.skipAwait/);
    });

    it("creates an image pull secret from a Pulumi secret and hands its name to the operator", async () => {
        const recording = await install({ releaseVersion: "0.9.1", imagePullSecret: { password: pulumi.secret("nvapi-key") } });
        const secret = recording.one(T.secret);
        assert.equal(secret.inputs.type, "kubernetes.io/dockerconfigjson");
        assert.equal(secret.inputs.metadata.name, "nvcr-imagepullsecret");
        assert.equal(secret.inputs.metadata.namespace, "dynamo-system");
        const auths = JSON.parse(secretValue(secret.inputs.stringData)[".dockerconfigjson"]).auths;
        assert.deepEqual(auths["nvcr.io"], {
            username: "$oauthtoken",
            password: "nvapi-key",
            auth: Buffer.from("$oauthtoken:nvapi-key").toString("base64"),
        });
        const platform = release(recording, "dynamo-platform");
        assert.deepEqual(platform.inputs.values["dynamo-operator"].imagePullSecrets, [{ name: "nvcr-imagepullsecret" }]);
        assert.ok(recording.dependsOn(platform, secret));
    });

    it("references an existing pull secret without creating one", async () => {
        const recording = await install({ releaseVersion: "0.9.1", imagePullSecret: { name: "ngc" } });
        assert.equal(recording.ofType(T.secret).length, 0);
        assert.deepEqual(release(recording, "dynamo-platform").inputs.values["dynamo-operator"].imagePullSecrets, [{ name: "ngc" }]);
    });

    it("installs into an existing namespace without owning it", async () => {
        const recording = await install({ releaseVersion: "0.9.1", namespace: "ml-platform", createNamespace: false });
        assert.equal(recording.ofType(T.namespace).length, 0);
        assert.equal(release(recording, "dynamo-platform").inputs.namespace, "ml-platform");
    });

    it("warns about kubernetes discovery", async () => {
        const recording = await install({ releaseVersion: "0.9.1", discoveryBackend: DiscoveryBackend.Kubernetes });
        assert.deepEqual(
            recording.logs.warn.filter((w) => w.includes("KVBM")).map((w) => w.split(" ")[0]),
            ["args.discoveryBackend"],
        );
        assert.equal(release(recording, "dynamo-platform").inputs.values["dynamo-operator"].discoveryBackend, "kubernetes");
    });

    it("merges helmValues over everything it sets", async () => {
        const recording = await install({
            releaseVersion: "0.9.1",
            helmValues: pulumi.output({ etcd: { replicaCount: 3 }, grove: { enabled: false } }),
        });
        const values = release(recording, "dynamo-platform").inputs.values;
        assert.equal(values.etcd.replicaCount, 3);
        assert.equal(values.grove.enabled, false);
    });

    it("fails as a resource error, before any child is registered, on bad arguments", async () => {
        const recording = await runWithMocks(() => new DynamoPlatform("dynamo", { releaseVersion: "0.9.1", namespace: "Bad_NS" }), {
            expectFailure: true,
        });
        assert.ok(recording.error instanceof pulumi.ResourceError);
        assert.match(String((recording.error as Error).message), /Invalid args\.namespace "Bad_NS"/);
        assert.equal(recording.resources.filter((r) => r.custom).length, 0);
    });

    it("lets two platforms (for two clusters) live in one stack", async () => {
        const recording = await runWithMocks(() => {
            new DynamoPlatform("east", { releaseVersion: "0.9.1" });
            new DynamoPlatform("west", { releaseVersion: "0.9.1" });
        });
        assert.equal(recording.ofType(T.release).length, 4);
        assert.deepEqual(
            recording.ofType(T.chart).map((r) => r.name),
            ["east-crds", "west-crds"],
        );
    });

    describe("Prometheus endpoint", () => {
        const monitoring = {
            "acme/monitoring/prod": {
                prometheusEndpoint: "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090",
            },
        };

        it("reads the monitoring stack's output through a StackReference", async () => {
            const recording = await install(
                { releaseVersion: "0.9.1", monitoringStack: "acme/monitoring/prod" },
                { stackOutputs: monitoring },
            );
            assert.equal(recording.one(T.stackReference).inputs.name, "acme/monitoring/prod");
            const values = release(recording, "dynamo-platform").inputs.values;
            assert.equal(
                values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                monitoring["acme/monitoring/prod"].prometheusEndpoint,
            );
        });

        it("prefers an explicit endpoint and does not read the monitoring stack", async () => {
            const recording = await install(
                { releaseVersion: "0.9.1", monitoringStack: "acme/monitoring/prod", prometheusEndpoint: "https://prom.example:9090" },
                { stackOutputs: monitoring },
            );
            assert.equal(recording.ofType(T.stackReference).length, 0);
            assert.equal(
                release(recording, "dynamo-platform").inputs.values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                "https://prom.example:9090",
            );
            assert.equal(recording.logs.info.filter((m) => m.includes("monitoringStack")).length, 1);
        });
    });

    describe("profile and placement", () => {
        it("dev: Grove's operator gets the GPU-avoiding affinity by a patch after the release, and no operator budget", async () => {
            const recording = await install({ releaseVersion: "0.9.1" });
            const patch = recording.one(T.deploymentPatch);
            assert.equal(patch.inputs.metadata.name, "grove-operator");
            assert.equal(patch.inputs.metadata.namespace, "dynamo-system");
            assert.equal(patch.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
            assert.deepEqual(
                patch.inputs.spec.template.spec.affinity.nodeAffinity,
                release(recording, "dynamo-platform").inputs.values["dynamo-operator"].controllerManager.affinity.nodeAffinity,
            );
            assert.ok(recording.dependsOn(patch, release(recording, "dynamo-platform")), "patched once the release made the Deployment");
            assert.equal(recording.ofType(T.disruptionBudget).length, 0);
        });

        it("ha: the operator's disruption budget selects its pods in the release namespace", async () => {
            const recording = await install({ releaseVersion: "1.0.1", profile: Profile.Ha, namespace: "dynamo" });
            const budget = recording.one(T.disruptionBudget);
            assert.equal(budget.inputs.metadata.namespace, "dynamo");
            assert.deepEqual(budget.inputs.spec, { maxUnavailable: 1, selector: { matchLabels: { ...POD_LABELS.operator } } });
            assert.equal(release(recording, "dynamo-platform").inputs.values["dynamo-operator"].controllerManager.replicas, 2);
            assert.ok(recording.dependsOn(budget, release(recording, "dynamo-platform")));
        });

        it("patches nothing without Grove, or when nothing is asked of placement", async () => {
            assert.equal((await install({ releaseVersion: "0.9.1", groveEnabled: false })).ofType(T.deploymentPatch).length, 0);
            const free = await install({ releaseVersion: "0.9.1", placement: { avoidGpuNodes: false } });
            assert.equal(free.ofType(T.deploymentPatch).length, 0);
            assert.equal(release(free, "dynamo-platform").inputs.values["dynamo-operator"].controllerManager.affinity, undefined);
        });
    });
});
