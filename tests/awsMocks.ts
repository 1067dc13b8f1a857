/** Realistic answers of the AWS and EKS APIs the EKS mode calls, for the mock engine. */
import { MockOptions } from "./harness";

export const ACCOUNT = "123456789012";
export const REGION = "us-west-2";
export const VPC_ID = "vpc-0123456789abcdef0";
export const VPC_CIDR = "10.42.0.0/16";

/** The placeholder subnets of Pulumi.eks.yaml: three subnets over two zones (two share us-west-2a). */
export const SUBNETS: Record<string, { availabilityZone: string; cidrBlock: string }> = {
    "subnet-0aaaaaaaaaaaaaaa1": { availabilityZone: "us-west-2a", cidrBlock: "10.42.0.0/18" },
    "subnet-0bbbbbbbbbbbbbbb2": { availabilityZone: "us-west-2b", cidrBlock: "10.42.64.0/18" },
    "subnet-0ccccccccccccccc3": { availabilityZone: "us-west-2a", cidrBlock: "10.42.128.0/19" },
};

export const OIDC_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

/** Subnets a test program created, which the EC2 API then describes like any other. */
const createdSubnets = new Map<string, { availabilityZone: string; cidrBlock: string }>();

const zoneIds: Record<string, string> = { "us-west-2a": "usw2-az1", "us-west-2b": "usw2-az2", "us-west-2c": "usw2-az3" };

export const awsCalls: NonNullable<MockOptions["calls"]> = {
    "aws:index/getPartition:getPartition": () => ({
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
    }),
    "aws:ec2/getSubnet:getSubnet": ({ id }) => {
        const subnet = SUBNETS[id] ?? createdSubnets.get(id);
        if (subnet === undefined) {
            throw new Error(`InvalidSubnetID.NotFound: The subnet ID '${id}' does not exist`);
        }
        return {
            id,
            arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${id}`,
            availabilityZone: subnet.availabilityZone,
            availabilityZoneId: zoneIds[subnet.availabilityZone],
            cidrBlock: subnet.cidrBlock,
            vpcId: VPC_ID,
            ownerId: ACCOUNT,
            state: "available",
            mapPublicIpOnLaunch: false,
            defaultForAz: false,
            availableIpAddressCount: 16000,
            tags: { "kubernetes.io/role/internal-elb": "1" },
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
