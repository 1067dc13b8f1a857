/** Labels this package puts on the objects it creates directly (not through Helm). */
import * as pulumi from "@pulumi/pulumi";

/** Names the stack that created an object: auto-configuration treats such objects as its own. */
export const OWNER_LABEL = "dynamo.nvidia.com/owner";

/** What a StorageClass is for; the policy pack checks each role's provisioner. */
export const STORAGE_ROLE_LABEL = "dynamo.nvidia.com/storage-role";

export enum StorageRole {
    /** ReadWriteMany model cache (NFS or EFS). */
    ModelCache = "model-cache",
    /** ReadWriteOnce volumes of etcd and NATS. */
    Persistence = "persistence",
}

/**
 * The owner value for the running stack, `<project>.<stack>`, shaped as a label value (at most 63
 * characters of letters, digits, `-`, `_` and `.`), so it also fits an AWS tag.
 */
export function stackOwner(project = pulumi.getProject(), stack = pulumi.getStack()): string {
    const value = `${project}.${stack}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63);
    return value.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "pulumi";
}

/** Labels of every object this package creates, marking it as this stack's. */
export function ownedLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "dynamo-platform",
        [OWNER_LABEL]: stackOwner(),
    };
}

/** Labels of a StorageClass this package creates for `role`. */
export function storageClassLabels(role: StorageRole): Record<string, string> {
    return { ...ownedLabels(), [STORAGE_ROLE_LABEL]: role };
}
