import { strict as assert } from "assert";
import { awsCalls, eksClusterState, OIDC_PROVIDER_ARN } from "../awsMocks";
import { Recording, runProgram, secretValue, stackFileConfig } from "../harness";
import { T } from "../types";

const PLATFORM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The committed `dynamo:eks` of the eks stack. */
function eksFile(): Record<string, unknown> {
    return JSON.parse(stackFileConfig("eks")["dynamo:eks"]);
}

function platformValues(recording: Recording) {
    return recording.object(PLATFORM_RELEASE, "dynamo-platform").inputs.values;
}

describe("program (program/index.ts)", () => {
    describe("the k8s stack (Pulumi.k8s.yaml)", () => {
        let recording: Recording;
        before(async () => {
            recording = await runProgram({ config: stackFileConfig("k8s"), stack: "k8s" });
        });

        it("installs the platform release of the stack's version, whose operator applies the CRDs", () => {
            assert.equal(recording.object(PLATFORM_RELEASE, "dynamo-platform").inputs.version, "1.6.1");
            assert.equal(recording.ofType(T.release).filter((r) => r.inputs.name === "dynamo-crds").length, 0);
            assert.equal(platformValues(recording)["dynamo-operator"].upgradeCRD, true);
        });

        it("follows the 1.6 chart's own defaults: Kubernetes discovery, no etcd, no NATS; Grove and KAI bundled", () => {
            const values = platformValues(recording);
            assert.equal(values["dynamo-operator"].discoveryBackend, "kubernetes");
            assert.deepEqual([values.global.etcd, values.global.nats], [{ install: false }, { install: false }]);
            assert.deepEqual([values.etcd, values.nats], [undefined, undefined]);
            assert.deepEqual(values.global.grove, { install: true, enabled: true });
            assert.deepEqual(values.global["kai-scheduler"], { install: true, enabled: true });
            assert.equal(values["kai-scheduler"].scheduler.args["default-staleness-grace-period"], "-1s");
            assert.equal(recording.ofType("kubernetes:storage.k8s.io/v1:StorageClass").length, 0, "no class for volumes nobody has");
        });

        it("exports what other stacks consume", () => {
            assert.deepEqual(recording.stackOutputs(), {
                namespace: "dynamo-system",
                crdsReleaseName: "",
                crdsReleaseVersion: "",
                platformReleaseName: "dynamo-platform",
                platformReleaseVersion: "1.6.1",
                profile: "dev",
                crdNames: [
                    "dynamographdeployments.nvidia.com",
                    "dynamographdeploymentrequests.nvidia.com",
                    "dynamoworkermetadatas.nvidia.com",
                ],
                etcdEndpoint: "",
                natsEndpoint: "",
                prometheusEndpoint: "",
                prometheusEndpointSource: "none",
                modelCacheStorageClass: "nfs",
                persistenceStorageClass: "",
                imageRegistry: "",
                imagePullSecretName: "",
                detected: [
                    {
                        subject: "cluster",
                        found: "no usable kubeconfig (ENOENT: no such file or directory, open '/nonexistent/dynamo-test-kubeconfig')",
                        decision: "auto-configuration skipped; the explicit config applies",
                        level: "info",
                    },
                ],
            });
        });
    });

    describe("the eks stack (Pulumi.eks.yaml)", () => {
        let recording: Recording;
        before(async () => {
            recording = await runProgram({ config: stackFileConfig("eks"), stack: "eks", calls: awsCalls, resourceState: eksClusterState });
        });

        it("installs 1.6.1 with the EFS model cache and EBS gp3 persistence on the existing cluster", () => {
            assert.equal(recording.object(PLATFORM_RELEASE, "dynamo-platform").inputs.version, "1.6.1");
            assert.deepEqual(
                recording.ofType("aws:eks/addon:Addon").map((a) => a.inputs.addonName),
                ["aws-efs-csi-driver", "aws-ebs-csi-driver"],
            );
            assert.equal(recording.ofType("aws:efs/mountTarget:MountTarget").length, 2, "three subnets over two zones");
            assert.equal(recording.ofType("eks:index:Cluster").length, 0, "an existing cluster is not created");
            const values = platformValues(recording);
            assert.equal(values.etcd, undefined, "no etcd by default from 1.4");
            assert.equal(recording.object("kubernetes:storage.k8s.io/v1:StorageClass", "gp3").inputs.provisioner, "ebs.csi.aws.com");
            assert.equal(values["dynamo-operator"].dynamo.ingress.className, "alb");
        });

        it("exports the model-cache file system", () => {
            const outputs = recording.stackOutputs();
            assert.equal(outputs.modelCacheStorageClass, "efs");
            assert.equal(outputs.persistenceStorageClass, "gp3");
            assert.equal(outputs.efsFileSystemId, "dynamo-model-cache-id");
            assert.equal(outputs.kubeconfig, undefined);
        });

        it("exports what verify checks the cluster against: mount-target zones, identity, Auto Mode", () => {
            const outputs = recording.stackOutputs();
            assert.deepEqual(
                [outputs.efsMountTargetZones, outputs.eksIdentity, outputs.eksAutoMode],
                [["us-west-2a", "us-west-2b"], "podIdentity", false],
            );
        });

        it("reads the subnets in AWS before anything is created and reports where the mount targets go", () => {
            const mountTargets = recording.stackOutputs().detected.filter((d: { subject: string }) => d.subject === "mountTargets");
            assert.deepEqual(
                mountTargets.map((d: { found: string; decision: string }) => `${d.found} -> ${d.decision}`),
                [
                    "more than one subnet in a zone: subnet-0ccccccccccccccc3 (us-west-2a) -> EFS takes one mount target per zone: the lowest subnet id of each zone gets it",
                    "node zones not read -> one mount target per zone: us-west-2a (subnet-0aaaaaaaaaaaaaaa1), us-west-2b (subnet-0bbbbbbbbbbbbbbb2)",
                ],
            );
            assert.ok(recording.logs.info.some((line) => line.startsWith("auto-configuration: mountTargets: node zones not read")));
        });
    });

    describe("EKS readiness through the AWS provider's data sources", () => {
        const withEks = (eks: Record<string, unknown>) => ({
            ...stackFileConfig("eks"),
            "dynamo:eks": JSON.stringify({ ...eksFile(), ...eks }),
        });
        const run = (config: Record<string, string>) =>
            runProgram({ config, stack: "eks", calls: awsCalls, resourceState: eksClusterState, expectFailure: true });

        it("checks the IRSA OIDC provider of the cluster, then creates roles that trust it", async () => {
            const recording = await run(withEks({ identity: "irsa", oidcProviderArn: OIDC_PROVIDER_ARN }));
            assert.equal(recording.error, undefined);
            assert.ok(recording.logs.info.some((line) => /^auto-configuration: oidcProvider: IAM OIDC provider oidc\.eks\./.test(line)));
            assert.equal(recording.ofType("aws:iam/role:Role").length, 2);
        });

        const refusals: [string, Record<string, unknown>, RegExp][] = [
            [
                "an OIDC provider the account does not have",
                // prod-gpu's own provider, which the account lacks.
                {
                    identity: "irsa",
                    clusterName: "prod-gpu",
                    oidcProviderArn: OIDC_PROVIDER_ARN.replace("EXAMPLED539D4633E53DE1B71EXAMPLE", "B7C3F5D1A2E4968F0D1C2B3A4E5F6071"),
                },
                /no such IAM OIDC provider.*eksctl utils associate-iam-oidc-provider --cluster prod-gpu --approve/,
            ],
            [
                "the OIDC provider of another cluster",
                { identity: "irsa", clusterName: "prod-gpu", oidcProviderArn: OIDC_PROVIDER_ARN },
                /is not the OIDC provider of cluster prod-gpu, whose issuer is https:\/\/oidc\.eks\.us-west-2\.amazonaws\.com\/id\/B7C3F5D1/,
            ],
            [
                "a cluster the account does not have",
                { identity: "irsa", oidcProviderArn: OIDC_PROVIDER_ARN, clusterName: "my-eks-clustr" },
                /^dynamo:eks.clusterName "my-eks-clustr": no EKS cluster of that name/,
            ],
            [
                "a subnet of another VPC",
                { privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0ddddddddddddddd4"] },
                /^dynamo:eks.privateSubnetIds: subnet-0ddddddddddddddd4 is in vpc-0fedcba9876543210, not in dynamo:eks.vpcId/,
            ],
            ["a subnet that does not exist", { privateSubnetIds: ["subnet-0eeeeeeeeeeeeeee5"] }, /no subnet subnet-0eeeeeeeeeeeeeee5/],
        ];
        for (const [what, eks, message] of refusals) {
            it(`refuses ${what} before anything is registered`, async () => {
                const recording = await run(withEks(eks));
                assert.match((recording.error as Error)?.message, message);
                assert.deepEqual(
                    recording.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                    [],
                );
            });
        }
    });

    it("creates the cluster and its VPC with dynamo:eks.create, and installs through its provider", async () => {
        const recording = await runProgram({
            config: {
                ...stackFileConfig("eks"),
                "dynamo:eks": JSON.stringify({
                    create: true,
                    clusterName: "dynamo-dev",
                    availabilityZoneCount: 3,
                    installEbsCsiDriver: true,
                }),
            },
            calls: awsCalls,
            resourceState: eksClusterState,
        });
        const cluster = recording.one("eks:index:Cluster");
        assert.equal(cluster.inputs.name, "dynamo-dev");
        const provider = recording.one("pulumi:providers:kubernetes");
        const platform = recording.object(PLATFORM_RELEASE, "dynamo-platform");
        assert.match(platform.urn, /DynamoPlatform/);
        assert.equal(recording.ofType("aws:efs/mountTarget:MountTarget").length, 3, "one per new private subnet");
        assert.ok(recording.ofType("aws:eks/addon:Addon").some((a) => a.inputs.addonName === "eks-pod-identity-agent"));
        assert.equal(recording.one("aws:ec2/securityGroup:SecurityGroup").inputs.vpcId, "dynamo-vpc-id");
        assert.equal(recording.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.cidrIpv4, "10.0.0.0/16");
        assert.ok(provider.urn.includes("dynamo-k8s"));
        assert.match(
            secretValue(provider.inputs.kubeconfig),
            /dynamo-dev/,
            "the new cluster's kubeconfig reaches the provider as a secret",
        );
        assert.equal(recording.stackOutputs().eksClusterName, "dynamo-dev");
        assert.ok(recording.stackOutputs().kubeconfig);
    });

    it("reads the cluster from dynamo:eks.clusterStack", async () => {
        const recording = await runProgram({
            config: { ...stackFileConfig("eks"), "dynamo:eks": JSON.stringify({ clusterStack: "acme/eks/prod" }) },
            calls: awsCalls,
            resourceState: eksClusterState,
            stackOutputs: {
                "acme/eks/prod": {
                    clusterName: "prod-gpu",
                    vpcId: "vpc-0123456789abcdef0",
                    privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                    oidcProviderArn: OIDC_PROVIDER_ARN,
                    kubeconfig: "{}",
                },
            },
        });
        assert.equal(recording.one("pulumi:pulumi:StackReference").inputs.name, "acme/eks/prod");
        assert.equal(recording.one("aws:eks/addon:Addon").inputs.clusterName, "prod-gpu");
        assert.equal(recording.ofType("aws:efs/mountTarget:MountTarget").length, 2);
    });

    it("chains the Prometheus endpoint from dynamo:monitoringStack", async () => {
        const url = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
        const recording = await runProgram({
            config: { ...stackFileConfig("k8s"), "dynamo:monitoringStack": "acme/monitoring/k8s" },
            stackOutputs: { "acme/monitoring/k8s": { prometheusEndpoint: url } },
        });
        assert.equal(recording.one("pulumi:pulumi:StackReference").inputs.name, "acme/monitoring/k8s");
        assert.equal(platformValues(recording)["dynamo-operator"].dynamo.metrics.prometheusEndpoint, url);
        assert.equal(recording.stackOutputs().prometheusEndpoint, url);
        assert.equal(recording.stackOutputs().prometheusEndpointSource, "monitoringStack");
    });

    it("lets dynamo:prometheusEndpoint win over the monitoring stack", async () => {
        const recording = await runProgram({
            config: {
                ...stackFileConfig("k8s"),
                "dynamo:monitoringStack": "acme/monitoring/k8s",
                "dynamo:prometheusEndpoint": "http://prom.local:9090",
            },
            stackOutputs: { "acme/monitoring/k8s": { prometheusEndpoint: "http://other:9090" } },
        });
        assert.equal(recording.ofType("pulumi:pulumi:StackReference").length, 0);
        assert.equal(recording.stackOutputs().prometheusEndpoint, "http://prom.local:9090");
    });

    describe("bad config stops the program before any resource is registered", () => {
        const cases: [string, Record<string, string>, RegExp][] = [
            ["unknown platform", { "dynamo:platform": "gke" }, /^Invalid dynamo:platform "gke": expected one of "k8s", "eks"\.$/],
            [
                "release range",
                { "dynamo:releaseVersion": "~0.9" },
                /^Invalid dynamo:releaseVersion "~0\.9": expected an exact published version/,
            ],
            ["namespace", { "dynamo:namespace": "Dynamo_System" }, /^Invalid dynamo:namespace "Dynamo_System": expected a DNS-1123 label/],
            ["discovery backend", { "dynamo:discoveryBackend": "zookeeper" }, /^Invalid dynamo:discoveryBackend "zookeeper"/],
            ["Prometheus endpoint", { "dynamo:prometheusEndpoint": "prometheus.monitoring:9090" }, /^Invalid dynamo:prometheusEndpoint/],
            ["Grove flag", { "dynamo:groveEnabled": "on" }, /^Invalid dynamo:groveEnabled "on": expected true or false\.$/],
            ["KAI flag", { "dynamo:kaiSchedulerEnabled": "1" }, /^Invalid dynamo:kaiSchedulerEnabled "1"/],
            ["storage class", { "dynamo:storageClass": "NFS" }, /^Invalid dynamo:storageClass "NFS": expected a Kubernetes object name/],
            [
                "persistence class",
                { "dynamo:persistenceStorageClass": "local_path" },
                /^Invalid dynamo:persistenceStorageClass "local_path"/,
            ],
            [
                "conflicting classes",
                { "dynamo:persistenceStorageClass": "nfs" },
                /^dynamo:persistenceStorageClass conflicts with dynamo:storageClass/,
            ],
            ["eks without dynamo:eks", { "dynamo:platform": "eks" }, /^Invalid dynamo:eks undefined: expected the EKS cluster settings/],
            [
                "eks with an existing file system id that is not fs- and hex",
                { ...stackFileConfig("eks"), "dynamo:efs": '{"fileSystemId":"fs-12"}' },
                /^Invalid dynamo:efs.fileSystemId "fs-12"/,
            ],
            [
                "eks subnets without a VPC",
                { ...stackFileConfig("eks"), "dynamo:eks": '{"clusterName":"c","privateSubnetIds":["subnet-0aaaaaaaaaaaaaaa1"]}' },
                /^dynamo:eks.privateSubnetIds conflicts with dynamo:eks.vpcId/,
            ],
            [
                "eks create with a VPC id",
                { ...stackFileConfig("eks"), "dynamo:eks": '{"create":true,"clusterName":"c","vpcId":"vpc-0123456789abcdef0"}' },
                /^dynamo:eks.vpcId conflicts with dynamo:eks.create: the new cluster provides it/,
            ],
            [
                "eks create and clusterStack",
                { ...stackFileConfig("eks"), "dynamo:eks": '{"create":true,"clusterName":"c","clusterStack":"a/b/c"}' },
                /^dynamo:eks.create conflicts with dynamo:eks.clusterStack/,
            ],
            [
                "eks create with a CIDR too small",
                { ...stackFileConfig("eks"), "dynamo:eks": '{"create":true,"clusterName":"c","vpcCidr":"10.0.0.0/24"}' },
                /^Invalid dynamo:eks network: VPC CIDR "10.0.0.0\/24" must be an IPv4 CIDR from \/16 to \/20\.$/,
            ],
            [
                "eks IRSA without an OIDC provider on an existing cluster",
                { ...stackFileConfig("eks"), "dynamo:eks": JSON.stringify({ ...eksFile(), identity: "irsa" }) },
                /^dynamo:eks.identity conflicts with dynamo:eks.oidcProviderArn/,
            ],
        ];
        for (const [what, change, message] of cases) {
            it(what, async () => {
                const recording = await runProgram({ config: { ...stackFileConfig("k8s"), ...change }, expectFailure: true });
                assert.match((recording.error as Error).message, message);
                assert.deepEqual(
                    recording.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                    [],
                );
            });
        }
    });

    it("names dynamo: keys in warnings, not the component's argument paths", async () => {
        const recording = await runProgram({
            config: { ...stackFileConfig("k8s"), "dynamo:releaseVersion": "1.3.1", "dynamo:discoveryBackend": "kubernetes" },
        });
        assert.deepEqual(
            recording.logs.warn.filter((w) => w.includes("KVBM")).map((w) => w.split(" ")[0]),
            ["dynamo:discoveryBackend"],
        );
    });
});
