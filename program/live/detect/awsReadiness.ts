/**
 * What an EKS expert checks in AWS before installing, read before anything is created: that the
 * IAM OIDC provider IRSA roles trust exists, belongs to the cluster and accepts STS as audience;
 * that the model cache's subnets lie in the VPC; and which zones get a mount target, against the
 * zones the nodes run in.
 */
import type * as Aws from "@pulumi/aws";
import { EksIdentity } from "../../../components/core/args";
import { DynamoConfigError } from "../../../components/core/errors";
import { lazyModule } from "../../../components/core/lazy";
import { EfsSettings, EksSettings } from "../../../components/core/settings/types";
import { oidcProviderIssuer, planMountTargets, SubnetPlacement } from "../../../components/eks/storage";
import { Decision } from "./types";

const aws = lazyModule<typeof Aws>("@pulumi/aws");

/** A subnet as EC2 describes it. */
export interface SubnetFacts extends SubnetPlacement {
    vpcId: string;
}

/** The AWS reads readiness makes; tests inject answers. Each answers undefined for what does not exist. */
export interface AwsReader {
    subnet(id: string): Promise<SubnetFacts | undefined>;
    /** The cluster's OIDC issuer URL (`https://oidc.eks.…`), or undefined when there is no such cluster. */
    clusterOidcIssuer(clusterName: string): Promise<string | undefined>;
    /** An IAM OIDC provider's client ids (audiences). */
    oidcProviderClientIds(arn: string): Promise<string[] | undefined>;
}

/** Phrases with which EC2, EKS and IAM (and the provider on their behalf) say that a thing does not exist. */
const NOT_FOUND = /NotFound|NoSuchEntity|couldn't find resource|no matching|does not exist|No cluster found/i;

async function unlessMissing<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (error) {
        if (NOT_FOUND.test((error as Error).message)) {
            return undefined;
        }
        throw error;
    }
}

/** The reads through the AWS provider's data sources, with the stack's AWS credentials and region. */
export const awsReader: AwsReader = {
    subnet: (id) =>
        unlessMissing(async () => {
            const subnet = await aws.ec2.getSubnet({ id });
            return { subnetId: subnet.id, vpcId: subnet.vpcId, availabilityZone: subnet.availabilityZone };
        }),
    clusterOidcIssuer: (clusterName) =>
        unlessMissing(async () => (await aws.eks.getCluster({ name: clusterName })).identities[0]?.oidcs[0]?.issuer ?? ""),
    oidcProviderClientIds: (arn) => unlessMissing(async () => (await aws.iam.getOpenIdConnectProvider({ arn })).clientIdLists),
};

/** One finding, reported like auto-configuration's decisions. */
export type ReadinessFinding = Decision & { subject: "oidcProvider" | "mountTargets" };

export interface ReadinessInput {
    eks: EksSettings;
    efs?: EfsSettings;
    /** Availability zones the cluster's nodes run in, when the cluster could be read. */
    nodeZones?: string[];
}

/** The audience IRSA tokens carry; the OIDC provider must list it. */
const STS_AUDIENCE = "sts.amazonaws.com";
/** Config keys the findings blame: readiness runs for the program, whose keys these are. */
const EKS_KEY = "dynamo:eks";

/** The ARN the cluster's OIDC provider has in the account of `arn`, from the cluster's issuer URL. */
function expectedProviderArn(arn: string, issuerUrl: string): string {
    return `${arn.slice(0, arn.length - oidcProviderIssuer(arn).length)}${issuerUrl.replace(/^https:\/\//, "")}`;
}

function createProviderCommand(clusterName: string): string {
    return `eksctl utils associate-iam-oidc-provider --cluster ${clusterName} --approve`;
}

/** IRSA: the provider exists, is the cluster's own, and admits STS; otherwise the CSI roles can never be assumed. */
async function checkOidcProvider(reader: AwsReader, clusterName: string, arn: string): Promise<ReadinessFinding> {
    const key = `${EKS_KEY}.oidcProviderArn`;
    const [issuer, clientIds] = await Promise.all([reader.clusterOidcIssuer(clusterName), reader.oidcProviderClientIds(arn)]);
    if (issuer === undefined) {
        throw new DynamoConfigError(
            `${EKS_KEY}.clusterName`,
            `${EKS_KEY}.clusterName "${clusterName}": no EKS cluster of that name in this account and region (aws:region); check the name and the region.`,
        );
    }
    const expected = expectedProviderArn(arn, issuer);
    if (issuer !== "" && expected !== arn) {
        throw new DynamoConfigError(
            key,
            `${key} ${arn} is not the OIDC provider of cluster ${clusterName}, whose issuer is ${issuer}: an IRSA role trusting it can never be assumed by the cluster's pods. Set ${key} to ${expected} (if the cluster has none yet, \`${createProviderCommand(clusterName)}\` creates it).`,
        );
    }
    if (clientIds === undefined) {
        throw new DynamoConfigError(
            key,
            `${key} ${arn}: no such IAM OIDC provider, so the IRSA roles of the CSI drivers could never be assumed and every model-cache volume would fail with Access Denied. Create it with \`${createProviderCommand(clusterName)}\`, or set ${EKS_KEY}.identity to podIdentity.`,
        );
    }
    if (!clientIds.includes(STS_AUDIENCE)) {
        throw new DynamoConfigError(
            key,
            `${key} ${arn} does not list ${STS_AUDIENCE} as a client id (it lists ${clientIds.join(", ") || "none"}), so IRSA tokens are refused. Add it with \`aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${STS_AUDIENCE}\`.`,
        );
    }
    return {
        subject: "oidcProvider",
        found: `IAM OIDC provider ${oidcProviderIssuer(arn)} of cluster ${clusterName} (audience ${STS_AUDIENCE})`,
        decision: "the CSI drivers' IRSA roles trust it",
        level: "info",
    };
}

