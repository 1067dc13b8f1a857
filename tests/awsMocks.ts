/** Realistic answers of the AWS and EKS APIs the EKS mode calls, for the mock engine. */
import { MockOptions } from "./harness";

export const ACCOUNT = "123456789012";
export const REGION = "us-west-2";
export const VPC_ID = "vpc-0123456789abcdef0";
export const VPC_CIDR = "10.42.0.0/16";

/** The placeholder subnets of Pulumi.eks.yaml: three subnets over two zones (two share us-west-2a). */
export const SUBNETS: Record<string, { availabilityZone: string; cidrBlock: string; vpcId?: string }> = {
    "subnet-0aaaaaaaaaaaaaaa1": { availabilityZone: "us-west-2a", cidrBlock: "10.42.0.0/18" },
    "subnet-0bbbbbbbbbbbbbbb2": { availabilityZone: "us-west-2b", cidrBlock: "10.42.64.0/18" },
    "subnet-0ccccccccccccccc3": { availabilityZone: "us-west-2a", cidrBlock: "10.42.128.0/19" },
    /** A subnet of another VPC of the account. */
    "subnet-0ddddddddddddddd4": { availabilityZone: "us-west-2c", cidrBlock: "172.31.0.0/20", vpcId: "vpc-0fedcba9876543210" },
};

export const OIDC_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

/** The cluster of Pulumi.eks.yaml, whose issuer {@link OIDC_PROVIDER_ARN} names. */
export const EKS_CLUSTER = "my-eks-cluster";

/** EKS clusters of the account, by name, with their OIDC issuer. */
const EKS_CLUSTERS: Record<string, string> = {
    [EKS_CLUSTER]: `https://oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`,
    "prod-gpu": `https://oidc.eks.${REGION}.amazonaws.com/id/B7C3F5D1A2E4968F0D1C2B3A4E5F6071`,
};

/** IAM OIDC providers of the account, by ARN, with their client ids. */
const OIDC_PROVIDERS: Record<string, string[]> = { [OIDC_PROVIDER_ARN]: ["sts.amazonaws.com"] };

/** An AWS API refusal as the engine hands it to the program: a gRPC error whose details carry the provider's message. */
function awsError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

/** Subnets a test program created, which the EC2 API then describes like any other. */
const createdSubnets = new Map<string, { availabilityZone: string; cidrBlock: string }>();

const zoneIds: Record<string, string> = { "us-west-2a": "usw2-az1", "us-west-2b": "usw2-az2", "us-west-2c": "usw2-az3" };

export const awsCalls: NonNullable<MockOptions["calls"]> = {
    "aws:index/getRegion:getRegion": () => ({ id: REGION, name: REGION, region: REGION, endpoint: `ec2.${REGION}.amazonaws.com` }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        id: ACCOUNT,
        accountId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
        userId: "AIDAEXAMPLE",
    }),
    "aws:index/getPartition:getPartition": () => ({
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
    }),
    "aws:ec2/getSubnet:getSubnet": ({ id }) => {
        const subnet = SUBNETS[id] ?? createdSubnets.get(id);
        if (subnet === undefined) {
            throw awsError(`InvalidSubnetID.NotFound: The subnet ID '${id}' does not exist`);
        }
        return {
            id,
            arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${id}`,
            availabilityZone: subnet.availabilityZone,
            availabilityZoneId: zoneIds[subnet.availabilityZone],
            cidrBlock: subnet.cidrBlock,
            vpcId: subnet.vpcId ?? VPC_ID,
            ownerId: ACCOUNT,
            state: "available",
            mapPublicIpOnLaunch: false,
            defaultForAz: false,
            availableIpAddressCount: 16000,
            tags: { "kubernetes.io/role/internal-elb": "1" },
        };
    },
    "aws:eks/getCluster:getCluster": ({ name }) => {
        const issuer = EKS_CLUSTERS[name];
        if (issuer === undefined) {
            throw awsError(`reading EKS Cluster (${name}): couldn't find resource`);
        }
        return {
            id: name,
            name,
            arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`,
            status: "ACTIVE",
            version: "1.33",
            platformVersion: "eks.9",
            endpoint: `https://${name.toUpperCase()}.gr7.${REGION}.eks.amazonaws.com`,
            roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}-cluster`,
            identities: [{ oidcs: [{ issuer }] }],
            vpcConfig: {
                vpcId: VPC_ID,
                subnetIds: Object.keys(SUBNETS).filter((id) => SUBNETS[id].vpcId === undefined),
                clusterSecurityGroupId: "sg-0c1a55c1a55c1a55c",
            },
            accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP" }],
            tags: {},
        };
    },
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": ({ arn }) => {
        const clientIds = OIDC_PROVIDERS[arn];
        if (clientIds === undefined) {
            throw awsError(`reading IAM OIDC Provider (${arn}): couldn't find resource`);
        }
        return {
            id: arn,
            arn,
            url: arn.slice(arn.indexOf("oidc-provider/") + "oidc-provider/".length),
            clientIdLists: clientIds,
            thumbprintLists: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
            tags: {},
        };
    },
    "aws:ec2/getVpc:getVpc": ({ id }) => ({
        id,
        arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${id}`,
        cidrBlock: VPC_CIDR,
        cidrBlockAssociations: [{ associationId: "vpc-cidr-assoc-0abc", cidrBlock: VPC_CIDR, state: "associated" }],
        default: false,
        dhcpOptionsId: "dopt-0abc",
        enableDnsHostnames: true,
        enableDnsSupport: true,
        instanceTenancy: "default",
        ownerId: ACCOUNT,
        state: "available",
        tags: {},
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        id: REGION,
        names: ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
        zoneIds: ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"],
        groupNames: [REGION],
    }),
};

/** What a real `eks:index:Cluster` computes. */
export const eksClusterState: NonNullable<MockOptions["resourceState"]> = {
    "eks:index:Cluster": (inputs) => ({
        kubeconfigJson: JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: inputs.name }] }),
        oidcProviderArn: OIDC_PROVIDER_ARN,
        nodeSecurityGroupId: "sg-0f00f00f00f00f00f",
    }),
    "aws:ec2/vpc:Vpc": (inputs) => ({ cidrBlock: inputs.cidrBlock, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-new` }),
    "aws:iam/role:Role": (_inputs, name) => ({ arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name }),
    "aws:ec2/subnet:Subnet": (inputs, name) => {
        createdSubnets.set(`${name}-id`, { availabilityZone: inputs.availabilityZone, cidrBlock: inputs.cidrBlock });
        return { arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${name}-id` };
    },
};
