import { strict as assert } from "assert";
import {
    efsCsiRoleUsesManagedPolicy,
    efsEncrypted,
    noWildcardIamActions,
    noWorldOpenIngress,
    wildcardActions,
} from "../../policies/awsPolicies";
import { policyResource, resourceArgs, stackArgs, violations } from "./policyHarness";

const ADDON = "aws:eks/addon:Addon";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

describe("AWS policies", () => {
    describe("efs-encrypted (mandatory)", () => {
        it("passes an encrypted file system", async () =>
            assert.deepEqual(await violations(efsEncrypted, resourceArgs("aws:efs/fileSystem:FileSystem", { encrypted: true })), []));
        for (const encrypted of [false, undefined]) {
            it(`reports encrypted: ${encrypted}`, async () =>
                assert.equal((await violations(efsEncrypted, resourceArgs("aws:efs/fileSystem:FileSystem", { encrypted }))).length, 1));
        }
    });

    describe("no-world-open-ingress (mandatory)", () => {
        const rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
        it("passes NFS from the VPC CIDR", async () =>
            assert.deepEqual(
                await violations(
                    noWorldOpenIngress,
                    resourceArgs(rule, { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: "10.0.0.0/16" }),
                ),
                [],
            ));
        it("reports NFS from 0.0.0.0/0, naming the port", async () => {
            const found = await violations(
                noWorldOpenIngress,
                resourceArgs(rule, { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: "0.0.0.0/0" }),
            );
            assert.match(found[0].message, /port 2049 \(NFS\) from 0\.0\.0\.0\/0/);
        });
        it("reports ::/0", async () => {
            const found = await violations(
                noWorldOpenIngress,
                resourceArgs(rule, { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" }),
            );
            assert.match(found[0].message, /::\/0/);
        });
        it("reports inline security group rules and legacy rules", async () => {
            const inline = await violations(
                noWorldOpenIngress,
                resourceArgs("aws:ec2/securityGroup:SecurityGroup", {
                    ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
                }),
            );
            assert.match(inline[0].message, /all ports/);
            const legacy = await violations(
                noWorldOpenIngress,
                resourceArgs("aws:ec2/securityGroupRule:SecurityGroupRule", {
                    type: "ingress",
                    protocol: "tcp",
                    fromPort: 2000,
                    toPort: 3000,
                    cidrBlocks: ["0.0.0.0/0"],
                }),
            );
            assert.match(legacy[0].message, /ports 2000-3000 \(NFS\)/);
        });
        it("lets egress to anywhere pass", async () =>
            assert.deepEqual(
                await violations(
                    noWorldOpenIngress,
                    resourceArgs("aws:ec2/securityGroupRule:SecurityGroupRule", {
                        type: "egress",
                        protocol: "-1",
                        cidrBlocks: ["0.0.0.0/0"],
                    }),
                ),
                [],
            ));
    });

    describe("no-wildcard-iam-actions (mandatory)", () => {
        it("finds * and service:* actions in allow statements only", () => {
            assert.deepEqual(
                wildcardActions({
                    Statement: [
                        { Effect: "Allow", Action: ["elasticfilesystem:*", "ec2:DescribeSubnets"] },
                        { Effect: "Deny", Action: "*" },
                    ],
                }),
                ["elasticfilesystem:*"],
            );
        });
        it("passes a least-privilege policy", async () => {
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "elasticfilesystem:DescribeAccessPoints", Resource: "*" }],
            });
            assert.deepEqual(await violations(noWildcardIamActions, resourceArgs("aws:iam/policy:Policy", { policy })), []);
        });
        it("reports Action * in a policy and in a role's inline policy", async () => {
            const policy = JSON.stringify({ Statement: { Effect: "Allow", Action: "*", Resource: "*" } });
            assert.equal((await violations(noWildcardIamActions, resourceArgs("aws:iam/rolePolicy:RolePolicy", { policy }))).length, 1);
            assert.equal(
                (await violations(noWildcardIamActions, resourceArgs("aws:iam/role:Role", { inlinePolicies: [{ name: "all", policy }] })))
                    .length,
                1,
            );
        });
    });

    describe("efs-csi-role-managed-policy (mandatory, stack)", () => {
        const attachment = policyResource(
            ATTACHMENT,
            { policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy" },
            "att",
        );
        const addon = (props: Record<string, unknown>) =>
            policyResource(ADDON, { addonName: "aws-efs-csi-driver", clusterName: "c", ...props }, "efs");

        it("passes a Pod Identity binding with the managed policy", async () => {
            const resources = [
                attachment,
                addon({ podIdentityAssociations: [{ roleArn: "arn:aws:iam::1:role/x", serviceAccount: "efs-csi-controller-sa" }] }),
            ];
            assert.deepEqual(await violations(efsCsiRoleUsesManagedPolicy, stackArgs(resources)), []);
        });
        it("passes IRSA with the managed policy in another partition", async () => {
            const govAttachment = policyResource(
                ATTACHMENT,
                { policyArn: "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy" },
                "att",
            );
            assert.deepEqual(
                await violations(
                    efsCsiRoleUsesManagedPolicy,
                    stackArgs([govAttachment, addon({ serviceAccountRoleArn: "arn:aws:iam::1:role/x" })]),
                ),
                [],
            );
        });
        it("reports an add-on without a role (Access Denied)", async () => {
            const found = await violations(efsCsiRoleUsesManagedPolicy, stackArgs([attachment, addon({})]));
            assert.match(found[0].message, /no IAM role/);
        });
        it("reports a role without the managed policy", async () => {
            const custom = policyResource(ATTACHMENT, { policyArn: "arn:aws:iam::123456789012:policy/efs-all" }, "att");
            const found = await violations(
                efsCsiRoleUsesManagedPolicy,
                stackArgs([custom, addon({ serviceAccountRoleArn: "arn:aws:iam::1:role/x" })]),
            );
            assert.match(found[0].message, /AmazonEFSCSIDriverPolicy/);
        });
    });
});