/** The subnets must exist and lie in the VPC: mount targets and their security group share one VPC. */
async function readSubnets(reader: AwsReader, vpcId: string, ids: string[]): Promise<SubnetFacts[]> {
    const key = `${EKS_KEY}.privateSubnetIds`;
    const subnets = await Promise.all(ids.map(async (id) => ({ id, facts: await reader.subnet(id) })));
    const missing = subnets.filter((s) => s.facts === undefined).map((s) => s.id);
    if (missing.length > 0) {
        throw new DynamoConfigError(
            key,
            `${key}: no subnet ${missing.join(", ")} in this account and region (aws:region); expected the ids of the cluster's private subnets.`,
        );
    }
    const found = subnets.map((s) => s.facts!);
    const foreign = found.filter((s) => s.vpcId !== vpcId);
    if (foreign.length > 0) {
        throw new DynamoConfigError(
            key,
            `${key}: ${foreign.map((s) => `${s.subnetId} is in ${s.vpcId}`).join(", ")}, not in ${EKS_KEY}.vpcId ${vpcId}; the mount targets go in these subnets and their security group in that VPC, so every subnet must belong to it.`,
        );
    }
    return found;
}

/** Where the mount targets go, and whether every zone with nodes has one (a pod elsewhere cannot mount the cache). */
export function mountTargetFindings(subnets: SubnetPlacement[], nodeZones: string[] | undefined): ReadinessFinding[] {
    const planned = planMountTargets(subnets);
    const zones = planned.map((p) => p.availabilityZone);
    const findings: ReadinessFinding[] = [];
    const skipped = subnets.filter((s) => !planned.some((p) => p.subnetId === s.subnetId));
    if (skipped.length > 0) {
        findings.push({
            subject: "mountTargets",
            found: `more than one subnet in a zone: ${skipped.map((s) => `${s.subnetId} (${s.availabilityZone})`).join(", ")}`,
            decision: "EFS takes one mount target per zone: the lowest subnet id of each zone gets it",
            level: "info",
        });
    }
    const where = planned.map((p) => `${p.availabilityZone} (${p.subnetId})`).join(", ");
    if (nodeZones === undefined || nodeZones.length === 0) {
        findings.push({
            subject: "mountTargets",
            found: "node zones not read",
            decision: `one mount target per zone: ${where}`,
            level: "info",
        });
        return findings;
    }
    const uncovered = nodeZones.filter((zone) => !zones.includes(zone));
    if (uncovered.length > 0) {
        findings.push({
            subject: "mountTargets",
            found: `nodes in ${uncovered.join(", ")}, where no subnet of ${EKS_KEY}.privateSubnetIds lies`,
            decision: `pods on those nodes cannot mount the model cache (mount targets only in ${zones.join(", ")}): add a private subnet of ${uncovered.join(", ")} to ${EKS_KEY}.privateSubnetIds`,
            level: "warn",
        });
        return findings;
    }
    findings.push({
        subject: "mountTargets",
        found: `nodes in ${nodeZones.join(", ")}`,
        decision: `one mount target per zone: ${where}`,
        level: "info",
    });
    return findings;
}

/**
 * Reads AWS for what the settings assume and returns one finding per fact; throws a
 * {@link DynamoConfigError} for what would fail later (roles that cannot be assumed, subnets of
 * another VPC). Values not yet known (Outputs) are not checked.
 */
export async function checkEksReadiness(reader: AwsReader, input: ReadinessInput): Promise<ReadinessFinding[]> {
    const { eks, efs, nodeZones } = input;
    const checks: Promise<ReadinessFinding[]>[] = [];
    if (eks.identity === EksIdentity.Irsa && typeof eks.clusterName === "string" && typeof eks.oidcProviderArn === "string") {
        checks.push(checkOidcProvider(reader, eks.clusterName, eks.oidcProviderArn).then((finding) => [finding]));
    }
    const subnetIds = eks.privateSubnetIds;
    if (
        efs !== undefined &&
        efs.fileSystemId === undefined &&
        typeof eks.vpcId === "string" &&
        Array.isArray(subnetIds) &&
        subnetIds.every((id): id is string => typeof id === "string")
    ) {
        const vpcId = eks.vpcId;
        checks.push(readSubnets(reader, vpcId, subnetIds).then((subnets) => mountTargetFindings(subnets, nodeZones)));
    }
    return (await Promise.all(checks)).flat();
}
