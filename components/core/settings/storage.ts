/**
 * Storage: the ReadWriteMany model-cache class (NFS on plain Kubernetes), local-path-provisioner
 * for etcd and NATS, and which class each uses.
 */
import { LocalPathArgs, NfsArgs, Platform } from "../args";
import { EKS_GP3_CLASS } from "../eksFacts";
import { DynamoConfigError } from "../errors";
import { LOCAL_PATH_SHAPE, NFS_SHAPE } from "../schema";
import { addOnChartSource } from "./charts";
import { ChartSource, EksSettings, LocalPathSettings, NfsSettings } from "./types";

/** The class local-path-provisioner serves when `persistenceStorageClass` does not name another. */
export const DEFAULT_LOCAL_PATH_CLASS = "local-path";

export function resolveNfs(key: string, nfs: NfsArgs | undefined, dynamoCharts: ChartSource): NfsSettings | undefined {
    if (nfs === undefined) {
        return undefined;
    }
    for (const field of ["server", "share"] as const) {
        if (nfs[field] === undefined) {
            throw DynamoConfigError.invalid(
                `${key}.${field}`,
                undefined,
                field === "server"
                    ? "the NFS server's host name or IP address"
                    : "the exported directory as an absolute path, e.g. /exports/models",
            );
        }
    }
    return {
        server: nfs.server,
        share: nfs.share,
        mountOptions: nfs.mountOptions ?? [...NFS_SHAPE.mountOptions.default],
        installDriver: nfs.installDriver ?? NFS_SHAPE.installDriver.default,
        driverChartVersion: nfs.driverChartVersion ?? NFS_SHAPE.driverChartVersion.default,
        driverChartSource: addOnChartSource(
            `${key}.driverChartRepository`,
            nfs.driverChartRepository ?? NFS_SHAPE.driverChartRepository.default,
            dynamoCharts,
        ),
        reclaimPolicy: (nfs.reclaimPolicy as NfsSettings["reclaimPolicy"] | undefined) ?? NFS_SHAPE.reclaimPolicy.default,
    };
}

export function resolveLocalPath(localPath: LocalPathArgs | undefined): LocalPathSettings | undefined {
    if (!(localPath?.install ?? LOCAL_PATH_SHAPE.install.default)) {
        return undefined;
    }
    return {
        nodePath: localPath?.nodePath ?? LOCAL_PATH_SHAPE.nodePath.default,
        image: localPath?.image ?? LOCAL_PATH_SHAPE.image.default,
        helperImage: localPath?.helperImage ?? LOCAL_PATH_SHAPE.helperImage.default,
    };
}

/** The model-cache class and the etcd/NATS class, which must never be the same. */
export function resolveStorageClasses(
    key: (field: string) => string,
    platform: Platform,
    explicit: { storageClass?: string; persistenceStorageClass?: string },
    localPath: LocalPathSettings | undefined,
    eks: EksSettings | undefined,
): { storageClass: string; persistenceStorageClass?: string } {
    const storageClass = explicit.storageClass ?? (platform === Platform.Eks ? "efs" : "nfs");
    const persistenceStorageClass =
        explicit.persistenceStorageClass ?? (localPath ? DEFAULT_LOCAL_PATH_CLASS : eks?.blockStorageClass ? EKS_GP3_CLASS : undefined);
    if (persistenceStorageClass === storageClass) {
        throw DynamoConfigError.conflict(
            key("persistenceStorageClass"),
            key("storageClass"),
            `etcd and NATS need ReadWriteOnce block storage, not the ReadWriteMany model-cache class "${storageClass}" (fsync latency on NFS/EFS)`,
        );
    }
    return { storageClass, persistenceStorageClass };
}
