/**
 * Storage on Amazon EKS: the EFS model cache (CSI add-on with its IAM role, encrypted file system,
 * NFS-only security group, one mount target per availability zone, StorageClass `efs`) and, when
 * asked, the EBS CSI add-on with a `gp3` class for etcd and NATS.
 */
import type * as Aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksIdentity } from "../core/args";
import {
    CsiDriverAddon,
    EBS_AUTO_MODE_PROVISIONER,
    EBS_PROVISIONER,
    EFS_PROVISIONER,
    NFS_PORT,
    POD_IDENTITY_AGENT,
} from "../core/eksFacts";
import { OWNER_LABEL, stackOwner, storageClassLabels, StorageRole } from "../core/labels";
import { lazyModule } from "../core/lazy";
import { EfsSettings, EksSettings } from "../core/settings/types";

const aws = lazyModule<typeof Aws>("@pulumi/aws");

/** Tags of every AWS resource this package creates: the user's, plus this stack as owner. */
export function ownedTags(eks: EksSettings, extra: Record<string, pulumi.Input<string>> = {}): Record<string, pulumi.Input<string>> {
    return { ...eks.tags, [OWNER_LABEL]: stackOwner(), ...extra };
}

/** A subnet and its availability zone, as EC2 describes it. */
export interface SubnetPlacement {
    subnetId: string;
    availabilityZone: string;
}

/**
 * One mount target per availability zone: EFS allows only one per zone, and one per zone is what
 * every node needs. The lowest subnet id of each zone is taken, so the choice is stable.
 */
export function planMountTargets(subnets: SubnetPlacement[]): SubnetPlacement[] {
    const byZone = new Map<string, SubnetPlacement>();
    for (const subnet of [...subnets].sort((a, b) => a.subnetId.localeCompare(b.subnetId))) {
        if (!byZone.has(subnet.availabilityZone)) {
            byZone.set(subnet.availabilityZone, subnet);
        }
    }
    return [...byZone.values()].sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone));
}

/** The issuer (`oidc.eks.<region>.amazonaws.com/id/<id>`) an IAM OIDC provider ARN names. */
export function oidcProviderIssuer(arn: string): string {
    return arn.slice(arn.indexOf(":oidc-provider/") + ":oidc-provider/".length);
}

/** The EKS cluster a role is for: its account and ARN, which a Pod Identity trust policy names. */
export interface TrustedCluster {
    accountId: string;
    arn: string;
}

