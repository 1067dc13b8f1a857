/** EKS: the cluster's coordinates and which AWS pieces to install, and the EFS file system of the model cache. */
import { EfsArgs, EksArgs, EksIdentity } from "../args";
import { DynamoConfigError } from "../errors";
import { isPrivateIpv4 } from "../network";
import { EFS_SHAPE, EKS_SHAPE } from "../schema";
import { EfsSettings, EksSettings } from "./types";

/** The usual regional quota of provisioned EFS throughput; more needs an AWS quota increase. */
const EFS_PROVISIONED_QUOTA_MIBPS = 3414;

export function resolveEks(prefix: string, eks: EksArgs | undefined, efs: EfsArgs | undefined, warnings: string[]): EksSettings {
    const key = `${prefix}eks`;
    if (eks === undefined) {
        throw DynamoConfigError.invalid(
            key,
            eks,
            "the EKS cluster settings {clusterName, vpcId, privateSubnetIds, ...} (required with platform eks)",
        );
    }
    if (eks.clusterName === undefined) {
        throw DynamoConfigError.invalid(`${key}.clusterName`, undefined, "the EKS cluster's name");
    }
    const subnets = eks.privateSubnetIds;
    if (subnets !== undefined && eks.vpcId === undefined) {
        throw DynamoConfigError.conflict(`${key}.privateSubnetIds`, `${key}.vpcId`, "subnets are given without their VPC; set vpcId too");
    }
    if (efs?.fileSystemId === undefined && (subnets === undefined || eks.vpcId === undefined)) {
        throw DynamoConfigError.invalid(
            `${key}.privateSubnetIds`,
            subnets,
            `the cluster's private subnets, with ${key}.vpcId, to create the EFS file system and its mount targets (or set ${prefix}efs.fileSystemId to use an existing one)`,
        );
    }
    const identity = (eks.identity as EksIdentity | undefined) ?? EKS_SHAPE.identity.default;
    if (identity === EksIdentity.Irsa && eks.oidcProviderArn === undefined) {
        throw DynamoConfigError.conflict(`${key}.identity`, `${key}.oidcProviderArn`, "IRSA needs the cluster's IAM OIDC provider ARN");
    }
    if (eks.autoMode === true && eks.installEbsCsiDriver === true) {
        throw DynamoConfigError.conflict(
            `${key}.installEbsCsiDriver`,
            `${key}.autoMode`,
            "EKS Auto Mode provisions block storage itself (ebs.csi.eks.amazonaws.com); the EBS add-on is for standard clusters",
        );
    }
    if (typeof eks.vpcCidr === "string" && !isPrivateIpv4(eks.vpcCidr)) {
        warnings.push(
            `${key}.vpcCidr ${eks.vpcCidr} is not private address space: every address in it may reach the model cache over NFS.`,
        );
    }
    return {
        clusterName: eks.clusterName,
        vpcId: eks.vpcId,
        privateSubnetIds: subnets,
        vpcCidr: eks.vpcCidr,
        nfsClientSecurityGroupId: eks.nfsClientSecurityGroupId,
        identity,
        oidcProviderArn: eks.oidcProviderArn,
        installEfsCsiDriver: eks.installEfsCsiDriver ?? EKS_SHAPE.installEfsCsiDriver.default,
        installPodIdentityAgent: eks.installPodIdentityAgent ?? EKS_SHAPE.installPodIdentityAgent.default,
        installEbsCsiDriver: (eks.installEbsCsiDriver ?? EKS_SHAPE.installEbsCsiDriver.default) && eks.existingEbsCsiDriver !== true,
        blockStorageClass: eks.createBlockStorageClass ?? (eks.installEbsCsiDriver === true || eks.autoMode === true),
        autoMode: eks.autoMode ?? EKS_SHAPE.autoMode.default,
        tags: eks.tags ?? {},
    };
}

export function resolveEfs(prefix: string, efs: EfsArgs | undefined, warnings: string[]): EfsSettings {
    const key = `${prefix}efs`;
    const args = efs ?? {};
    const throughputMode = (args.throughputMode as EfsSettings["throughputMode"] | undefined) ?? EFS_SHAPE.throughputMode.default;
    const mibps = args.provisionedThroughputMibps;
    if (throughputMode === "provisioned" && mibps === undefined) {
        throw DynamoConfigError.invalid(
            `${key}.provisionedThroughputMibps`,
            mibps,
            "a positive number of MiB/s with throughputMode provisioned",
        );
    }
    if (throughputMode !== "provisioned" && mibps !== undefined) {
        throw DynamoConfigError.conflict(
            `${key}.provisionedThroughputMibps`,
            `${key}.throughputMode`,
            `it only applies to "provisioned", not "${throughputMode}"`,
        );
    }
    if (mibps !== undefined && mibps > EFS_PROVISIONED_QUOTA_MIBPS) {
        warnings.push(
            `${key}.provisionedThroughputMibps ${mibps} is above the usual EFS quota of ${EFS_PROVISIONED_QUOTA_MIBPS} MiB/s: the file system fails to create unless AWS raised your quota.`,
        );
    }
    const deleteOnDestroy = args.deleteOnDestroy ?? EFS_SHAPE.deleteOnDestroy.default;
    if (deleteOnDestroy && args.fileSystemId !== undefined) {
        throw DynamoConfigError.conflict(
            `${key}.deleteOnDestroy`,
            `${key}.fileSystemId`,
            "an existing file system is not this stack's to delete",
        );
    }
    return {
        fileSystemId: args.fileSystemId,
        throughputMode,
        provisionedThroughputMibps: mibps,
        kmsKeyId: args.kmsKeyId,
        transitionToIa: args.transitionToIa,
        directoryPerms: args.directoryPerms ?? EFS_SHAPE.directoryPerms.default,
        uid: args.uid,
        gid: args.gid,
        basePath: args.basePath ?? EFS_SHAPE.basePath.default,
        reclaimPolicy: (args.reclaimPolicy as EfsSettings["reclaimPolicy"] | undefined) ?? EFS_SHAPE.reclaimPolicy.default,
        deleteOnDestroy,
    };
}
