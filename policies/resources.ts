/** How the policies recognise Dynamo resources among everything a stack registers. */
import { STORAGE_ROLE_LABEL, StorageRole } from "../components/core/labels";
import { PERSISTENCE_CLASS_PATHS } from "../components/core/values";
import { valueAt } from "../components/core/valueTree";
import { CHART_FILE_VERSION_SUFFIX } from "../components/core/versions";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
/** A chart rendered by Pulumi (the `dynamo-crds` chart is installed this way). */
export const HELM_CHART = "kubernetes:helm.sh/v4:Chart";
export const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

/** The Dynamo charts whose versions and names the operator and CRDs depend on. */
export const DYNAMO_CHARTS = ["dynamo-crds", "dynamo-platform"] as const;
export type DynamoChart = (typeof DYNAMO_CHARTS)[number];

/** Provisioners that serve ReadWriteMany volumes: NFS and EFS. */
export const READ_WRITE_MANY_PROVISIONERS = ["nfs.csi.k8s.io", "efs.csi.aws.com"];

/** The subset of a resource that the policies read; both resource and stack arguments fit it. */
export interface ResourceLike {
    type: string;
    urn: string;
    props: Record<string, unknown>;
}

/** The chart name of a release, whether it names a repository chart or a local path or archive. */
export function chartName(props: Record<string, unknown>): string | undefined {
    const chart = props.chart;
    if (typeof chart !== "string") {
        return undefined;
    }
    const base = chart.slice(chart.lastIndexOf("/") + 1).replace(/\.tgz$/, "");
    return base.replace(CHART_FILE_VERSION_SUFFIX, "");
}

/** Which Dynamo chart a resource installs, if it is a Helm release or a rendered chart of one. */
export function dynamoChartOf(resource: ResourceLike): DynamoChart | undefined {
    if (resource.type !== HELM_RELEASE && resource.type !== HELM_CHART) {
        return undefined;
    }
    const name = chartName(resource.props);
    return DYNAMO_CHARTS.find((chart) => chart === name);
}

/** A value deep in a props tree, by path. */
export function at(tree: unknown, ...path: string[]): unknown {
    return path.reduce<unknown>(
        (node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        tree,
    );
}

/** The role label of a StorageClass this package (or a user following its convention) created. */
export function storageRole(resource: ResourceLike): StorageRole | undefined {
    if (resource.type !== STORAGE_CLASS) {
        return undefined;
    }
    const role = at(resource.props, "metadata", "labels", STORAGE_ROLE_LABEL);
    return Object.values(StorageRole).find((r) => r === role);
}

/** The StorageClass names the platform chart puts etcd and NATS volumes on. */
export function persistenceClassesOf(platformRelease: ResourceLike): string[] {
    const values = platformRelease.props.values;
    return PERSISTENCE_CLASS_PATHS.map((path) => valueAt(values, path)).filter(
        (name): name is string => typeof name === "string" && name !== "",
    );
}

/** The `metadata.name` of a Kubernetes object's props. */
export function objectName(resource: ResourceLike): string | undefined {
    const name = at(resource.props, "metadata", "name");
    return typeof name === "string" ? name : undefined;
}
