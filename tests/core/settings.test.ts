import { strict as assert } from "assert";
import { DiscoveryBackend, DynamoPlatformArgs, Platform } from "../../components/core/args";
import { DynamoConfigError } from "../../components/core/errors";
import { resolveSettings } from "../../components/core/settings";
import { ValuesLayout } from "../../components/core/versions";

const base: DynamoPlatformArgs = { releaseVersion: "0.9.1" };
const eks = {
    platform: Platform.Eks,
    eks: {
        clusterName: "gpu-cluster",
        vpcId: "vpc-0123456789abcdef0",
        privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    },
};

/** Asserts that resolving `args` fails with one message naming `key` (and the bad value). */
function rejects(args: Partial<DynamoPlatformArgs> & Record<string, unknown>, key: string, ...fragments: string[]): void {
    assert.throws(
        () => resolveSettings({ ...base, ...args } as DynamoPlatformArgs, "dynamo:"),
        (error: unknown) => {
            assert.ok(error instanceof DynamoConfigError, `expected DynamoConfigError, got ${error}`);
            assert.equal(error.key, key);
            assert.ok(error.message.startsWith(key) || error.message.includes(` ${key} `), error.message);
            for (const fragment of fragments) {
                assert.ok(error.message.includes(fragment), `"${error.message}" should mention ${fragment}`);
            }
            return true;
        },
    );
}

