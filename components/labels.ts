/** Labels this package puts on the objects it creates directly (not through Helm). */

/** On every such object, so this package (and its users) can tell its own objects from the cluster's. */
export const OWNED_LABELS = {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "dynamo-platform",
};

/** What a StorageClass is for; the policy pack checks each role's provisioner. */
export const STORAGE_ROLE_LABEL = "dynamo.nvidia.com/storage-role";

export enum StorageRole {
    /** ReadWriteMany model cache (NFS or EFS). */
    ModelCache = "model-cache",
    /** ReadWriteOnce volumes of etcd and NATS. */
    Persistence = "persistence",
}

/** Labels of a StorageClass this package creates for `role`. */
export function storageClassLabels(role: StorageRole): Record<string, string> {
    return { ...OWNED_LABELS, [STORAGE_ROLE_LABEL]: role };
}
