/**
 * The EKS cluster the platform runs on: a new one (VPC, subnets, NAT, `@pulumi/eks` cluster with
 * its OIDC provider), or the coordinates of an existing one read from another stack's outputs.
 */
import type * as Aws from "@pulumi/aws";
import type * as Eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DynamoEksClusterArgs, EksArgs } from "../core/args";
import { DynamoConfigError } from "../core/errors";
import { layoutSubnets } from "../core/network";
import { checkValue, otherStackOutput } from "../core/check";
import { FieldSpec, withDefaults } from "../core/fieldSpec";
import { EKS_CLUSTER_ARGS_SHAPE, EKS_SHAPE } from "../core/schema";
import { lazyModule } from "../core/lazy";

const aws = lazyModule<typeof Aws>("@pulumi/aws");
const eks = lazyModule<typeof Eks>("@pulumi/eks");

/** A new EKS cluster in its own VPC, ready for the Dynamo Platform. */
export class DynamoEksCluster extends pulumi.ComponentResource {
    /** Name of the EKS cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** The new VPC. */
    public readonly vpcId: pulumi.Output<string>;
    /** CIDR of the new VPC. */
    public readonly vpcCidr: pulumi.Output<string>;
    /** Private subnets of the nodes, one per availability zone. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** IAM OIDC provider of the cluster, for IRSA roles. */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** Security group of the default node group. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** Kubeconfig of the cluster (a secret). */
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: DynamoEksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dynamo:index:DynamoEksCluster", name, {}, opts);
        const settings = withDefaults(EKS_CLUSTER_ARGS_SHAPE, args);
        const tags = settings.tags ?? {};
        const { vpcCidr, availabilityZoneCount: zoneCount } = settings;
        const layout = layoutSubnets(vpcCidr, zoneCount);
        const childOpts = { parent: this };

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${args.clusterName}-vpc` } },
            childOpts,
        );
        const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, childOpts);
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }], tags },
            childOpts,
        );
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, childOpts).names.apply((names) => {
            if (names.length < zoneCount) {
                throw new pulumi.ResourceError(
                    `the region has ${names.length} available zones, fewer than the ${zoneCount} asked for`,
                    this,
                );
            }
            return names.slice(0, zoneCount);
        });
        const subnet = (kind: "public" | "private", i: number, cidrBlock: string) =>
            new aws.ec2.Subnet(
                `${name}-${kind}-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock,
                    availabilityZone: zones[i],
                    mapPublicIpOnLaunch: kind === "public",
                    tags: {
                        ...tags,
                        Name: `${args.clusterName}-${kind}-${i}`,
                        [kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
                    },
                },
                childOpts,
            );
        const publicSubnets = layout.publicCidrs.map((cidr, i) => subnet("public", i, cidr));
        publicSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }, childOpts),
        );
        // One NAT gateway keeps the cost down; nodes in every zone leave through it.
        const natAddress = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags }, childOpts);
        const nat = new aws.ec2.NatGateway(
            `${name}-nat`,
            { allocationId: natAddress.id, subnetId: publicSubnets[0].id, tags },
            { parent: this, dependsOn: [internetGateway] },
        );
        const privateRoutes = new aws.ec2.RouteTable(
            `${name}-private`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags },
            childOpts,
        );
        const privateSubnets = layout.privateCidrs.map((cidr, i) => subnet("private", i, cidr));
        privateSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: privateRoutes.id }, childOpts),
        );

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                vpcId: vpc.id,
                publicSubnetIds: publicSubnets.map((s) => s.id),
                privateSubnetIds: privateSubnets.map((s) => s.id),
                nodeAssociatePublicIpAddress: false,
                instanceType: settings.instanceType,
                desiredCapacity: settings.desiredNodes,
                minSize: settings.minNodes,
                maxSize: settings.maxNodes,
                createOidcProvider: true,
                tags,
            },
            childOpts,
        );

        this.clusterName = pulumi.output(args.clusterName);
        this.vpcId = vpc.id;
        this.vpcCidr = vpc.cidrBlock;
        this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.registerOutputs({
            clusterName: this.clusterName,
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            privateSubnetIds: this.privateSubnetIds,
            oidcProviderArn: this.oidcProviderArn,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            kubeconfig: this.kubeconfig,
        });
    }
}

/** What a cluster stack exports for this package, checked. */
export interface ClusterStackOutputs {
    clusterName: string;
    vpcId: string;
    privateSubnetIds: string[];
    oidcProviderArn?: string;
    /** Kubeconfig of the cluster, kept secret. */
    kubeconfig: pulumi.Output<string>;
    /** The same kubeconfig as text, for auto-configuration's reads of the cluster; never exported. */
    kubeconfigText: string;
}

