/**
 * `dynamo:eks`, the fields that configure the platform on an EKS cluster (its name, network, NFS
 * source, identity, add-ons, load balancers, tags). The fields that create the cluster or read it
 * from another stack are in `eksCluster.ts`.
 */
import { bad, eks, equal, InputGroup, newCluster } from "./cases";

export const EKS_INPUTS: InputGroup = {
    keys: ["dynamo:eks"],
    bad: [
        bad(
            "type",
            "eks",
            "dynamo:eks as a list",
            { "dynamo:eks": ["my-eks-cluster"] },
            "dynamo:eks",
            "an object with the fields clusterName",
        ),
        bad(
            "type",
            "eks",
            "tags as a list",
            { "dynamo:eks": eks({ tags: ["team=ml"] }) },
            "dynamo:eks.tags",
            "a map of names to text values",
        ),
        bad(
            "type",
            "eks",
            "a misspelt EKS field",
            { "dynamo:eks": eks({ vpcid: "vpc-0123456789abcdef0" }) },
            "dynamo:eks.vpcid",
            "did you mean dynamo:eks.vpcId?",
        ),
        bad("value", "eks", "a malformed VPC id", { "dynamo:eks": eks({ vpcId: "vpc-XYZ" }) }, "dynamo:eks.vpcId", "a VPC id such as"),
        bad(
            "value",
            "eks",
            "a malformed subnet id",
            { "dynamo:eks": eks({ privateSubnetIds: ["sub-123"] }) },
            "dynamo:eks.privateSubnetIds[0]",
            "a subnet id such as",
        ),
        bad(
            "value",
            "eks",
            "a cluster name with a space",
            { "dynamo:eks": eks({ clusterName: "my cluster" }) },
            "dynamo:eks.clusterName",
            "an EKS cluster name",
        ),
        bad(
            "value",
            "eks",
            "a tag in AWS's reserved prefix",
            { "dynamo:eks": eks({ tags: { "aws:team": "ml" } }) },
            'dynamo:eks.tags key "aws:team"',
            "not starting with aws:",
        ),
        bad(
            "value",
            "eks",
            "an unknown ALB scheme",
            { "dynamo:eks": eks({ albScheme: "public" }) },
            "dynamo:eks.albScheme",
            '"internet-facing", "internal"',
        ),
        bad(
            "security",
            "eks",
            "an NFS source open to the world",
            { "dynamo:eks": eks({ vpcCidr: "0.0.0.0/0" }) },
            "dynamo:eks.vpcCidr",
            "never 0.0.0.0/0",
        ),
        bad(
            "security",
            "eks",
            "an IPv6 source open to the world",
            { "dynamo:eks": eks({ vpcCidr: "::/0" }) },
            "dynamo:eks.vpcCidr",
            "a /8 or narrower",
        ),
        bad(
            "security",
            "eks",
            "an NFS source broader than a /8",
            { "dynamo:eks": eks({ vpcCidr: "10.0.0.0/4" }) },
            "dynamo:eks.vpcCidr",
            "a /8 or narrower",
        ),
        bad(
            "security",
            "eks",
            "an NFS source that is not a CIDR",
            { "dynamo:eks": eks({ vpcCidr: "my-vpc" }) },
            "dynamo:eks.vpcCidr",
            "the IPv4 network allowed to reach EFS",
        ),
        bad(
            "security",
            "eks",
            "an NFS source with host bits",
            { "dynamo:eks": eks({ vpcCidr: "10.0.0.5/16" }) },
            "dynamo:eks.vpcCidr",
            "10.0.0.0/16",
        ),
        bad(
            "cross-key",
            "eks",
            "IRSA without an OIDC provider",
            { "dynamo:eks": eks({ identity: "irsa" }) },
            "dynamo:eks.identity",
            "IRSA needs the cluster's IAM OIDC provider ARN",
        ),
        bad(
            "cross-key",
            "k8s",
            "EKS settings on plain Kubernetes",
            { "dynamo:eks": { clusterName: "c" } },
            "dynamo:eks",
            'need platform "eks"',
        ),
        bad(
            "cross-key",
            "eks",
            "a new cluster with a VPC of its own",
            { "dynamo:eks": newCluster({ vpcId: "vpc-0123456789abcdef0" }) },
            "dynamo:eks.vpcId",
            "the new cluster provides it",
        ),
    ],
    valid: [
        {
            name: "tags with spaces and the broadest private NFS source",
            stack: "eks",
            set: { "dynamo:eks": eks({ vpcCidr: "10.0.0.0/8", tags: { "Cost Center": "ML Platform" } }) },
            check: (r) => {
                equal(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.cidrIpv4, "10.0.0.0/8", "NFS source");
                equal(r.one("aws:efs/fileSystem:FileSystem").inputs.tags["Cost Center"], "ML Platform", "tag");
            },
        },
    ],
};
