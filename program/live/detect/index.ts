/**
 * Auto-configuration: what the live cluster already has, and what the program does about it.
 * The rules (platform.ts, preflight.ts, eks.ts) are plain logic over a ClusterReader, so they are
 * tested with a fake cluster.
 *
 * Objects this stack created carry its owner label (tag on AWS) and count as its own, so a second
 * run decides the same as the first and plans no changes.
 */
import { DynamoPlatformArgs } from "../../../components/core/args";
import { ClusterReader } from "../reader";
import { EKS_RULES } from "./eks";
import {
    detectCluster,
    detectCrdsHandOver,
    detectGpuOperator,
    detectIngress,
    detectInstalledRelease,
    detectKeptSubcharts,
    detectMonitoringCrds,
    detectNamespace,
    detectPrometheus,
    detectStorage,
} from "./platform";
import { PREFLIGHT_RULES } from "./preflight";
import { checkDeployerPermissions } from "./permissions";
import { Detection, DetectionInput, DetectionRule } from "./types";

/** Every rule, in the order its decisions are reported. */
const DETECTION_RULES: DetectionRule[] = [
    detectCluster,
    detectNamespace,
    detectInstalledRelease,
    detectKeptSubcharts,
    detectCrdsHandOver,
    ...PREFLIGHT_RULES,
    detectPrometheus,
    detectMonitoringCrds,
    detectGpuOperator,
    detectStorage,
    detectIngress,
    ...EKS_RULES,
];

/**
 * Reads the cluster and decides. The rules read at the same time; their decisions keep the order
 * of {@link DETECTION_RULES}, and when rules fail, the first failing rule's error is the one thrown
 * (a {@link DynamoConfigError} where the config cannot work on this cluster).
 */
export async function detect(reader: ClusterReader, input: DetectionInput): Promise<Detection> {
    await checkDeployerPermissions(reader, input.settings);
    const outcomes = await Promise.allSettled(
        DETECTION_RULES.map(async (rule) => {
            const part: Detection = { decisions: [] };
            await rule(reader, input, part);
            return part;
        }),
    );
    const detection: Detection = { decisions: [] };
    for (const outcome of outcomes) {
        if (outcome.status === "rejected") {
            throw outcome.reason;
        }
        Object.assign(detection, outcome.value, { decisions: [...detection.decisions, ...outcome.value.decisions] });
    }
    return detection;
}

/** A detection that did not run, with the reason, so the explicit config applies. */
export function skippedDetection(reason: string): Detection {
    return {
        decisions: [
            { subject: "cluster", found: reason, decision: "auto-configuration skipped; the explicit config applies", level: "info" },
        ],
    };
}

/** The component arguments with the detected choices applied; explicit config keeps precedence where it has it. */
export function applyDetection(args: DynamoPlatformArgs, detection: Detection): DynamoPlatformArgs {
    const applied: DynamoPlatformArgs = { ...args };
    if (detection.prometheusEndpoint !== undefined && args.prometheusEndpoint === undefined && args.monitoringStack === undefined) {
        applied.prometheusEndpoint = detection.prometheusEndpoint;
    }
    if (detection.installLocalPath !== undefined) {
        applied.localPath = { ...args.localPath, install: detection.installLocalPath };
    }
    for (const field of ["installGrove", "installKaiScheduler", "installNats"] as const) {
        if (detection[field] !== undefined && args[field] === undefined) {
            applied[field] = detection[field];
        }
    }
    if (args.installedReleaseVersion === undefined) {
        applied.installedReleaseVersion = detection.installedReleaseVersion;
    }
    if (detection.discoveryBackend !== undefined && args.discoveryBackend === undefined) {
        applied.discoveryBackend = detection.discoveryBackend;
    }
    if (args.crdsHandOver === undefined && detection.crdsHandOver !== undefined) {
        applied.crdsHandOver = detection.crdsHandOver;
    }
    if (args.eks) {
        const eks = { ...args.eks };
        if (detection.installEfsCsiDriver !== undefined) {
            eks.installEfsCsiDriver = detection.installEfsCsiDriver;
        }
        for (const field of ["autoMode", "installPodIdentityAgent"] as const) {
            if (detection[field] !== undefined && args.eks[field] === undefined) {
                eks[field] = detection[field];
            }
        }
        // On a cluster found to run Auto Mode, asking for block storage means Auto Mode's own, so one
        // stack config serves standard and Auto Mode clusters.
        if (detection.autoMode && args.eks.autoMode === undefined) {
            eks.installEbsCsiDriver = false;
        }
        if (detection.existingEbsCsiDriver && args.eks.existingEbsCsiDriver === undefined) {
            eks.existingEbsCsiDriver = true;
        }
        // Block storage asked for and already there under that name: used as it is, like any class
        // this stack does not own.
        if (detection.useExistingBlockStorageClass !== undefined) {
            eks.installEbsCsiDriver = false;
            eks.createBlockStorageClass = false;
            applied.persistenceStorageClass = detection.useExistingBlockStorageClass;
        }
        applied.eks = eks;
    }
    return applied;
}