/** The ARN of an EKS cluster, from its partition, region, account and name. */
export function eksClusterArn(partition: string, region: string, accountId: string, clusterName: string): string {
    return `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
}

/**
 * The role trust policy for a CSI controller under Pod Identity or IRSA. Under Pod Identity the EKS
 * service may assume it only on behalf of this account's cluster (`aws:SourceAccount`,
 * `aws:SourceArn`), as AWS recommends against the confused deputy; under IRSA only the
 * controller's service account through the cluster's OIDC provider.
 */
export function csiRoleTrustPolicy(
    identity: EksIdentity,
    serviceAccount: string,
    cluster: TrustedCluster,
    oidcProviderArn?: string,
): Record<string, unknown> {
    if (identity === EksIdentity.PodIdentity) {
        return {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "pods.eks.amazonaws.com" },
                    Action: ["sts:AssumeRole", "sts:TagSession"],
                    Condition: {
                        StringEquals: { "aws:SourceAccount": cluster.accountId },
                        ArnEquals: { "aws:SourceArn": cluster.arn },
                    },
                },
            ],
        };
    }
    if (!oidcProviderArn) {
        throw new Error("IRSA needs the OIDC provider ARN");
    }
    const issuer = oidcProviderIssuer(oidcProviderArn);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:kube-system:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * Installs an EKS CSI add-on with a role that holds only its AWS managed policy, bound to the
 * controller service account by Pod Identity (the add-on's association) or IRSA.
 */
export function createCsiDriverAddon(
    name: string,
    driver: CsiDriverAddon,
    eks: EksSettings,
    dependsOn: pulumi.Resource[],
    parent: pulumi.Resource,
): Aws.eks.Addon {
    const partition = aws.getPartitionOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent });
    const caller = aws.getCallerIdentityOutput({}, { parent });
    const role = new aws.iam.Role(
        `${name}-${driver.addonName}`,
        {
            description: `${driver.addonName} controller of EKS cluster, for the Dynamo Platform`,
            assumeRolePolicy: pulumi
                .all([eks.oidcProviderArn, partition.partition, region.region, caller.accountId, eks.clusterName])
                .apply(([oidcArn, partitionName, regionName, accountId, clusterName]) =>
                    JSON.stringify(
                        csiRoleTrustPolicy(
                            eks.identity,
                            driver.serviceAccount,
                            { accountId, arn: eksClusterArn(partitionName, regionName, accountId, clusterName) },
                            oidcArn,
                        ),
                    ),
                ),
            tags: ownedTags(eks),
        },
        { parent },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
        `${name}-${driver.addonName}`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/service-role/${driver.managedPolicy}` },
        { parent },
    );
    const binding =
        eks.identity === EksIdentity.PodIdentity
            ? { podIdentityAssociations: [{ roleArn: role.arn, serviceAccount: driver.serviceAccount }] }
            : { serviceAccountRoleArn: role.arn };
    return new aws.eks.Addon(
        `${name}-${driver.addonName}`,
        {
            clusterName: eks.clusterName,
            addonName: driver.addonName,
            ...binding,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
            tags: ownedTags(eks),
        },
        // Without its permissions the controller starts and fails every volume with Access Denied.
        { parent, dependsOn: [attachment, ...dependsOn] },
    );
}

export interface EfsModelCache {
    storageClass: k8s.storage.v1.StorageClass;
    fileSystemId: pulumi.Output<string>;
    /** Zones of the mount targets created here; empty for an existing file system. */
    mountTargetZones: pulumi.Output<string[]>;
}

/** The EFS file system, its network access, and the `efs` StorageClass; or only the class for an existing file system. */
export function createEfsModelCache(
    name: string,
    className: string,
    eks: EksSettings,
    efs: EfsSettings,
    driver: Aws.eks.Addon | undefined,
    parent: pulumi.Resource,
): EfsModelCache {
    let fileSystemId: pulumi.Output<string>;
    let mountTargets = pulumi.output<PlacedMountTarget[]>([]);
    if (efs.fileSystemId !== undefined) {
        fileSystemId = pulumi.output(efs.fileSystemId);
    } else {
        const fileSystem = new aws.efs.FileSystem(
            `${name}-model-cache`,
            {
                encrypted: true,
                kmsKeyId: efs.kmsKeyId,
                performanceMode: "generalPurpose",
                throughputMode: efs.throughputMode,
                provisionedThroughputInMibps: efs.provisionedThroughputMibps,
                lifecyclePolicies: efs.transitionToIa ? [{ transitionToIa: efs.transitionToIa }] : undefined,
                tags: ownedTags(eks, { Name: pulumi.interpolate`${eks.clusterName}-dynamo-model-cache` }),
            },
            // The models live here: the file system outlives the stack unless the user opted in.
            { parent, retainOnDelete: !efs.deleteOnDestroy },
        );
        fileSystemId = fileSystem.id;
        mountTargets = createMountTargets(name, eks, fileSystem, parent);
    }
    const parameters: Record<string, pulumi.Input<string>> = {
        provisioningMode: "efs-ap",
        fileSystemId,
        directoryPerms: efs.directoryPerms,
        basePath: efs.basePath,
    };
    if (efs.uid !== undefined) {
        parameters.uid = String(efs.uid);
    }
    if (efs.gid !== undefined) {
        parameters.gid = String(efs.gid);
    }
    const storageClass = new k8s.storage.v1.StorageClass(
        `${name}-model-cache`,
        {
            metadata: { name: className, labels: storageClassLabels(StorageRole.ModelCache) },
            provisioner: EFS_PROVISIONER,
            parameters,
            reclaimPolicy: efs.reclaimPolicy,
            volumeBindingMode: "Immediate",
        },
        // Volumes provision only once the driver runs and nodes can reach a mount target in their zone.
        {
            parent,
            dependsOn: mountTargets.apply((placed) => [...placed.map((p) => p.target), ...(driver ? [driver] : [])]),
        },
    );
    return { storageClass, fileSystemId, mountTargetZones: mountTargets.apply((placed) => placed.map((p) => p.availabilityZone)) };
}