/** Where the platform's EKS cluster comes from. */
export type EksClusterSource =
    /** Coordinates in the EKS arguments, the provider from the ambient kubeconfig (or `kubernetes:*` config). */
    | { kind: "existing" }
    /** Coordinates and kubeconfig read from another stack (see {@link readClusterStack}); EKS arguments set win. */
    | { kind: "stack"; stack: string; outputs: ClusterStackOutputs }
    /** A new cluster created by this stack. */
    | { kind: "create"; cluster: DynamoEksClusterArgs };

/**
 * Reads a cluster stack's outputs (a StackReference read, nothing created) and checks them with the
 * same rules as the EKS arguments, so a bad output stops the program before it builds anything.
 *
 * @param stackKey the setting that names the stack, blamed in messages (e.g. `dynamo:eks.clusterStack`).
 */
export async function readClusterStack(name: string, stack: string, stackKey: string): Promise<ClusterStackOutputs> {
    const reference = new pulumi.StackReference(`${name}-cluster`, { name: stack });
    const read = async (output: string, spec: FieldSpec, required: boolean): Promise<unknown> => {
        const details = await reference.getOutputDetails(output);
        const value = details.value ?? details.secretValue;
        if (value === undefined || value === null) {
            if (required) {
                throw new DynamoConfigError(
                    stackKey,
                    `Stack "${stack}" (${stackKey}) has no output "${output}"; export it there or set it in the EKS settings.`,
                );
            }
            return undefined;
        }
        return checkValue(otherStackOutput(stackKey, stack, output), value, spec, "args");
    };
    const [clusterName, vpcId, privateSubnetIds, oidcProviderArn, kubeconfig] = await Promise.all([
        read("clusterName", EKS_SHAPE.clusterName, true),
        read("vpcId", EKS_SHAPE.vpcId, true),
        read("privateSubnetIds", EKS_SHAPE.privateSubnetIds, true),
        read("oidcProviderArn", EKS_SHAPE.oidcProviderArn, false),
        read("kubeconfig", { type: "string", spaces: true }, true),
    ]);
    return {
        clusterName: clusterName as string,
        vpcId: vpcId as string,
        privateSubnetIds: privateSubnetIds as string[],
        oidcProviderArn: oidcProviderArn as string | undefined,
        kubeconfig: pulumi.secret(kubeconfig as string),
        kubeconfigText: kubeconfig as string,
    };
}

/** The cluster's coordinates for the platform, and the Kubernetes provider to reach it. */
export interface ConnectedEksCluster {
    eks: EksArgs;
    provider?: k8s.Provider;
    /** The cluster this stack created, if it created one. */
    created?: DynamoEksCluster;
}

/** Creates the cluster named by `source`, or connects to it, and fills in the coordinates `eks` leaves out. */
export function connectEksCluster(name: string, source: EksClusterSource, eksArgs: EksArgs): ConnectedEksCluster {
    switch (source.kind) {
        case "existing":
            return { eks: eksArgs };
        case "create": {
            const created = new DynamoEksCluster(name, source.cluster);
            return {
                created,
                provider: new k8s.Provider(`${name}-k8s`, { kubeconfig: created.kubeconfig }),
                eks: {
                    ...eksArgs,
                    clusterName: created.clusterName,
                    vpcId: created.vpcId,
                    vpcCidr: eksArgs.vpcCidr ?? created.vpcCidr,
                    privateSubnetIds: created.privateSubnetIds,
                    oidcProviderArn: created.oidcProviderArn,
                    // A fresh cluster has no Pod Identity agent until it is installed.
                    installPodIdentityAgent: eksArgs.installPodIdentityAgent ?? true,
                },
            };
        }
        case "stack":
            return {
                provider: new k8s.Provider(`${name}-k8s`, { kubeconfig: source.outputs.kubeconfig }),
                eks: withClusterStackOutputs(eksArgs, source.outputs),
            };
    }
}

/** The EKS arguments with the coordinates a cluster stack provides; fields the arguments set win. */
export function withClusterStackOutputs(eksArgs: EksArgs, outputs: ClusterStackOutputs): EksArgs {
    const coordinates = {
        clusterName: outputs.clusterName,
        vpcId: outputs.vpcId,
        privateSubnetIds: outputs.privateSubnetIds,
        oidcProviderArn: outputs.oidcProviderArn,
    };
    const set = Object.entries(eksArgs).filter(([, value]) => value !== undefined);
    return { ...coordinates, ...Object.fromEntries(set) } as EksArgs;
}
