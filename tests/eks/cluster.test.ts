import { strict as assert } from "assert";
import { DynamoConfigError } from "../../components/core/errors";
import { connectEksCluster, DynamoEksCluster, readClusterStack } from "../../components/eks/cluster";
import { layoutSubnets } from "../../components/core/network";
import { awsCalls, eksClusterState, OIDC_PROVIDER_ARN } from "../awsMocks";
import { resolved, runWithMocks, secretValue } from "../harness";

describe("EKS cluster", () => {
    describe("layoutSubnets", () => {
        it("gives each zone a private quarter and a small public subnet from the last quarter", () => {
            assert.deepEqual(layoutSubnets("10.0.0.0/16", 3), {
                privateCidrs: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
                publicCidrs: ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
            });
            assert.deepEqual(layoutSubnets("172.20.16.0/20", 2), {
                privateCidrs: ["172.20.16.0/22", "172.20.20.0/22"],
                publicCidrs: ["172.20.28.0/26", "172.20.28.64/26"],
            });
        });
        for (const [cidr, zones] of [
            ["10.0.0.0/8", 2],
            ["10.0.0.0/24", 2],
            ["10.0.0.300/16", 2],
            ["10.0.0.0/16", 1],
            ["10.0.0.0/16", 5],
        ] as const) {
            it(`refuses ${cidr} over ${zones} zones`, () => assert.throws(() => layoutSubnets(cidr, zones)));
        }
    });

    describe("a new cluster", () => {
        it("builds a private/public VPC over the zones and an EKS cluster with an OIDC provider", async () => {
            let created: DynamoEksCluster | undefined;
            const recording = await runWithMocks(
                () => {
                    created = new DynamoEksCluster("dynamo", { clusterName: "dynamo-dev", availabilityZoneCount: 3, tags: { env: "dev" } });
                },
                { calls: awsCalls, resourceState: eksClusterState },
            );
            const subnets = recording.ofType("aws:ec2/subnet:Subnet");
            const privateSubnets = subnets.filter((s) => s.inputs.tags["kubernetes.io/role/internal-elb"] === "1");
            assert.deepEqual(
                privateSubnets.map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch]),
                [
                    ["us-west-2a", "10.0.0.0/18", false],
                    ["us-west-2b", "10.0.64.0/18", false],
                    ["us-west-2c", "10.0.128.0/18", false],
                ],
            );
            assert.equal(subnets.filter((s) => s.inputs.tags["kubernetes.io/role/elb"] === "1").length, 3);
            assert.equal(recording.ofType("aws:ec2/natGateway:NatGateway").length, 1);
            const cluster = recording.one("eks:index:Cluster");
            assert.equal(cluster.inputs.name, "dynamo-dev");
            assert.equal(cluster.inputs.createOidcProvider, true);
            assert.equal(cluster.inputs.nodeAssociatePublicIpAddress, false);
            assert.deepEqual(cluster.inputs.privateSubnetIds, ["dynamo-private-0-id", "dynamo-private-1-id", "dynamo-private-2-id"]);
            assert.match(await resolved(created!.kubeconfig), /dynamo-dev/);
            assert.equal(await resolved(created!.oidcProviderArn), OIDC_PROVIDER_ARN);
            assert.deepEqual(await resolved(created!.privateSubnetIds), [
                "dynamo-private-0-id",
                "dynamo-private-1-id",
                "dynamo-private-2-id",
            ]);
        });
    });

    const clusterStackOutputs = {
        clusterName: "prod-gpu",
        vpcId: "vpc-0123456789abcdef0",
        privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
        oidcProviderArn: OIDC_PROVIDER_ARN,
        kubeconfig: '{"apiVersion":"v1"}',
    };

    it("reads an existing cluster's coordinates and kubeconfig from its stack, config winning", async () => {
        let connected: ReturnType<typeof connectEksCluster> | undefined;
        const recording = await runWithMocks(
            async () => {
                const outputs = await readClusterStack("dynamo", "acme/eks/prod", "dynamo:eks.clusterStack");
                connected = connectEksCluster(
                    "dynamo",
                    { kind: "stack", stack: "acme/eks/prod", outputs },
                    { clusterName: undefined as unknown as string, vpcId: "vpc-0fedcba9876543210" },
                );
            },
            { stackOutputs: { "acme/eks/prod": clusterStackOutputs } },
        );
        assert.equal(recording.one("pulumi:pulumi:StackReference").inputs.name, "acme/eks/prod");
        assert.equal(secretValue(recording.one("pulumi:providers:kubernetes").inputs.kubeconfig), '{"apiVersion":"v1"}');
        assert.equal(connected!.eks.clusterName, "prod-gpu");
        assert.equal(connected!.eks.vpcId, "vpc-0fedcba9876543210");
        assert.deepEqual(connected!.eks.privateSubnetIds, ["subnet-0aaaaaaaaaaaaaaa1"]);
    });

    for (const [output, value, fragment] of [
        ["vpcId", "vpc-XYZ", "a VPC id such as"],
        ["privateSubnetIds", "subnet-0aaaaaaaaaaaaaaa1", "a list such as"],
        ["kubeconfig", undefined, 'has no output "kubeconfig"'],
    ] as const) {
        it(`refuses a cluster stack whose ${output} is ${JSON.stringify(value)}, before anything is created`, async () => {
            const recording = await runWithMocks(() => readClusterStack("dynamo", "acme/eks/prod", "dynamo:eks.clusterStack"), {
                stackOutputs: { "acme/eks/prod": { ...clusterStackOutputs, [output]: value } },
                expectFailure: true,
            });
            const error = recording.error as DynamoConfigError;
            assert.ok(error instanceof DynamoConfigError, String(error));
            assert.equal(error.key, "dynamo:eks.clusterStack");
            assert.ok(error.message.includes(fragment), error.message);
            assert.deepEqual(
                recording.resources.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
                ["pulumi:pulumi:StackReference"],
            );
        });
    }
});