/** A mount target and where it was placed. */
interface PlacedMountTarget extends SubnetPlacement {
    target: Aws.efs.MountTarget;
}

/** A security group that admits NFS only from the cluster, and one mount target per availability zone. */
function createMountTargets(
    name: string,
    eks: EksSettings,
    fileSystem: Aws.efs.FileSystem,
    parent: pulumi.Resource,
): pulumi.Output<PlacedMountTarget[]> {
    const securityGroup = new aws.ec2.SecurityGroup(
        `${name}-efs`,
        {
            vpcId: eks.vpcId,
            description: "NFS from the EKS cluster to the Dynamo model cache",
            tags: ownedTags(eks, { Name: pulumi.interpolate`${eks.clusterName}-dynamo-efs` }),
        },
        { parent },
    );
    const source = eks.nfsClientSecurityGroupId
        ? { referencedSecurityGroupId: eks.nfsClientSecurityGroupId }
        : { cidrIpv4: eks.vpcCidr ?? aws.ec2.getVpcOutput({ id: eks.vpcId! }, { parent }).cidrBlock };
    const nfsRule = new aws.vpc.SecurityGroupIngressRule(
        `${name}-efs-nfs`,
        {
            securityGroupId: securityGroup.id,
            ipProtocol: "tcp",
            fromPort: NFS_PORT,
            toPort: NFS_PORT,
            description: "NFS",
            ...source,
            tags: ownedTags(eks),
        },
        { parent },
    );
    return pulumi
        .output(eks.privateSubnetIds!)
        .apply((ids) => Promise.all(ids.map((id) => aws.ec2.getSubnet({ id }, { parent }))))
        .apply((subnets) =>
            planMountTargets(subnets.map((subnet) => ({ subnetId: subnet.id, availabilityZone: subnet.availabilityZone }))).map(
                (placement) => ({
                    ...placement,
                    target: new aws.efs.MountTarget(
                        `${name}-efs-${placement.availabilityZone}`,
                        { fileSystemId: fileSystem.id, subnetId: placement.subnetId, securityGroups: [securityGroup.id] },
                        { parent, dependsOn: [nfsRule] },
                    ),
                }),
            ),
        );
}

/** The `gp3` class for etcd and NATS: encrypted EBS volumes bound where the pod lands. */
export function createGp3StorageClass(
    name: string,
    className: string,
    provisioner: typeof EBS_PROVISIONER | typeof EBS_AUTO_MODE_PROVISIONER,
    driver: Aws.eks.Addon | undefined,
    parent: pulumi.Resource,
): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        `${name}-block-storage`,
        {
            metadata: { name: className, labels: storageClassLabels(StorageRole.Persistence) },
            provisioner,
            parameters: { type: "gp3", encrypted: "true" },
            reclaimPolicy: "Delete",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        },
        { parent, dependsOn: driver ? [driver] : [] },
    );
}

/** The EKS Pod Identity agent add-on, which Pod Identity associations need on the nodes. */
export function createPodIdentityAgent(name: string, eks: EksSettings, parent: pulumi.Resource): Aws.eks.Addon {
    return new aws.eks.Addon(
        `${name}-pod-identity-agent`,
        { clusterName: eks.clusterName, addonName: POD_IDENTITY_AGENT, tags: ownedTags(eks) },
        { parent },
    );
}
