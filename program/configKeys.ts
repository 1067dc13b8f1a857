/**
 * The program's `dynamo:*` keys: every argument of the component, plus the few that only the
 * program reads (declared here with their documentation, as the component's are in `args.ts`).
 */
import { DynamoEksClusterArgs } from "../components/core/args";
import { boolean, object, secret, ShapeOf, string } from "../components/core/fieldSpec";
import * as rules from "../components/core/rules";
import { EKS_CLUSTER_ARGS_SHAPE, EKS_SHAPE, PLATFORM_ARGS_SHAPE, PULL_SECRET_PASSWORD_KEY } from "../components/core/schema";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "dynamo";

/** Keys of the program beside the component's arguments. */
export interface ProgramKeys {
    /**
     * Read the target cluster before each run (get and list only) and adapt to it: Prometheus,
     * local-path, ingress, the CSI drivers, the installed release and preflight. Default `true`.
     */
    autoConfigure?: boolean;
    /**
     * The image pull secret's password or NGC API key, as a secret:
     * `pulumi config set --secret dynamo:imagePullSecretPassword <key>`.
     */
    imagePullSecretPassword?: string;
}

/** Fields of `dynamo:eks` that choose or shape the cluster rather than configure the platform on it. */
export interface EksClusterKeys extends Omit<DynamoEksClusterArgs, "clusterName" | "vpcCidr" | "tags"> {
    /**
     * Create the cluster: a VPC over `availabilityZoneCount` zones with public and private subnets
     * and one NAT gateway, whose CIDR is `vpcCidr` (a /16 to /20, default `10.0.0.0/16`), and an EKS
     * cluster with its OIDC provider. The fields below it apply only then. Default `false`.
     */
    create?: boolean;
    /**
     * A stack (`org/project/stack`) whose outputs `clusterName`, `vpcId`, `privateSubnetIds`,
     * `oidcProviderArn` and `kubeconfig` give the cluster (fields set in `dynamo:eks` win).
     */
    clusterStack?: string;
}

const { kubernetesVersion, availabilityZoneCount, instanceType, desiredNodes, minNodes, maxNodes } = EKS_CLUSTER_ARGS_SHAPE;

export const EKS_CLUSTER_SHAPE = {
    create: boolean({ default: false }),
    clusterStack: string(rules.STACK_NAME),
    kubernetesVersion,
    availabilityZoneCount,
    instanceType,
    desiredNodes,
    minNodes,
    maxNodes,
} as const satisfies ShapeOf<EksClusterKeys>;

const PROGRAM_SHAPE = {
    autoConfigure: boolean({ default: true }),
    [PULL_SECRET_PASSWORD_KEY]: secret(PULL_SECRET_PASSWORD_KEY),
} as const satisfies ShapeOf<ProgramKeys>;

/** Every `dynamo:*` key of the program, by name (without the `dynamo:` namespace). */
export const STACK_CONFIG_SHAPE = {
    ...PLATFORM_ARGS_SHAPE,
    eks: object({ ...EKS_SHAPE, ...EKS_CLUSTER_SHAPE }),
    ...PROGRAM_SHAPE,
} as const;
