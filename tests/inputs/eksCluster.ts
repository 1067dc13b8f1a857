/**
 * The fields of `dynamo:eks` that choose or shape the cluster rather than configure the platform on
 * it: `create` and the new cluster's size and version, or `clusterStack` and the outputs read from
 * that stack.
 */
import { EKS_CLUSTER_SHAPE } from "../../program/configKeys";
import { OIDC_PROVIDER_ARN } from "../awsMocks";
import { bad, eks, equal, InputGroup, newCluster } from "./cases";

const CLUSTER = "acme/eks/prod";
const CLUSTER_OUTPUTS = {
    clusterName: "prod-gpu",
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    oidcProviderArn: OIDC_PROVIDER_ARN,
    kubeconfig: '{"apiVersion":"v1","kind":"Config"}',
};

export const EKS_CLUSTER_INPUTS: InputGroup = {
    keys: Object.keys(EKS_CLUSTER_SHAPE).map((field) => `dynamo:eks.${field}`),
    bad: [
        // dynamo:eks.create
        bad(
            "cross-key",
            "eks",
            "a new cluster that is also read from a stack",
            { "dynamo:eks": newCluster({ clusterStack: CLUSTER }) },
            "dynamo:eks.create",
            "either creates its cluster or reads one",
        ),
        // dynamo:eks.clusterStack
        bad(
            "other-stack",
            "eks",
            "a cluster stack with a malformed VPC id",
            { "dynamo:eks": { clusterStack: CLUSTER } },
            "dynamo:eks.clusterStack",
            "a VPC id such as",
            { [CLUSTER]: { ...CLUSTER_OUTPUTS, vpcId: "vpc-XYZ" } },
        ),
        bad(
            "other-stack",
            "eks",
            "a cluster stack whose subnets are one string",
            { "dynamo:eks": { clusterStack: CLUSTER } },
            "dynamo:eks.clusterStack",
            "a list such as",
            { [CLUSTER]: { ...CLUSTER_OUTPUTS, privateSubnetIds: "subnet-0aaaaaaaaaaaaaaa1" } },
        ),
        bad(
            "other-stack",
            "eks",
            "a cluster stack without a kubeconfig",
            { "dynamo:eks": { clusterStack: CLUSTER } },
            "dynamo:eks.clusterStack",
            'has no output "kubeconfig"',
            { [CLUSTER]: { ...CLUSTER_OUTPUTS, kubeconfig: undefined } },
        ),
        bad(
            "other-stack",
            "eks",
            "a cluster stack whose OIDC provider is not an ARN",
            { "dynamo:eks": { clusterStack: CLUSTER } },
            "dynamo:eks.clusterStack",
            "an IAM OIDC provider ARN",
            { [CLUSTER]: { ...CLUSTER_OUTPUTS, oidcProviderArn: "oidc.eks.example" } },
        ),
        bad(
            "other-stack",
            "eks",
            "a cluster stack whose cluster name has a control character",
            { "dynamo:eks": { clusterStack: CLUSTER } },
            "dynamo:eks.clusterStack",
            "an EKS cluster name",
            { [CLUSTER]: { ...CLUSTER_OUTPUTS, clusterName: "prod\u0007gpu" } },
        ),
        // dynamo:eks.kubernetesVersion
        bad(
            "type",
            "eks",
            "a Kubernetes version YAML read as a number",
            { "dynamo:eks": newCluster({ kubernetesVersion: 1.3 }) },
            "dynamo:eks.kubernetesVersion",
            'a Kubernetes minor version as a quoted string, e.g. "1.34"',
        ),
        // dynamo:eks.availabilityZoneCount
        bad(
            "value",
            "eks",
            "one availability zone for a new cluster",
            { "dynamo:eks": newCluster({ availabilityZoneCount: 1 }) },
            "dynamo:eks.availabilityZoneCount",
            "a whole number of zones, from 2 to 3",
        ),
        bad(
            "value",
            "eks",
            "five availability zones for a new cluster (its subnet layout has room for three)",
            { "dynamo:eks": newCluster({ availabilityZoneCount: 5 }) },
            "dynamo:eks.availabilityZoneCount",
            "a whole number of zones, from 2 to 3",
        ),
        // dynamo:eks.instanceType
        bad(
            "cross-key",
            "eks",
            "a node group size without create",
            { "dynamo:eks": eks({ instanceType: "g6.xlarge" }) },
            "dynamo:eks.instanceType",
            "set create: true or remove it",
        ),
        // dynamo:eks.desiredNodes
        bad(
            "type",
            "eks",
            "a node count in words",
            { "dynamo:eks": newCluster({ desiredNodes: "two" }) },
            "dynamo:eks.desiredNodes",
            "a whole number of nodes",
        ),
        bad(
            "cross-key",
            "eks",
            "node counts out of order",
            { "dynamo:eks": newCluster({ minNodes: 3, desiredNodes: 2 }) },
            "dynamo:eks.desiredNodes",
            "a node count between minNodes (3) and maxNodes (3)",
        ),
    ],
    valid: [
        {
            name: "a cluster read from another stack",
            stack: "eks",
            set: { "dynamo:eks": { clusterStack: CLUSTER, installEbsCsiDriver: true } },
            stackOutputs: { [CLUSTER]: CLUSTER_OUTPUTS },
            check: (r) => {
                equal(
                    r.one("aws:efs/mountTarget:MountTarget", "dynamo-efs-us-west-2a").inputs.subnetId,
                    "subnet-0aaaaaaaaaaaaaaa1",
                    "mount target",
                );
                equal(r.ofType("aws:eks/addon:Addon")[0].inputs.clusterName, "prod-gpu", "add-on cluster");
            },
        },
    ],
};
