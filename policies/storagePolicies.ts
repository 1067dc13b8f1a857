/** Policies on the two kinds of storage: ReadWriteMany model cache, ReadWriteOnce etcd/NATS. */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { StorageRole } from "../components/core/labels";
import { dynamoChartOf, objectName, persistenceClassesOf, READ_WRITE_MANY_PROVISIONERS, storageRole, STORAGE_CLASS } from "./resources";

export const modelCacheReadWriteMany: ResourceValidationPolicy = {
    name: "dynamo-model-cache-read-write-many",
    description:
        "The model-cache StorageClass must use a ReadWriteMany provisioner (NFS or EFS CSI): every worker replica mounts the same model files.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (storageRole(args) === StorageRole.ModelCache && !READ_WRITE_MANY_PROVISIONERS.includes(String(args.props.provisioner))) {
            reportViolation(
                `Model-cache StorageClass ${objectName(args)} uses provisioner ${JSON.stringify(args.props.provisioner)}, which does not serve ReadWriteMany; use ${READ_WRITE_MANY_PROVISIONERS.join(" or ")}.`,
            );
        }
    },
};

export const persistenceNotOnNetworkStorage: StackValidationPolicy = {
    name: "dynamo-persistence-not-on-nfs",
    description:
        "etcd and NATS volumes must not be on NFS or EFS: fsync latency on network file systems destabilises etcd. Use block storage.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const classes = args.resources.filter((r) => r.type === STORAGE_CLASS);
        const isNetworkFileSystem = (c: (typeof classes)[number]) =>
            READ_WRITE_MANY_PROVISIONERS.includes(String(c.props.provisioner)) || storageRole(c) === StorageRole.ModelCache;
        for (const c of classes) {
            if (storageRole(c) === StorageRole.Persistence && isNetworkFileSystem(c)) {
                reportViolation(
                    `Persistence StorageClass ${objectName(c)} uses the network file system provisioner ${c.props.provisioner}.`,
                    c.urn,
                );
            }
        }
        for (const platform of args.resources.filter((r) => dynamoChartOf(r) === "dynamo-platform")) {
            for (const className of persistenceClassesOf(platform)) {
                const target = classes.find((c) => objectName(c) === className);
                if (target !== undefined && isNetworkFileSystem(target)) {
                    reportViolation(
                        `etcd/NATS persistence uses StorageClass ${className} (${target.props.provisioner}), a network file system; set dynamo:persistenceStorageClass to a block-storage class.`,
                        platform.urn,
                    );
                }
            }
        }
    },
};
