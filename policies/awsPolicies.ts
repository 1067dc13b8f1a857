/** Policies on the AWS side of EKS mode: EFS encryption, network exposure, CSI driver permissions. */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { admitsWorld } from "../components/core/network";

export const efsEncrypted: ResourceValidationPolicy = {
    name: "efs-encrypted",
    description: "EFS file systems must be encrypted at rest: they hold model weights, which are often licensed or proprietary.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === "aws:efs/fileSystem:FileSystem" && args.props.encrypted !== true) {
            reportViolation("The EFS file system is not encrypted at rest; set encrypted: true (with a KMS key if you need your own).");
        }
    },
};

function list(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function portRange(rule: Record<string, unknown>): string {
    const from = rule.fromPort;
    const to = rule.toPort;
    if (rule.protocol === "-1" || rule.ipProtocol === "-1") {
        return "all ports";
    }
    const nfs = typeof from === "number" && typeof to === "number" && from <= 2049 && 2049 <= to ? " (NFS)" : "";
    return from === to ? `port ${from}${nfs}` : `ports ${from}-${to}${nfs}`;
}

export const noWorldOpenIngress: ResourceValidationPolicy = {
    name: "no-world-open-ingress",
    description:
        "No security group may admit traffic from 0.0.0.0/0 or ::/0; NFS (2049) in particular must stay inside the cluster's network.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const report = (rule: Record<string, unknown>, sources: string[]) => {
            const open = sources.filter(admitsWorld);
            if (open.length > 0) {
                reportViolation(
                    `A security group rule admits ${portRange(rule)} from ${open.join(" and ")}; restrict it to the VPC CIDR or a security group.`,
                );
            }
        };
        switch (args.type) {
            case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
                report(
                    args.props,
                    [args.props.cidrIpv4, args.props.cidrIpv6].filter((s): s is string => typeof s === "string"),
                );
                break;
            case "aws:ec2/securityGroupRule:SecurityGroupRule":
                if (args.props.type === "ingress") {
                    report(args.props, [...list(args.props.cidrBlocks), ...list(args.props.ipv6CidrBlocks)]);
                }
                break;
            case "aws:ec2/securityGroup:SecurityGroup":
                for (const rule of Array.isArray(args.props.ingress) ? (args.props.ingress as Record<string, unknown>[]) : []) {
                    report(rule, [...list(rule.cidrBlocks), ...list(rule.ipv6CidrBlocks)]);
                }
                break;
        }
    },
};

/** Actions of an IAM policy document that grant everything, or everything of a service. */
export function wildcardActions(document: unknown): string[] {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            return [];
        }
    }
    const statements = (parsed as { Statement?: unknown })?.Statement;
    return (Array.isArray(statements) ? statements : statements ? [statements] : [])
        .filter((s: { Effect?: string }) => s.Effect === "Allow")
        .flatMap((s: { Action?: unknown }) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
        .filter((action): action is string => typeof action === "string" && (action === "*" || action.endsWith(":*")));
}

export const noWildcardIamActions: ResourceValidationPolicy = {
    name: "no-wildcard-iam-actions",
    description:
        "IAM policies in the stack must not allow '*' or 'service:*' actions; the CSI drivers need only their AWS managed policies.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const documents: unknown[] = [];
        if (args.type === "aws:iam/policy:Policy" || args.type === "aws:iam/rolePolicy:RolePolicy") {
            documents.push(args.props.policy);
        } else if (args.type === "aws:iam/role:Role" && Array.isArray(args.props.inlinePolicies)) {
            documents.push(...args.props.inlinePolicies.map((p: { policy?: unknown }) => p.policy));
        }
        const wildcards = documents.flatMap(wildcardActions);
        if (wildcards.length > 0) {
            reportViolation(`The IAM policy allows the wildcard actions ${wildcards.join(", ")}; grant only the actions needed.`);
        }
    },
};

const EFS_CSI_MANAGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/service-role\/AmazonEFSCSIDriverPolicy$/;

export const efsCsiRoleUsesManagedPolicy: StackValidationPolicy = {
    name: "efs-csi-role-managed-policy",
    description:
        "The aws-efs-csi-driver add-on must run with an IAM role (Pod Identity or IRSA) that holds the AWS managed AmazonEFSCSIDriverPolicy; without one, every volume fails with Access Denied.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const addons = args.resources.filter((r) => r.type === "aws:eks/addon:Addon" && r.props.addonName === "aws-efs-csi-driver");
        const hasManagedPolicy = args.resources.some(
            (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && EFS_CSI_MANAGED_POLICY.test(String(r.props.policyArn)),
        );
        for (const addon of addons) {
            const associations = addon.props.podIdentityAssociations;
            const bound = (Array.isArray(associations) && associations.length > 0) || addon.props.serviceAccountRoleArn !== undefined;
            if (!bound) {
                reportViolation(
                    "The aws-efs-csi-driver add-on has no IAM role: give it a pod identity association or serviceAccountRoleArn for efs-csi-controller-sa.",
                    addon.urn,
                );
            } else if (!hasManagedPolicy) {
                reportViolation(
                    "The aws-efs-csi-driver add-on's role is not attached to the AWS managed AmazonEFSCSIDriverPolicy in this stack.",
                    addon.urn,
                );
            }
        }
    },
};
