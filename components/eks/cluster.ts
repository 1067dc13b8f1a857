/**
 * The EKS cluster the platform runs on: a new one (VPC, subnets, NAT, `@pulumi/eks` cluster with
 * its OIDC provider), or the coordinates of an existing one read from another stack's outputs.
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksArgs } from "../core/args";

/** Settings of a new cluster. */
export interface DynamoEksClusterArgs {
    /** EKS cluster name, unique in the account and region. Required. */
    clusterName: string;
    /** Kubernetes version, e.g. `1.34`. Default: EKS's current default. */
    kubernetesVersion?: string;
    /** VPC CIDR, a /16 to /20. Default `10.0.0.0/16`. */
    vpcCidr?: string;
    /** Availability zones to spread subnets (and EFS mount targets) over, 2 to 4. Default 2. */
    availabilityZoneCount?: number;
    /** Instance type of the default node group. Default `m5.large`. */
    instanceType?: string;
    /** Nodes the default node group starts with. Default 2. */
    desiredNodes?: number;
    /** Fewest nodes of the default node group. Default 1. */
    minNodes?: number;
    /** Most nodes of the default node group. Default 3. */
    maxNodes?: number;
    /** Tags on every AWS resource created. */
    tags?: Record<string, string>;
}

/** Subnet CIDRs carved out of a VPC CIDR: large private subnets (pods take VPC addresses), small public ones. */
export interface SubnetLayout {
    privateCidrs: string[];
    publicCidrs: string[];
}

function ipToNumber(ip: string): number {
    return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * Splits `vpcCidr` into four quarters: the first `zones` hold the private subnets, and the last
 * quarter is cut into sixteenths for the public ones. Pure; throws on a CIDR it cannot split.
 */
export function layoutSubnets(vpcCidr: string, zones: number): SubnetLayout {
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(vpcCidr);
    const prefix = match ? Number(match[2]) : NaN;
    if (!match || match[1].split(".").some((o) => Number(o) > 255) || prefix < 16 || prefix > 20) {
        throw new Error(`VPC CIDR ${JSON.stringify(vpcCidr)} must be an IPv4 CIDR from /16 to /20`);
    }
    if (!Number.isInteger(zones) || zones < 2 || zones > 3) {
        throw new Error(`availability zone count ${zones} must be 2 or 3`);
    }
    const size = 2 ** (32 - prefix);
    const base = ipToNumber(match[1]) - (ipToNumber(match[1]) % size);
    const quarter = size / 4;
    const sixteenth = quarter / 16;
    return {
        privateCidrs: Array.from({ length: zones }, (_, i) => `${numberToIp(base + i * quarter)}/${prefix + 2}`),
        publicCidrs: Array.from({ length: zones }, (_, i) => `${numberToIp(base + 3 * quarter + i * sixteenth)}/${prefix + 6}`),
    };
}

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
        const tags = args.tags ?? {};
        const vpcCidr = args.vpcCidr ?? "10.0.0.0/16";
        const zoneCount = args.availabilityZoneCount ?? 2;
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
                instanceType: args.instanceType ?? "m5.large",
                desiredCapacity: args.desiredNodes ?? 2,
                minSize: args.minNodes ?? 1,
                maxSize: args.maxNodes ?? 3,
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

/** Where the program's EKS cluster comes from. */
export type EksClusterSource =
    /** Coordinates in `dynamo:eks`, the provider from the ambient kubeconfig (or `kubernetes:*` config). */
    | { kind: "existing" }
    /** Coordinates and kubeconfig from another stack's outputs; `dynamo:eks` fields override them. */
    | { kind: "stack"; stack: string }
    /** A new cluster created by this stack. */
    | { kind: "create"; cluster: DynamoEksClusterArgs };

/** The cluster's coordinates for the platform, and the Kubernetes provider to reach it. */
export interface ConnectedEksCluster {
    eks: EksArgs;
    provider?: k8s.Provider;
    /** The cluster this stack created, if it created one. */
    created?: DynamoEksCluster;
}

/** Creates or looks up the cluster named by `source` and fills in the coordinates `eks` leaves out. */
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
        case "stack": {
            const reference = new pulumi.StackReference(`${name}-cluster`, { name: source.stack });
            return {
                provider: new k8s.Provider(`${name}-k8s`, { kubeconfig: reference.getOutput("kubeconfig") }),
                eks: {
                    ...eksArgs,
                    clusterName: eksArgs.clusterName ?? reference.requireOutput("clusterName"),
                    vpcId: eksArgs.vpcId ?? reference.requireOutput("vpcId"),
                    privateSubnetIds: eksArgs.privateSubnetIds ?? reference.requireOutput("privateSubnetIds"),
                    oidcProviderArn: eksArgs.oidcProviderArn ?? reference.getOutput("oidcProviderArn"),
                },
            };
        }
    }
}
