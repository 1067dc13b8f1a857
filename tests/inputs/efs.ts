/**
 * `dynamo:efs`: the EFS file system of the model cache on EKS and its access point.
 */
import { bad, eks, equal, InputGroup, storageClass } from "./cases";

export const EFS_INPUTS: InputGroup = {
    keys: ["dynamo:efs"],
    bad: [
        bad(
            "type",
            "eks",
            "directory permissions YAML read as a number",
            { "dynamo:efs": { directoryPerms: 700 } },
            "dynamo:efs.directoryPerms",
            'an octal mode as a string, e.g. "700"',
        ),
        bad("type", "eks", "a negative uid", { "dynamo:efs": { uid: -1 } }, "dynamo:efs.uid", "a whole number of a user id, at least 0"),
        bad("type", "eks", "a fractional gid", { "dynamo:efs": { gid: 1.5 } }, "dynamo:efs.gid", "a whole number"),
        bad(
            "type",
            "eks",
            "throughput as a word",
            { "dynamo:efs": { throughputMode: "provisioned", provisionedThroughputMibps: "fast" } },
            "dynamo:efs.provisionedThroughputMibps",
            "a number of MiB/s",
        ),
        bad(
            "type",
            "eks",
            "a misspelt EFS field",
            { "dynamo:efs": { throughput: "elastic" } },
            "dynamo:efs.throughput",
            "did you mean dynamo:efs.throughputMode?",
        ),
        bad(
            "value",
            "eks",
            "a KMS key that is not an ARN",
            { "dynamo:efs": { kmsKeyId: "my-key" } },
            "dynamo:efs.kmsKeyId",
            "a KMS key or alias ARN",
        ),
        bad(
            "value",
            "eks",
            "a file system id that is not fs- and hex",
            { "dynamo:efs": { fileSystemId: "fs-xyz" } },
            "dynamo:efs.fileSystemId",
            "fs- followed by 8 or 17 hex digits",
        ),
        bad(
            "value",
            "eks",
            "zero provisioned throughput",
            { "dynamo:efs": { throughputMode: "provisioned", provisionedThroughputMibps: 0 } },
            "dynamo:efs.provisionedThroughputMibps",
            "at least 1",
        ),
        bad(
            "security",
            "eks",
            "an EFS base path that climbs out",
            { "dynamo:efs": { basePath: "/dynamo/../.." } },
            "dynamo:efs.basePath",
            "an absolute directory below the file system's root",
        ),
        bad(
            "cross-key",
            "eks",
            "MiB/s without provisioned throughput",
            { "dynamo:efs": { provisionedThroughputMibps: 100 } },
            "dynamo:efs.provisionedThroughputMibps",
            'it only applies to "provisioned"',
        ),
        bad(
            "cross-key",
            "eks",
            "deleting an existing file system",
            { "dynamo:efs": { fileSystemId: "fs-0123456789abcdef0", deleteOnDestroy: true } },
            "dynamo:efs.deleteOnDestroy",
            "not this stack's to delete",
        ),
    ],
    valid: [
        {
            name: "shared address space as NFS source, uid and gid as numbers in quotes",
            stack: "eks",
            set: { "dynamo:eks": eks({ vpcCidr: "100.64.0.0/16" }), "dynamo:efs": { uid: "1000", gid: 1000, directoryPerms: "0750" } },
            check: (r) => {
                equal(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.cidrIpv4, "100.64.0.0/16", "NFS source");
                const parameters = storageClass(r, "efs").parameters;
                equal([parameters.uid, parameters.gid, parameters.directoryPerms], ["1000", "1000", "0750"], "access point");
            },
        },
        {
            name: "a KMS alias ARN and provisioned throughput",
            stack: "eks",
            set: {
                "dynamo:efs": {
                    kmsKeyId: "arn:aws:kms:us-west-2:123456789012:alias/models",
                    throughputMode: "provisioned",
                    provisionedThroughputMibps: 256.5,
                },
            },
            check: (r) => {
                const fs = r.one("aws:efs/fileSystem:FileSystem").inputs;
                equal(
                    [fs.kmsKeyId, fs.provisionedThroughputInMibps],
                    ["arn:aws:kms:us-west-2:123456789012:alias/models", 256.5],
                    "file system",
                );
            },
        },
    ],
};
