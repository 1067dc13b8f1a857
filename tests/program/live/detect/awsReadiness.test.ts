import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs, EksArgs, EksIdentity, Platform } from "../../../../components/core/args";
import { DynamoConfigError } from "../../../../components/core/errors";
import { resolveSettings } from "../../../../components/core/settings";
import { AwsReader, checkEksReadiness, mountTargetFindings, SubnetFacts } from "../../../../program/live/detect/awsReadiness";
import { OIDC_PROVIDER_ARN, VPC_ID } from "../../../awsMocks";

const ISSUER = `https://${OIDC_PROVIDER_ARN.slice(OIDC_PROVIDER_ARN.indexOf("oidc-provider/") + "oidc-provider/".length)}`;
const OTHER_VPC = "vpc-0fedcba9876543210";

const subnets: Record<string, SubnetFacts> = {
    "subnet-0aaaaaaaaaaaaaaa1": { subnetId: "subnet-0aaaaaaaaaaaaaaa1", vpcId: VPC_ID, availabilityZone: "us-west-2a" },
    "subnet-0bbbbbbbbbbbbbbb2": { subnetId: "subnet-0bbbbbbbbbbbbbbb2", vpcId: VPC_ID, availabilityZone: "us-west-2b" },
    "subnet-0ccccccccccccccc3": { subnetId: "subnet-0ccccccccccccccc3", vpcId: VPC_ID, availabilityZone: "us-west-2a" },
    "subnet-0ddddddddddddddd4": { subnetId: "subnet-0ddddddddddddddd4", vpcId: OTHER_VPC, availabilityZone: "us-west-2c" },
};

/** AWS as a fake: one cluster (`gpu`) with its OIDC provider, and the subnets above; it records what was read. */
function fakeAws(providers: Record<string, string[]> = { [OIDC_PROVIDER_ARN]: ["sts.amazonaws.com"] }): AwsReader & { reads: string[] } {
    const reads: string[] = [];
    return {
        reads,
        subnet: async (id) => (reads.push(`subnet ${id}`), subnets[id]),
        clusterOidcIssuer: async (name) => (reads.push(`cluster ${name}`), name === "gpu" ? ISSUER : undefined),
        oidcProviderClientIds: async (arn) => (reads.push(`oidc ${arn}`), providers[arn]),
    };
}

function eksSettings(eks: Partial<EksArgs>, extra: Partial<DynamoPlatformArgs> = {}) {
    const args: DynamoPlatformArgs = {
        releaseVersion: "0.9.1",
        platform: Platform.Eks,
        eks: { clusterName: "gpu", vpcId: VPC_ID, privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"], ...eks },
        ...extra,
    };
    const settings = resolveSettings(args, "dynamo:");
    return { eks: settings.eks!, efs: settings.efs };
}

const irsa = { identity: EksIdentity.Irsa, oidcProviderArn: OIDC_PROVIDER_ARN };

async function refusal(promise: Promise<unknown>): Promise<DynamoConfigError> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof DynamoConfigError, `a DynamoConfigError, not ${error}`);
        return error;
    }
    assert.fail("expected a refusal");
}