describe("settings", () => {
    it("applies the documented defaults", () => {
        const settings = resolveSettings(base);
        assert.equal(settings.platform, Platform.Kubernetes);
        assert.equal(settings.namespace, "dynamo-system");
        assert.equal(settings.createNamespace, true);
        assert.equal(settings.groveEnabled, true);
        assert.equal(settings.kaiSchedulerEnabled, true);
        assert.equal(settings.discoveryBackend, DiscoveryBackend.Etcd);
        assert.equal(settings.storageClass, "nfs");
        assert.equal(settings.persistenceStorageClass, undefined);
        assert.deepEqual(settings.chartSource, {
            kind: "repository",
            url: "https://helm.ngc.nvidia.com/nvidia/ai-dynamo",
            key: "args.chartRepository",
        });
        assert.equal(settings.removeCrdsOnDestroy, false);
        assert.equal(settings.skipAwait, false);
        assert.equal(settings.chartLine.layout, ValuesLayout.SubchartToggles);
        assert.deepEqual(settings.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        assert.deepEqual(settings.warnings, []);
    });

    it("defaults the model cache to efs on EKS", () => {
        assert.equal(resolveSettings({ ...base, ...eks }).storageClass, "efs");
    });

    it("on EKS: gp3 persistence with the EBS driver, ALB annotations and the Auto Mode toleration", () => {
        const settings = resolveSettings({ ...base, ...eks, eks: { ...eks.eks, installEbsCsiDriver: true, albScheme: "internal" } });
        assert.equal(settings.persistenceStorageClass, "gp3");
        assert.equal(settings.ingress.className, "alb");
        assert.equal(settings.ingress.annotations?.["alb.ingress.kubernetes.io/scheme"], "internal");
        assert.deepEqual(settings.tolerations[1], { key: "eks.amazonaws.com/compute-type", operator: "Exists" });
        assert.equal(settings.efs?.throughputMode, "elastic");
        assert.equal(settings.efs?.deleteOnDestroy, false);
    });

    it("uses local-path for persistence when it installs local-path-provisioner", () => {
        assert.equal(resolveSettings({ ...base, localPath: { install: true } }).persistenceStorageClass, "local-path");
        assert.equal(
            resolveSettings({ ...base, localPath: { install: true }, persistenceStorageClass: "fast" }).persistenceStorageClass,
            "fast",
        );
    });

    it("warns once about kubernetes discovery and KVBM", () => {
        const settings = resolveSettings({ ...base, discoveryBackend: DiscoveryBackend.Kubernetes });
        assert.equal(settings.warnings.length, 1);
        assert.match(settings.warnings[0], /KVBM/);
    });

    it("accepts local chart folders and trims a repository's trailing slash", () => {
        assert.deepEqual(resolveSettings({ ...base, chartRepository: "./charts" }).chartSource, {
            kind: "local",
            directory: "./charts",
            key: "args.chartRepository",
        });
        assert.deepEqual(resolveSettings({ ...base, chartRepository: "file:///srv/charts" }).chartSource.kind, "local");
        assert.deepEqual(resolveSettings({ ...base, chartRepository: "https://mirror.example/dynamo/" }).chartSource, {
            kind: "repository",
            url: "https://mirror.example/dynamo",
            key: "args.chartRepository",
        });
    });

    it("adds extra tolerations after the GPU one, without duplicates", () => {
        const settings = resolveSettings({
            ...base,
            tolerations: [
                { key: "dedicated", operator: "Equal", value: "ai", effect: "NoSchedule" },
                { key: "nvidia.com/gpu", effect: "NoSchedule" },
            ],
        });
        assert.deepEqual(settings.tolerations, [
            { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
            { key: "dedicated", operator: "Equal", value: "ai", effect: "NoSchedule" },
        ]);
    });

    describe("rejects bad input with the key, the value and what is accepted", () => {
        it("unknown platform", () => rejects({ platform: "gke" as Platform }, "dynamo:platform", '"gke"', '"k8s"', '"eks"'));
        for (const version of ["0.9", "v0.9.1", "latest", "^0.9.0", "0.9.1-rc1", ""]) {
            it(`release version ${JSON.stringify(version)}`, () =>
                rejects({ releaseVersion: version }, "dynamo:releaseVersion", JSON.stringify(version), "0.9.0-post1"));
        }
        it("a release older than the supported line", () =>
            rejects({ releaseVersion: "0.8.1" }, "dynamo:releaseVersion", "0.9.0 or later"));
        it("a -postN CRDs version", () => rejects({ crdsVersion: "0.9.0-post1" }, "dynamo:crdsVersion", "never -postN"));
        it("a CRDs version on a 1.x release", () =>
            rejects({ releaseVersion: "1.2.0", crdsVersion: "1.2.0" }, "dynamo:crdsVersion", "no dynamo-crds chart"));
        for (const namespace of ["Dynamo", "dynamo_system", "-dynamo", "a".repeat(64), "dynamo.system"]) {
            it(`namespace ${JSON.stringify(namespace)}`, () =>
                rejects({ namespace }, "dynamo:namespace", JSON.stringify(namespace), "DNS-1123 label"));
        }
        it("unknown discovery backend", () =>
            rejects({ discoveryBackend: "consul" as DiscoveryBackend }, "dynamo:discoveryBackend", '"consul"', '"etcd"', '"kubernetes"'));
        for (const url of ["prometheus:9090", "ftp://prom:9090", "http://", "not a url"]) {
            it(`Prometheus endpoint ${JSON.stringify(url)}`, () =>
                rejects({ prometheusEndpoint: url }, "dynamo:prometheusEndpoint", JSON.stringify(url), "http://"));
        }
        for (const flag of ["groveEnabled", "kaiSchedulerEnabled", "createNamespace", "removeCrdsOnDestroy", "skipAwait"]) {
            it(`${flag} that is not a boolean`, () => rejects({ [flag]: "yes" }, `dynamo:${flag}`, '"yes"', "true or false"));
        }
        for (const [key, name] of [
            ["storageClass", "NFS_Share"],
            ["persistenceStorageClass", "local path"],
        ] as const) {
            it(`${key} ${JSON.stringify(name)}`, () =>
                rejects({ [key]: name }, `dynamo:${key}`, JSON.stringify(name), "Kubernetes object name"));
        }
        it("persistence on the model-cache class", () =>
            rejects(
                { storageClass: "nfs", persistenceStorageClass: "nfs" },
                "dynamo:persistenceStorageClass",
                "dynamo:storageClass",
                "ReadWriteOnce",
            ));
        it("a chart repository that is neither a URL nor a folder", () =>
            rejects({ chartRepository: "ftp://charts.example/dynamo" }, "dynamo:chartRepository", "oci://"));
        it("NFS without a share", () => rejects({ nfs: { server: "10.0.0.5" } as never }, "dynamo:nfs.share", "absolute path"));
        it("NFS with a relative share", () => rejects({ nfs: { server: "10.0.0.5", share: "exports" } }, "dynamo:nfs.share", '"exports"'));
        it("NFS without a server", () => rejects({ nfs: { share: "/exports" } as never }, "dynamo:nfs.server"));
        it("NFS reclaim policy", () =>
            rejects({ nfs: { server: "nfs", share: "/x", reclaimPolicy: "Recycle" } }, "dynamo:nfs.reclaimPolicy", '"Recycle"'));
        it("NFS on EKS", () => rejects({ ...eks, nfs: { server: "nfs", share: "/x" } }, "dynamo:nfs", "EFS"));
        it("local-path on EKS", () => rejects({ ...eks, localPath: { install: true } }, "dynamo:localPath.install", "EBS"));
        it("an unpinned local-path image", () =>
            rejects({ localPath: { install: true, image: "rancher/local-path-provisioner:latest" } }, "dynamo:localPath.image", "pinned"));
        it("ingress-nginx with another class name", () =>
            rejects(
                { ingress: { installNginx: true, className: "traefik" } },
                "dynamo:ingress.className",
                "dynamo:ingress.installNginx",
                '"nginx"',
            ));
        it("ingress-nginx on EKS", () => rejects({ ...eks, ingress: { installNginx: true } }, "dynamo:ingress.installNginx", "ALB"));
        it("a range as csi-driver-nfs version", () =>
            rejects({ nfs: { server: "nfs", share: "/x", driverChartVersion: "^4.13" } }, "dynamo:nfs.driverChartVersion", '"^4.13"'));
        it("a bad toleration operator", () =>
            rejects({ tolerations: [{ key: "a", operator: "In" }] }, "dynamo:tolerations[0].operator", '"In"'));
        it("a toleration value with Exists", () =>
            rejects({ tolerations: [{ key: "a", value: "b" }] }, "dynamo:tolerations[0].value", "Equal"));
        it("a pull secret with a bad name", () =>
            rejects({ imagePullSecret: { name: "NGC Key" } }, "dynamo:imagePullSecret.name", '"NGC Key"'));
        describe("EKS and EFS", () => {
            const withEks = (change: Record<string, unknown>) => ({ ...eks, eks: { ...eks.eks, ...change } });
            it("platform eks without dynamo:eks", () => rejects({ platform: Platform.Eks }, "dynamo:eks", "required with platform eks"));
            it("no subnets", () => rejects(withEks({ privateSubnetIds: [] }), "dynamo:eks.privateSubnetIds", "the list is empty"));
            it("a malformed subnet id", () =>
                rejects(withEks({ privateSubnetIds: ["sub-123"] }), "dynamo:eks.privateSubnetIds[0]", '"sub-123"'));
            it("subnets without a VPC", () => rejects(withEks({ vpcId: undefined }), "dynamo:eks.privateSubnetIds", "dynamo:eks.vpcId"));
            it("neither subnets nor an existing file system", () =>
                rejects(
                    withEks({ vpcId: undefined, privateSubnetIds: undefined }),
                    "dynamo:eks.privateSubnetIds",
                    "dynamo:efs.fileSystemId",
                ));
            it("a malformed VPC id", () => rejects(withEks({ vpcId: "vpc-XYZ" }), "dynamo:eks.vpcId", '"vpc-XYZ"'));
            it("a malformed cluster name", () => rejects(withEks({ clusterName: "my cluster" }), "dynamo:eks.clusterName", '"my cluster"'));
            it("IRSA without an OIDC provider", () =>
                rejects(withEks({ identity: "irsa" }), "dynamo:eks.identity", "dynamo:eks.oidcProviderArn"));
            it("a malformed OIDC provider ARN", () =>
                rejects(
                    withEks({ identity: "irsa", oidcProviderArn: "oidc.eks.amazonaws.com/id/X" }),
                    "dynamo:eks.oidcProviderArn",
                    "oidc-provider",
                ));
            it("an unknown identity", () => rejects(withEks({ identity: "keys" }), "dynamo:eks.identity", '"podIdentity"', '"irsa"'));
            it("an unknown ALB scheme", () => rejects(withEks({ albScheme: "public" }), "dynamo:eks.albScheme", '"internet-facing"'));
            it("a file system id that is not fs- and hex", () =>
                rejects({ ...eks, efs: { fileSystemId: "fs-xyz" } }, "dynamo:efs.fileSystemId", '"fs-xyz"', "hex"));
            it("an unknown throughput mode", () =>
                rejects({ ...eks, efs: { throughputMode: "burst" } }, "dynamo:efs.throughputMode", '"elastic"'));
            it("provisioned throughput without MiB/s", () =>
                rejects({ ...eks, efs: { throughputMode: "provisioned" } }, "dynamo:efs.provisionedThroughputMibps"));
            it("MiB/s without provisioned throughput", () =>
                rejects(
                    { ...eks, efs: { provisionedThroughputMibps: 100 } },
                    "dynamo:efs.provisionedThroughputMibps",
                    "dynamo:efs.throughputMode",
                ));
            it("directory permissions that are not octal", () =>
                rejects({ ...eks, efs: { directoryPerms: "rwx" } }, "dynamo:efs.directoryPerms", '"rwx"'));
            it("deleting an existing file system", () =>
                rejects(
                    { ...eks, efs: { fileSystemId: "fs-01234567", deleteOnDestroy: true } },
                    "dynamo:efs.deleteOnDestroy",
                    "dynamo:efs.fileSystemId",
                ));
            it("an unknown lifecycle transition", () =>
                rejects({ ...eks, efs: { transitionToIa: "AFTER_2_DAYS" } }, "dynamo:efs.transitionToIa", "AFTER_30_DAYS"));
            it("EKS settings on plain Kubernetes", () => rejects({ eks: eks.eks }, "dynamo:eks", 'platform "eks"'));
            it("EFS settings on plain Kubernetes", () => rejects({ efs: {} }, "dynamo:efs", 'platform "eks"'));
        });
        it("a monitoring stack with spaces", () =>
            rejects({ monitoringStack: "my monitoring" }, "dynamo:monitoringStack", "org/project/stack"));
    });

    it("names argument paths for programs that construct the component directly", () => {
        assert.throws(() => resolveSettings({ releaseVersion: "0.9" }), /^DynamoConfigError: Invalid args\.releaseVersion "0\.9"/);
    });

    describe("upgrade plan", () => {
        const upgrade = (installedReleaseVersion: string, releaseVersion: string, extra: Partial<DynamoPlatformArgs> = {}) =>
            resolveSettings({ ...extra, releaseVersion, installedReleaseVersion }, "dynamo:");

        it("allows a patch release and notes the plan", () => {
            const settings = upgrade("0.9.0-post1", "0.9.1");
            assert.equal(settings.upgrade.kind, "patch");
            assert.equal(settings.notes[0], "upgrade plan: 0.9.0-post1 → 0.9.1 [patch]");
            assert.equal(settings.retiringCrdsChartVersion, undefined);
        });

        it("refuses a skipped minor line with the release to apply next, naming the keys", () => {
            assert.throws(
                () => upgrade("1.0.1", "1.4.0"),
                (error: DynamoConfigError) =>
                    error.key === "dynamo:releaseVersion" &&
                    /^Invalid dynamo:releaseVersion "1\.4\.0": 1\.0\.1 → 1\.4\.0 skips 1\.2\.x, 1\.3\.x; .* \(dynamo:allowUnsupportedUpgrade overrides this, at your own risk\); expected 1\.2\.x next \(the installed release is 1\.0\.1\)\.$/.test(
                        error.message,
                    ),
            );
        });

        it("refuses a downgrade", () => {
            assert.throws(() => upgrade("0.9.1", "0.9.0-post1"), /expected 0\.9\.1 or later/);
        });

        it("applies a refused plan with allowUnsupportedUpgrade, warning loudly", () => {
            const settings = upgrade("0.9.1", "0.9.0-post1", { allowUnsupportedUpgrade: true });
            assert.equal(settings.upgrade.kind, "downgrade");
            assert.ok(
                settings.warnings.some((w) =>
                    w.startsWith("UNSUPPORTED UPGRADE 0.9.1 → 0.9.0-post1 applied because dynamo:allowUnsupportedUpgrade"),
                ),
            );
        });

        it("keeps the installed dynamo-crds chart for the one run that migrates 0.9.x to 1.0.x", () => {
            const settings = upgrade("0.9.0-post1", "1.0.1");
            assert.equal(settings.upgrade.kind, "migration");
            assert.equal(settings.retiringCrdsChartVersion, "0.9.0");
            assert.equal(upgrade("1.0.1", "1.0.1").retiringCrdsChartVersion, undefined, "gone on the next run");
            assert.deepEqual(upgrade("1.0.1", "1.0.1").notes, []);
        });

        it("warns, naming the tested releases, when the release is newer than every known chart line", () => {
            const settings = resolveSettings({ releaseVersion: "1.8.0" }, "dynamo:");
            assert.ok(
                settings.warnings.some((w) =>
                    /^dynamo:releaseVersion 1\.8\.0 is newer than the newest chart line this package knows \(1\.7\); .* Tested with 0\.9\.0, 0\.9\.0-post1, 0\.9\.1, 1\.0\.1, 1\.4\.0, 1\.5\.0\.$/.test(
                        w,
                    ),
                ),
                settings.warnings.join("\n"),
            );
            assert.ok(!resolveSettings({ releaseVersion: "1.7.0" }).warnings.some((w) => /newer than/.test(w)));
        });

        it("keeps etcd discovery and NATS across 1.3 → 1.4, with a step saying how to drop them", () => {
            const settings = upgrade("1.3.1", "1.4.0");
            assert.deepEqual([settings.discoveryBackend, settings.installNats], [DiscoveryBackend.Etcd, true]);
            assert.equal(
                settings.notes[2],
                "  2. keep etcd (dynamo:discoveryBackend kubernetes removes it) and NATS (dynamo:installNats false removes it) with their data: running models use them, though 1.4.0's chart installs them only when asked",
            );
            const dropped = upgrade("1.3.1", "1.4.0", { discoveryBackend: DiscoveryBackend.Kubernetes, installNats: false });
            assert.deepEqual([dropped.discoveryBackend, dropped.installNats], [DiscoveryBackend.Kubernetes, false]);
            assert.equal(dropped.notes.length, 2, dropped.notes.join("\n"));
        });

        it("takes each line's own defaults for a new install and within a line", () => {
            const pick = (s: { discoveryBackend: DiscoveryBackend; installNats: boolean }) => [s.discoveryBackend, s.installNats];
            assert.deepEqual(pick(resolveSettings({ releaseVersion: "1.3.1" })), [DiscoveryBackend.Etcd, true]);
            assert.deepEqual(pick(resolveSettings({ releaseVersion: "1.6.1" })), [DiscoveryBackend.Kubernetes, false]);
            assert.deepEqual(pick(upgrade("1.4.0", "1.5.0")), [DiscoveryBackend.Kubernetes, false]);
        });

        it("plans an install when nothing is installed", () => {
            assert.equal(resolveSettings({ releaseVersion: "0.9.1" }).upgrade.kind, "install");
        });
    });

    it("uses an existing Grove or KAI only on 1.x charts", () => {
        assert.throws(
            () => resolveSettings({ releaseVersion: "0.9.1", installGrove: false }, "dynamo:"),
            /dynamo:installGrove conflicts with dynamo:releaseVersion: a 0\.9\.1 chart can only install its own/,
        );
        const settings = resolveSettings({ releaseVersion: "1.0.1", installKaiScheduler: false });
        assert.deepEqual([settings.kaiSchedulerEnabled, settings.installKaiScheduler], [true, false]);
        assert.equal(resolveSettings({ releaseVersion: "1.0.1", groveEnabled: false }).installGrove, false);
    });
});
