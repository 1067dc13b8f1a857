import { strict as assert } from "assert";
import { DynamoPlatform, DynamoPlatformArgs, EksIdentity, Platform } from "../../components";
import { csiRoleTrustPolicy, eksClusterArn, planMountTargets } from "../../components/eks/storage";
import { awsCalls, eksClusterState, OIDC_PROVIDER_ARN, VPC_CIDR, VPC_ID } from "../awsMocks";
import { Recording, Registered, runWithMocks } from "../harness";
import { T } from "../types";

const cluster = {
    clusterName: "gpu-cluster",
    vpcId: VPC_ID,
    privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"],
};

function install(args: Partial<DynamoPlatformArgs> = {}): Promise<Recording> {
    return runWithMocks(() => new DynamoPlatform("dynamo", { releaseVersion: "0.9.1", platform: Platform.Eks, eks: cluster, ...args }), {
        calls: awsCalls,
        resourceState: eksClusterState,
    });
}

function addon(recording: Recording, addonName: string): Registered {
    const found = recording.ofType(T.addon).filter((a) => a.inputs.addonName === addonName);
    assert.equal(found.length, 1, `one ${addonName} add-on`);
    return found[0];
}

describe("EKS storage", () => {
    describe("planMountTargets", () => {
        it("keeps one subnet per availability zone, the lowest id, in zone order", () => {
            assert.deepEqual(
                planMountTargets([
                    { subnetId: "subnet-c", availabilityZone: "us-west-2b" },
                    { subnetId: "subnet-b", availabilityZone: "us-west-2a" },
                    { subnetId: "subnet-a", availabilityZone: "us-west-2a" },
                ]),
                [
                    { subnetId: "subnet-a", availabilityZone: "us-west-2a" },
                    { subnetId: "subnet-c", availabilityZone: "us-west-2b" },
                ],
            );
        });
        it("plans nothing for no subnets", () => assert.deepEqual(planMountTargets([]), []));
    });

    describe("csiRoleTrustPolicy", () => {
        const cluster = { accountId: "123456789012", arn: eksClusterArn("aws", "us-west-2", "123456789012", "gpu") };
        it("trusts the EKS Pod Identity service for this account's cluster only (no confused deputy)", () => {
            const policy = csiRoleTrustPolicy(EksIdentity.PodIdentity, "efs-csi-controller-sa", cluster) as any;
            assert.deepEqual(policy.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
            assert.deepEqual(policy.Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
            assert.deepEqual(policy.Statement[0].Condition, {
                StringEquals: { "aws:SourceAccount": "123456789012" },
                ArnEquals: { "aws:SourceArn": "arn:aws:eks:us-west-2:123456789012:cluster/gpu" },
            });
        });
        it("trusts only the controller service account through the OIDC provider under IRSA", () => {
            const policy = csiRoleTrustPolicy(EksIdentity.Irsa, "efs-csi-controller-sa", cluster, OIDC_PROVIDER_ARN) as any;
            const issuer = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
            assert.equal(policy.Statement[0].Principal.Federated, OIDC_PROVIDER_ARN);
            assert.equal(policy.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
            assert.deepEqual(policy.Statement[0].Condition.StringEquals, {
                [`${issuer}:sub`]: "system:serviceaccount:kube-system:efs-csi-controller-sa",
                [`${issuer}:aud`]: "sts.amazonaws.com",
            });
        });
    });

    describe("a new file system on an existing cluster (Pod Identity)", () => {
        let recording: Recording;
        before(async () => {
            recording = await install({ eks: { ...cluster, tags: { team: "ml" } } });
        });

        it("installs the EFS CSI add-on bound to its role by a pod identity association", () => {
            const efs = addon(recording, "aws-efs-csi-driver");
            assert.equal(efs.inputs.clusterName, "gpu-cluster");
            assert.equal(efs.inputs.podIdentityAssociations.length, 1);
            assert.equal(efs.inputs.podIdentityAssociations[0].serviceAccount, "efs-csi-controller-sa");
            assert.equal(efs.inputs.serviceAccountRoleArn, undefined);
            const role = recording.one("aws:iam/role:Role", "dynamo-aws-efs-csi-driver");
            assert.equal(efs.inputs.podIdentityAssociations[0].roleArn, `arn:aws:iam::123456789012:role/dynamo-aws-efs-csi-driver`);
            const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
            assert.equal(trust.Principal.Service, "pods.eks.amazonaws.com");
            assert.deepEqual(trust.Condition, {
                StringEquals: { "aws:SourceAccount": "123456789012" },
                ArnEquals: { "aws:SourceArn": "arn:aws:eks:us-west-2:123456789012:cluster/gpu-cluster" },
            });
        });

        it("gives the role only the AWS managed EFS CSI policy, before the add-on starts", () => {
            const attachments = recording.ofType(T.rolePolicyAttachment);
            assert.deepEqual(
                attachments.map((a) => a.inputs.policyArn),
                ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
            );
            assert.equal(recording.ofType("aws:iam/policy:Policy").length, 0, "no custom (wildcard-prone) policies");
            assert.ok(recording.dependsOn(addon(recording, "aws-efs-csi-driver"), attachments[0]));
        });

        it("creates an encrypted, elastic, tagged file system that is kept on destroy", () => {
            const fs = recording.one(T.fileSystem);
            assert.equal(fs.inputs.encrypted, true);
            assert.equal(fs.inputs.throughputMode, "elastic");
            assert.equal(fs.inputs.tags.team, "ml");
            assert.equal(fs.inputs.tags.Name, "gpu-cluster-dynamo-model-cache");
            assert.equal(fs.retainOnDelete, true);
        });

        it("creates exactly one mount target per availability zone, in the private subnets", () => {
            const targets = recording.ofType(T.mountTarget);
            assert.deepEqual(targets.map((t) => t.inputs.subnetId).sort(), ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]);
            const group = recording.one(T.securityGroup);
            for (const target of targets) {
                assert.equal(target.inputs.fileSystemId, "dynamo-model-cache-id");
                assert.deepEqual(target.inputs.securityGroups, [`${group.name}-id`]);
            }
        });

        it("admits only TCP 2049 from the VPC CIDR", () => {
            const group = recording.one(T.securityGroup);
            assert.equal(group.inputs.vpcId, VPC_ID);
            assert.equal(group.inputs.ingress, undefined, "no inline rules");
            assert.equal(group.inputs.egress, undefined, "no egress rules");
            const rules = recording.ofType(T.ingressRule);
            assert.equal(rules.length, 1);
            const rule = rules[0].inputs;
            assert.deepEqual([rule.ipProtocol, rule.fromPort, rule.toPort], ["tcp", 2049, 2049]);
            assert.equal(rule.cidrIpv4, VPC_CIDR);
            assert.notEqual(rule.cidrIpv4, "0.0.0.0/0");
            assert.equal(rule.cidrIpv6, undefined);
            assert.equal(rule.securityGroupId, `${group.name}-id`);
        });

        it("creates the efs StorageClass on the file system, after the mount targets and the driver", () => {
            const efs = recording.object(T.storageClass, "efs");
            assert.equal(efs.inputs.provisioner, "efs.csi.aws.com");
            assert.deepEqual(efs.inputs.parameters, {
                provisioningMode: "efs-ap",
                fileSystemId: "dynamo-model-cache-id",
                directoryPerms: "700",
                basePath: "/dynamo",
            });
            assert.equal(efs.inputs.reclaimPolicy, "Retain");
            for (const target of recording.ofType(T.mountTarget)) {
                assert.ok(recording.dependsOn(efs, target), `after ${target.name}`);
            }
            assert.ok(recording.dependsOn(efs, addon(recording, "aws-efs-csi-driver")));
        });

        it("installs the platform after the model-cache class, with EKS tolerations and ALB ingress", () => {
            const platform = recording.object(T.release, "dynamo-platform");
            assert.ok(recording.dependsOn(platform, recording.object(T.storageClass, "efs")));
            const values = platform.inputs.values;
            assert.deepEqual(values["dynamo-operator"].controllerManager.tolerations, [
                { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
                { key: "eks.amazonaws.com/compute-type", operator: "Exists" },
            ]);
            assert.deepEqual(values["dynamo-operator"].dynamo.ingress, {
                enabled: true,
                className: "alb",
                tlsSecretName: null,
                annotations: {
                    "alb.ingress.kubernetes.io/scheme": "internet-facing",
                    "alb.ingress.kubernetes.io/target-type": "ip",
                    "alb.ingress.kubernetes.io/group.name": "dynamo",
                },
            });
        });

        it("keeps etcd and NATS off EFS: no persistence class unless asked", () => {
            const values = recording.object(T.release, "dynamo-platform").inputs.values;
            assert.equal(values.etcd.persistence.storageClass, undefined);
            assert.equal(recording.ofType(T.storageClass).length, 1);
        });
    });

    it("uses IRSA: the add-on takes the role ARN and the role trusts the OIDC provider", async () => {
        const recording = await install({ eks: { ...cluster, identity: EksIdentity.Irsa, oidcProviderArn: OIDC_PROVIDER_ARN } });
        const efs = addon(recording, "aws-efs-csi-driver");
        assert.equal(efs.inputs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/dynamo-aws-efs-csi-driver");
        assert.equal(efs.inputs.podIdentityAssociations, undefined);
        const trust = JSON.parse(recording.one("aws:iam/role:Role").inputs.assumeRolePolicy);
        assert.equal(trust.Statement[0].Principal.Federated, OIDC_PROVIDER_ARN);
    });

    it("skips the add-on when the cluster already has the driver", async () => {
        const recording = await install({ eks: { ...cluster, installEfsCsiDriver: false } });
        assert.equal(recording.ofType(T.addon).length, 0);
        assert.equal(recording.ofType("aws:iam/role:Role").length, 0);
        assert.equal(recording.ofType(T.mountTarget).length, 2);
    });

    it("uses an existing file system: no file system, security group or mount targets of its own", async () => {
        const recording = await install({ efs: { fileSystemId: "fs-0123456789abcdef0", uid: 1000, gid: 1000, directoryPerms: "777" } });
        assert.equal(recording.ofType(T.fileSystem).length, 0);
        assert.equal(recording.ofType(T.securityGroup).length, 0);
        assert.equal(recording.ofType(T.mountTarget).length, 0);
        const efs = recording.object(T.storageClass, "efs");
        assert.equal(efs.inputs.parameters.fileSystemId, "fs-0123456789abcdef0");
        assert.equal(efs.inputs.parameters.uid, "1000");
        assert.equal(efs.inputs.parameters.directoryPerms, "777");
    });

    it("admits NFS from a source security group instead of the VPC CIDR when given", async () => {
        const recording = await install({ eks: { ...cluster, nfsClientSecurityGroupId: "sg-0123456789abcdef0" } });
        const rule = recording.one(T.ingressRule).inputs;
        assert.equal(rule.referencedSecurityGroupId, "sg-0123456789abcdef0");
        assert.equal(rule.cidrIpv4, undefined);
    });

    it("deletes the file system on destroy only when asked, and honours throughput and KMS settings", async () => {
        const recording = await install({
            efs: {
                deleteOnDestroy: true,
                throughputMode: "provisioned",
                provisionedThroughputMibps: 256,
                kmsKeyId: "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                transitionToIa: "AFTER_30_DAYS",
            },
        });
        const fs = recording.one(T.fileSystem);
        assert.equal(fs.retainOnDelete, false);
        assert.equal(fs.inputs.throughputMode, "provisioned");
        assert.equal(fs.inputs.provisionedThroughputInMibps, 256);
        assert.equal(fs.inputs.kmsKeyId, "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        assert.deepEqual(fs.inputs.lifecyclePolicies, [{ transitionToIa: "AFTER_30_DAYS" }]);
    });

    it("installs the EBS CSI add-on and a gp3 class for etcd and NATS when asked", async () => {
        const recording = await install({ eks: { ...cluster, installEbsCsiDriver: true } });
        const ebs = addon(recording, "aws-ebs-csi-driver");
        assert.equal(ebs.inputs.podIdentityAssociations[0].serviceAccount, "ebs-csi-controller-sa");
        assert.ok(
            recording
                .ofType(T.rolePolicyAttachment)
                .some((a) => a.inputs.policyArn === "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
        );
        const gp3 = recording.object(T.storageClass, "gp3");
        assert.equal(gp3.inputs.provisioner, "ebs.csi.aws.com");
        assert.deepEqual(gp3.inputs.parameters, { type: "gp3", encrypted: "true" });
        assert.equal(gp3.inputs.volumeBindingMode, "WaitForFirstConsumer");
        assert.ok(recording.dependsOn(gp3, ebs));
        const platform = recording.object(T.release, "dynamo-platform");
        assert.equal(platform.inputs.values.etcd.persistence.storageClass, "gp3");
        assert.equal(platform.inputs.values.nats.config.jetstream.fileStore.pvc.storageClassName, "gp3");
        assert.ok(recording.dependsOn(platform, gp3));
    });

    it("installs the Pod Identity agent first when asked", async () => {
        const recording = await install({ eks: { ...cluster, installPodIdentityAgent: true } });
        const agent = addon(recording, "eks-pod-identity-agent");
        assert.ok(recording.dependsOn(addon(recording, "aws-efs-csi-driver"), agent));
    });

    it("on Auto Mode: the gp3 class on Auto Mode's own provisioner, no EBS or agent add-on, the EFS add-on kept", async () => {
        const recording = await install({ eks: { ...cluster, autoMode: true } });
        const gp3 = recording.object(T.storageClass, "gp3");
        assert.equal(gp3.inputs.provisioner, "ebs.csi.eks.amazonaws.com");
        assert.deepEqual(gp3.inputs.parameters, { type: "gp3", encrypted: "true" });
        assert.deepEqual(
            recording.ofType(T.addon).map((a) => a.inputs.addonName),
            ["aws-efs-csi-driver"],
        );
        const platform = recording.object(T.release, "dynamo-platform");
        assert.equal(platform.inputs.values.etcd.persistence.storageClass, "gp3");
        assert.ok(recording.dependsOn(platform, gp3));
    });

    it("with the cluster's own EBS CSI driver: the gp3 class on it, no EBS add-on", async () => {
        const recording = await install({ eks: { ...cluster, installEbsCsiDriver: true, existingEbsCsiDriver: true } });
        assert.equal(recording.object(T.storageClass, "gp3").inputs.provisioner, "ebs.csi.aws.com");
        assert.ok(!recording.ofType(T.addon).some((a) => a.inputs.addonName === "aws-ebs-csi-driver"));
    });

    it("with a block-storage class the stack does not create: etcd and NATS use it, nothing is created for it", async () => {
        const recording = await install({
            eks: { ...cluster, installEbsCsiDriver: false, createBlockStorageClass: false, autoMode: true },
            persistenceStorageClass: "gp3",
        });
        assert.equal(recording.ofType(T.storageClass).filter((c) => c.inputs.metadata.name === "gp3").length, 0);
        assert.equal(recording.object(T.release, "dynamo-platform").inputs.values.etcd.persistence.storageClass, "gp3");
    });

    it("refuses the EBS add-on on Auto Mode, naming both keys", async () => {
        const recording = await runWithMocks(
            () =>
                new DynamoPlatform("dynamo", {
                    releaseVersion: "0.9.1",
                    platform: Platform.Eks,
                    eks: { ...cluster, autoMode: true, installEbsCsiDriver: true },
                }),
            { calls: awsCalls, resourceState: eksClusterState, expectFailure: true },
        );
        assert.match(String((recording.error as Error).message), /args\.eks\.installEbsCsiDriver conflicts with args\.eks\.autoMode/);
        assert.equal(recording.resources.filter((r) => r.custom).length, 0);
    });
});
