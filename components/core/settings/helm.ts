/** What the component gives Helm beside the charts: the release options, and the user's values with their limits. */
import { HelmReleaseOptionsArgs } from "../args";
import { DynamoConfigError } from "../errors";
import { unpinnedImagesInValues } from "../images";
import { PINNED_IMAGE } from "../rules";
import { HELM_RELEASE_OPTIONS_SHAPE } from "../schema";
import { foreignSwitchKeys, PERSISTENCE_CLASS_PATHS } from "../values";
import { valueAt, Values } from "../valueTree";
import { ChartLine } from "../versions";
import { HelmReleaseOptions } from "./types";

export function resolveHelmReleaseOptions(
    options: HelmReleaseOptionsArgs | undefined,
    skipAwait: boolean,
    key: (field: string) => string,
): HelmReleaseOptions {
    const atomic = options?.atomic ?? HELM_RELEASE_OPTIONS_SHAPE.atomic.default;
    if (atomic && skipAwait) {
        throw DynamoConfigError.conflict(
            key("helmReleaseOptions.atomic"),
            key("skipAwait"),
            "an atomic release waits for its workloads to roll back a failure, which skipAwait turns off",
        );
    }
    return { timeout: options?.timeout, atomic, maxHistory: options?.maxHistory };
}

/** What the helm values may not do, judged against the settings the component itself applies. */
export interface HelmValuesContext {
    chartLine: ChartLine;
    /** The ReadWriteMany model-cache class, which must never hold etcd or NATS data. */
    storageClass: string;
}

/**
 * Checks `helmValues` (once known) against what the component guarantees: etcd and NATS off the
 * model-cache class, pinned images, the release name the operator relies on, and only the subchart
 * switches this chart line reads.
 */
export function checkHelmValues(key: string, values: Values, context: HelmValuesContext): Values {
    for (const path of PERSISTENCE_CLASS_PATHS) {
        if (valueAt(values, path) === context.storageClass) {
            throw DynamoConfigError.invalid(
                `${key}.${path.join(".")}`,
                context.storageClass,
                "a ReadWriteOnce block-storage class (set it with persistenceStorageClass)",
                `"${context.storageClass}" is the ReadWriteMany model-cache class, and etcd and NATS on NFS/EFS suffer fsync latency`,
            );
        }
    }
    const unpinned = unpinnedImagesInValues(values);
    if (unpinned.length > 0) {
        throw DynamoConfigError.invalid(
            `${key}.${unpinned[0]}`,
            valueAt(values, unpinned[0].split(/[.[\]]+/).filter(Boolean)),
            PINNED_IMAGE.accepted,
        );
    }
    if (values.fullnameOverride !== undefined) {
        throw DynamoConfigError.invalid(
            `${key}.fullnameOverride`,
            values.fullnameOverride,
            "no override of the chart's full name",
            "the operator finds etcd and NATS as dynamo-platform-etcd and dynamo-platform-nats",
        );
    }
    const foreign = foreignSwitchKeys(context.chartLine.layout, values);
    if (foreign.length > 0) {
        throw DynamoConfigError.invalid(
            `${key}.${foreign[0]}`,
            valueAt(values, foreign[0].split(".")),
            `the switches release ${context.chartLine.platformChartVersion} reads, set through groveEnabled, kaiSchedulerEnabled and discoveryBackend`,
            `release ${context.chartLine.platformChartVersion} does not read this key (the 1.2+ charts refuse it, the others ignore it)`,
        );
    }
    const operator = ["dynamo-operator"];
    const ownership = valueAt(values, [...operator, "apiOwnership", "enabled"]);
    const upgradeCrd = valueAt(values, [...operator, "upgradeCRD"]);
    if (context.chartLine.crdsChartVersion === undefined && ownership === false && upgradeCrd !== false) {
        throw DynamoConfigError.invalid(
            `${key}.dynamo-operator.apiOwnership.enabled`,
            ownership,
            `true (the chart's default) while the operator applies the CRDs, or also ${key}.dynamo-operator.upgradeCRD false for an operator that does not own them`,
            "the charts that read it refuse to render an operator that applies the CRDs without owning their API",
        );
    }
    return values;
}