describe("EKS readiness (AWS read before anything is created)", () => {
    describe("the IAM OIDC provider of IRSA", () => {
        it("accepts the cluster's own provider that lists sts.amazonaws.com", async () => {
            const findings = await checkEksReadiness(fakeAws(), eksSettings(irsa));
            const oidc = findings.filter((f) => f.subject === "oidcProvider");
            assert.deepEqual(oidc, [
                {
                    subject: "oidcProvider",
                    found: `IAM OIDC provider ${ISSUER.slice("https://".length)} of cluster gpu (audience sts.amazonaws.com)`,
                    decision: "the CSI drivers' IRSA roles trust it",
                    level: "info",
                },
            ]);
        });

        it("refuses a provider that does not exist, naming the command that creates it", async () => {
            const error = await refusal(checkEksReadiness(fakeAws({}), eksSettings(irsa)));
            assert.equal(error.key, "dynamo:eks.oidcProviderArn");
            assert.match(error.message, /no such IAM OIDC provider/);
            assert.match(error.message, /Access Denied/);
            assert.match(error.message, /`eksctl utils associate-iam-oidc-provider --cluster gpu --approve`/);
        });

        it("refuses another cluster's provider, naming the one this cluster needs", async () => {
            const other = `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`;
            const error = await refusal(
                checkEksReadiness(fakeAws({ [other]: ["sts.amazonaws.com"] }), eksSettings({ ...irsa, oidcProviderArn: other })),
            );
            assert.equal(error.key, "dynamo:eks.oidcProviderArn");
            assert.ok(error.message.includes(`Set dynamo:eks.oidcProviderArn to ${OIDC_PROVIDER_ARN}`), error.message);
        });

        it("refuses a provider without the STS audience, naming the command that adds it", async () => {
            const error = await refusal(checkEksReadiness(fakeAws({ [OIDC_PROVIDER_ARN]: ["sigstore"] }), eksSettings(irsa)));
            assert.match(error.message, /lists sigstore/);
            assert.match(error.message, /aws iam add-client-id-to-open-id-connect-provider .* --client-id sts\.amazonaws\.com/);
        });

        it("refuses a cluster name that AWS does not know", async () => {
            const error = await refusal(checkEksReadiness(fakeAws(), eksSettings({ ...irsa, clusterName: "gpu-typo" })));
            assert.equal(error.key, "dynamo:eks.clusterName");
            assert.match(error.message, /"gpu-typo": no EKS cluster of that name/);
        });

        it("reads no OIDC provider under Pod Identity, nor values still unknown", async () => {
            const aws = fakeAws();
            await checkEksReadiness(aws, eksSettings({}));
            await checkEksReadiness(aws, eksSettings({ ...irsa, oidcProviderArn: pulumi.output(OIDC_PROVIDER_ARN) }));
            assert.deepEqual(
                aws.reads.filter((r) => !r.startsWith("subnet")),
                [],
            );
        });
    });

    describe("subnets and mount targets", () => {
        it("refuses a subnet of another VPC, naming it and both VPCs", async () => {
            const settings = eksSettings({ privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0ddddddddddddddd4"] });
            const error = await refusal(checkEksReadiness(fakeAws(), settings));
            assert.equal(error.key, "dynamo:eks.privateSubnetIds");
            assert.match(error.message, new RegExp(`subnet-0ddddddddddddddd4 is in ${OTHER_VPC}, not in dynamo:eks.vpcId ${VPC_ID}`));
        });

        it("refuses a subnet that does not exist", async () => {
            const error = await refusal(checkEksReadiness(fakeAws(), eksSettings({ privateSubnetIds: ["subnet-0eeeeeeeeeeeeeee5"] })));
            assert.match(error.message, /no subnet subnet-0eeeeeeeeeeeeeee5 in this account and region/);
        });

        it("reports one mount target per zone against the zones of the nodes", async () => {
            const findings = await checkEksReadiness(fakeAws(), { ...eksSettings({}), nodeZones: ["us-west-2a", "us-west-2b"] });
            assert.deepEqual(findings, [
                {
                    subject: "mountTargets",
                    found: "nodes in us-west-2a, us-west-2b",
                    decision: "one mount target per zone: us-west-2a (subnet-0aaaaaaaaaaaaaaa1), us-west-2b (subnet-0bbbbbbbbbbbbbbb2)",
                    level: "info",
                },
            ]);
        });

        it("does not read subnets for an existing file system, which has its mount targets", async () => {
            const aws = fakeAws();
            const findings = await checkEksReadiness(aws, eksSettings({}, { efs: { fileSystemId: "fs-0123456789abcdef0" } }));
            assert.deepEqual([findings, aws.reads], [[], []]);
        });
    });

    describe("mountTargetFindings", () => {
        const placements = Object.values(subnets).filter((s) => s.vpcId === VPC_ID);

        it("warns, naming the zones, when nodes run where no mount target can go", () => {
            const [, uncovered] = mountTargetFindings(placements, ["us-west-2a", "us-west-2b", "us-west-2c"]);
            assert.equal(uncovered.level, "warn");
            assert.equal(uncovered.found, "nodes in us-west-2c, where no subnet of dynamo:eks.privateSubnetIds lies");
            assert.match(uncovered.decision, /mount targets only in us-west-2a, us-west-2b\): add a private subnet of us-west-2c/);
        });

        it("says which subnet of a zone gets its mount target when a zone has more than one", () => {
            const [duplicate, covered] = mountTargetFindings(placements, ["us-west-2a"]);
            assert.equal(duplicate.found, "more than one subnet in a zone: subnet-0ccccccccccccccc3 (us-west-2a)");
            assert.equal(covered.level, "info");
        });

        it("says so when the zones of the nodes were not read", () => {
            const [, placed] = mountTargetFindings(placements, undefined);
            assert.equal(placed.found, "node zones not read");
        });
    });
});
