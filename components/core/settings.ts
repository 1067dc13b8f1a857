/**
 * Validation and defaults: turns {@link DynamoPlatformArgs} into plain, fully-resolved settings.
 *
 * The schema ({@link checkArgs}) checks every field's shape and value first; this file adds the
 * rules that span several fields and applies the defaults. Pure functions only, so every rule is
 * tested without a Pulumi runtime. Each error names the config key (or argument path) through
 * `keyPrefix`, the bad value and what is accepted.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import {
    DiscoveryBackend,
    DynamoPlatformArgs,
    EfsArgs,
    EksArgs,
    EksIdentity,
    HelmReleaseOptionsArgs,
    ImagePullSecretArgs,
    IngressArgs,
    LocalPathArgs,
    NfsArgs,
    Platform,
    TolerationArgs,
} from "./args";
import { DynamoConfigError } from "./errors";
import {
    checkImageOverrides,
    INGRESS_NGINX_IMAGE_SLOTS,
    ImageSettings,
    ImageSlot,
    localPathImageSlots,
    movedSetting,
    NFS_DRIVER_IMAGE_SLOTS,
    platformImageSlots,
} from "./imageCatalog";
import { unpinnedImagesInValues } from "./images";
import { isPrivateIpv4 } from "./network";
import { PlacementSettings, resolvePlacement } from "./placement";
import { PINNED_IMAGE, RELEASE_VERSION } from "./rules";
import { checkArgs, isUnresolved } from "./schema";
import { foreignSwitchKeys, PERSISTENCE_CLASS_PATHS, valueAt, Values } from "./values";
import { formatUpgradePlan, planUpgrade, UpgradePlan } from "./upgrades";
import {
    CHART_LINES,
    ChartLine,
    chartLineFor,
    compareReleases,
    crdsVersionFor,
    crdsVersionProblem,
    OLDEST_SUPPORTED_RELEASE,
    parseReleaseVersion,
    ReleaseVersion,
    TESTED_RELEASES,
    ValuesLayout,
} from "./versions";

export const DEFAULT_NAMESPACE = "dynamo-system";
export const DEFAULT_CHART_REPOSITORY = "https://helm.ngc.nvidia.com/nvidia/ai-dynamo";
export const DEFAULT_LOCAL_PATH_CLASS = "local-path";
export const NFS_DRIVER_CHART_REPOSITORY = "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts";
export const NFS_DRIVER_CHART_VERSION = "4.13.4";
export const INGRESS_NGINX_CHART_REPOSITORY = "https://kubernetes.github.io/ingress-nginx";
export const INGRESS_NGINX_CHART_VERSION = "4.14.0";
export const LOCAL_PATH_IMAGE = "docker.io/rancher/local-path-provisioner:v0.0.37";
export const LOCAL_PATH_HELPER_IMAGE = "docker.io/library/busybox:1.37.0";
export const DEFAULT_PULL_SECRET_NAME = "nvcr-imagepullsecret";

/** Control-plane pods must fit on clusters whose only nodes are GPU nodes. */
export const GPU_TOLERATION: Toleration = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
/** EKS Auto Mode nodes are tainted by compute type; the platform must still schedule there. */
export const EKS_AUTO_MODE_TOLERATION: Toleration = { key: "eks.amazonaws.com/compute-type", operator: "Exists" };
export const EKS_GP3_CLASS = "gp3";

/** A toleration as the chart values take it. */
export interface Toleration {
    key?: string;
    operator: string;
    value?: string;
    effect?: string;
}

/** Where a chart is read from. */
export type ChartSource = (
    | {
          /** An http(s) Helm repository, or an OCI registry path (`oci://…`). */
          kind: "repository";
          url: string;
          username?: string;
          password?: pulumi.Input<string>;
          caFile?: string;
      }
    | { kind: "local"; directory: string }
) & {
    /** The config key or argument that chose this source, for error messages. */
    key: string;
};

export interface NfsSettings {
    server: string;
    share: string;
    mountOptions: string[];
    installDriver: boolean;
    driverChartVersion: string;
    driverChartSource: ChartSource;
    reclaimPolicy: "Retain" | "Delete";
}

export interface LocalPathSettings {
    nodePath: string;
    image: string;
    helperImage: string;
}

export interface IngressSettings {
    className?: string;
    /** Annotations for frontend ingresses (ALB on EKS). */
    annotations?: Record<string, string>;
    nginx?: { chartVersion: string; chartSource: ChartSource };
    tlsSecretName?: string;
}

export interface ImagePullSecretSettings {
    name: string;
    registry: string;
    username: string;
    /** Undefined: the secret already exists and is only referenced. */
    password?: pulumi.Input<string>;
}

export interface EksSettings {
    clusterName: pulumi.Input<string>;
    vpcId?: pulumi.Input<string>;
    privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    vpcCidr?: pulumi.Input<string>;
    nfsClientSecurityGroupId?: pulumi.Input<string>;
    identity: EksIdentity;
    oidcProviderArn?: pulumi.Input<string>;
    installEfsCsiDriver: boolean;
    installPodIdentityAgent: boolean;
    /** Install the EBS CSI add-on: block storage asked for, and no driver in the cluster yet. */
    installEbsCsiDriver: boolean;
    /** Create the `gp3` class for etcd and NATS (on the add-on, the cluster's driver, or Auto Mode's). */
    blockStorageClass: boolean;
    /** EKS Auto Mode: block storage on its own provisioner, no EBS add-on. */
    autoMode: boolean;
    tags: Record<string, string>;
}

export interface EfsSettings {
    /** An existing file system; undefined means the component creates one. */
    fileSystemId?: string;
    throughputMode: "elastic" | "bursting" | "provisioned";
    provisionedThroughputMibps?: number;
    kmsKeyId?: pulumi.Input<string>;
    transitionToIa?: string;
    directoryPerms: string;
    uid?: number;
    gid?: number;
    basePath: string;
    reclaimPolicy: "Retain" | "Delete";
    deleteOnDestroy: boolean;
}

/** The images of everything an install puts on the cluster, add-ons included. */
function installedImageSlots(
    chartLine: ChartLine,
    nfs: NfsSettings | undefined,
    ingress: IngressSettings,
    localPath: LocalPathSettings | undefined,
): ImageSlot[] {
    return [
        ...platformImageSlots(chartLine),
        ...(nfs?.installDriver ? NFS_DRIVER_IMAGE_SLOTS : []),
        ...(ingress.nginx ? INGRESS_NGINX_IMAGE_SLOTS : []),
        ...(localPath ? localPathImageSlots(localPath.image, localPath.helperImage) : []),
    ];
}

/** local-path with its images where `images` moves them (they are settings, not chart values). */
function movedLocalPath(localPath: LocalPathSettings, images: ImageSettings): LocalPathSettings {
    const [image, helperImage] = localPathImageSlots(localPath.image, localPath.helperImage).map((slot) => movedSetting(slot, images));
    return { ...localPath, image, helperImage };
}

/** Options every Helm release of the install gets; a timeout left out is each release's own default. */
export interface HelmReleaseOptions {
    timeout?: number;
    atomic: boolean;
    maxHistory?: number;
}

/** Every decision the component acts on, with defaults applied. */
export interface PlatformSettings {
    platform: Platform;
    chartLine: ChartLine;
    namespace: string;
    createNamespace: boolean;
    chartSource: ChartSource;
    groveEnabled: boolean;
    kaiSchedulerEnabled: boolean;
    /** Grove is enabled and installed by the platform chart (false: an existing Grove is used). */
    installGrove: boolean;
    /** KAI Scheduler is enabled and installed by the platform chart (false: an existing one is used). */
    installKaiScheduler: boolean;
    discoveryBackend: DiscoveryBackend;
    /** An explicit endpoint known at construction time; an Output endpoint is checked when it resolves. */
    prometheusEndpoint?: pulumi.Input<string>;
    monitoringStack?: string;
    storageClass: string;
    persistenceStorageClass?: string;
    nfs?: NfsSettings;
    localPath?: LocalPathSettings;
    eks?: EksSettings;
    efs?: EfsSettings;
    ingress: IngressSettings;
    imagePullSecret?: ImagePullSecretSettings;
    tolerations: Toleration[];
    /** The profile and where the platform's pods run. */
    placement: PlacementSettings;
    helmValues?: pulumi.Input<Record<string, unknown>>;
    helmReleaseOptions: HelmReleaseOptions;
    /** The mirror and per-image replacements. */
    images: ImageSettings;
    /** Every image this install has, by chart (see imageCatalog). */
    imageSlots: ImageSlot[];
    removeCrdsOnDestroy: boolean;
    /** How long the opt-in teardown waits for custom resources to go. */
    teardownTimeoutSeconds: number;
    skipAwait: boolean;
    /** From the installed release to the requested one. */
    upgrade: UpgradePlan;
    /**
     * The `dynamo-crds` version a 0.9.x → 1.x migration keeps registered, retained, for one run, so
     * that dropping the chart from the stack on the next run deletes none of its CRDs.
     */
    retiringCrdsChartVersion?: string;
    /** Whether kept CRDs are first given Helm's ownership metadata, so the `dynamo-crds` release adopts them. */
    crdsHandOver: boolean;
    /** Things worth a warning, collected so the caller logs them once. */
    warnings: string[];
    /** Things worth an info line (the upgrade plan), logged once. */
    notes: string[];
}

/** How long the opt-in teardown waits for the operator to clear custom resources' finalizers. */
const DEFAULT_TEARDOWN_TIMEOUT_SECONDS = 120;

/** The usual regional quota of provisioned EFS throughput; more needs an AWS quota increase. */
const EFS_PROVISIONED_QUOTA_MIBPS = 3414;

function defaultTo<T>(value: T | undefined, fallback: T): T {
    return value === undefined ? fallback : value;
}

/** Where a chart comes from: a local folder (absolute, ./relative or file://), an http(s) repository or an OCI path. */
function chartSource(key: string, raw: string): ChartSource {
    if (raw.startsWith("file://")) {
        return { kind: "local", directory: raw.slice("file://".length), key };
    }
    if (raw.startsWith("/") || raw.startsWith("./") || raw.startsWith("../")) {
        return { kind: "local", directory: raw, key };
    }
    return { kind: "repository", url: raw.replace(/\/+$/, ""), key };
}

/**
 * An add-on chart's source. A repository on the host of the Dynamo charts' own (one private mirror
 * for every chart) gets its credentials and CA; any other host gets none, so they never leave it.
 */
function addOnChartSource(key: string, raw: string, dynamoCharts: ChartSource): ChartSource {
    const source = chartSource(key, raw);
    if (source.kind !== "repository" || dynamoCharts.kind !== "repository" || new URL(source.url).host !== new URL(dynamoCharts.url).host) {
        return source;
    }
    const { username, password, caFile } = dynamoCharts;
    return {
        ...source,
        ...(username !== undefined ? { username, password } : {}),
        ...(caFile !== undefined ? { caFile } : {}),
    };
}

function resolveHelmReleaseOptions(
    options: HelmReleaseOptionsArgs | undefined,
    skipAwait: boolean,
    key: (field: string) => string,
): HelmReleaseOptions {
    const atomic = options?.atomic ?? false;
    if (atomic && skipAwait) {
        throw DynamoConfigError.conflict(
            key("helmReleaseOptions.atomic"),
            key("skipAwait"),
            "an atomic release waits for its workloads to roll back a failure, which skipAwait turns off",
        );
    }
    return { timeout: options?.timeout, atomic, maxHistory: options?.maxHistory };
}

function resolveNfs(prefix: string, nfs: NfsArgs | undefined, dynamoCharts: ChartSource): NfsSettings | undefined {
    if (nfs === undefined) {
        return undefined;
    }
    const key = `${prefix}nfs`;
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
        mountOptions: nfs.mountOptions ?? ["nfsvers=4.1"],
        installDriver: nfs.installDriver ?? true,
        driverChartVersion: nfs.driverChartVersion ?? NFS_DRIVER_CHART_VERSION,
        driverChartSource: addOnChartSource(
            `${key}.driverChartRepository`,
            nfs.driverChartRepository ?? NFS_DRIVER_CHART_REPOSITORY,
            dynamoCharts,
        ),
        reclaimPolicy: (nfs.reclaimPolicy as NfsSettings["reclaimPolicy"]) ?? "Retain",
    };
}

function resolveLocalPath(localPath: LocalPathArgs | undefined): LocalPathSettings | undefined {
    if (localPath?.install !== true) {
        return undefined;
    }
    return {
        nodePath: localPath.nodePath ?? "/opt/local-path-provisioner",
        image: localPath.image ?? LOCAL_PATH_IMAGE,
        helperImage: localPath.helperImage ?? LOCAL_PATH_HELPER_IMAGE,
    };
}

function resolveIngress(
    prefix: string,
    platform: Platform,
    ingress: IngressArgs | undefined,
    eks: EksArgs | undefined,
    dynamoCharts: ChartSource,
): IngressSettings {
    const key = `${prefix}ingress`;
    const installNginx = ingress?.installNginx ?? false;
    if (installNginx && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(
            `${key}.installNginx`,
            `${prefix}platform`,
            "on EKS the frontends use ALB ingress; leave installNginx off",
        );
    }
    const className = ingress?.className ?? (installNginx ? "nginx" : platform === Platform.Eks ? "alb" : undefined);
    if (installNginx && className !== "nginx") {
        throw DynamoConfigError.conflict(
            `${key}.className`,
            `${key}.installNginx`,
            `the installed controller serves IngressClass "nginx", not "${className}"`,
        );
    }
    return {
        className,
        annotations:
            className === "alb"
                ? {
                      "alb.ingress.kubernetes.io/scheme": eks?.albScheme ?? "internet-facing",
                      "alb.ingress.kubernetes.io/target-type": "ip",
                      "alb.ingress.kubernetes.io/group.name": eks?.albGroupName ?? "dynamo",
                  }
                : undefined,
        nginx: installNginx
            ? {
                  chartVersion: ingress?.nginxChartVersion ?? INGRESS_NGINX_CHART_VERSION,
                  chartSource: addOnChartSource(
                      `${key}.nginxChartRepository`,
                      ingress?.nginxChartRepository ?? INGRESS_NGINX_CHART_REPOSITORY,
                      dynamoCharts,
                  ),
              }
            : undefined,
        tlsSecretName: ingress?.tlsSecretName,
    };
}

function resolveImagePullSecret(secret: ImagePullSecretArgs | undefined): ImagePullSecretSettings | undefined {
    if (secret === undefined) {
        return undefined;
    }
    return {
        name: secret.name ?? DEFAULT_PULL_SECRET_NAME,
        registry: secret.registry ?? "nvcr.io",
        username: secret.username ?? "$oauthtoken",
        password: secret.password,
    };
}

function resolveTolerations(key: string, platform: Platform, extra: TolerationArgs[] | undefined): Toleration[] {
    const checked = (extra ?? []).map((t, i): Toleration => {
        const at = `${key}[${i}]`;
        if (t.key === undefined) {
            throw DynamoConfigError.invalid(
                `${at}.key`,
                undefined,
                "the taint key to tolerate, e.g. dedicated",
                "a toleration without a key tolerates every taint, so platform pods could land on any node",
            );
        }
        const operator = t.operator ?? "Exists";
        if (operator === "Exists" && t.value !== undefined) {
            throw DynamoConfigError.conflict(
                `${at}.value`,
                `${at}.operator`,
                'operator "Exists" matches any value; use "Equal" to match one',
            );
        }
        return { key: t.key, operator, value: t.value, effect: t.effect };
    });
    const all = [GPU_TOLERATION, ...(platform === Platform.Eks ? [EKS_AUTO_MODE_TOLERATION] : []), ...checked];
    return all.filter((t, i) => all.findIndex((u) => JSON.stringify(u) === JSON.stringify(t)) === i);
}

function resolveEks(prefix: string, eks: EksArgs | undefined, efs: EfsArgs | undefined, warnings: string[]): EksSettings {
    const key = `${prefix}eks`;
    if (eks === undefined) {
        throw DynamoConfigError.invalid(
            key,
            eks,
            "the EKS cluster settings {clusterName, vpcId, privateSubnetIds, ...} (required with platform eks)",
        );
    }
    if (eks.clusterName === undefined) {
        throw DynamoConfigError.invalid(`${key}.clusterName`, undefined, "the EKS cluster's name");
    }
    const subnets = eks.privateSubnetIds;
    if (subnets !== undefined && eks.vpcId === undefined) {
        throw DynamoConfigError.conflict(`${key}.privateSubnetIds`, `${key}.vpcId`, "subnets are given without their VPC; set vpcId too");
    }
    if (efs?.fileSystemId === undefined && (subnets === undefined || eks.vpcId === undefined)) {
        throw DynamoConfigError.invalid(
            `${key}.privateSubnetIds`,
            subnets,
            `the cluster's private subnets, with ${key}.vpcId, to create the EFS file system and its mount targets (or set ${prefix}efs.fileSystemId to use an existing one)`,
        );
    }
    const identity = (eks.identity as EksIdentity | undefined) ?? EksIdentity.PodIdentity;
    if (identity === EksIdentity.Irsa && eks.oidcProviderArn === undefined) {
        throw DynamoConfigError.conflict(`${key}.identity`, `${key}.oidcProviderArn`, "IRSA needs the cluster's IAM OIDC provider ARN");
    }
    if (eks.autoMode === true && eks.installEbsCsiDriver === true) {
        throw DynamoConfigError.conflict(
            `${key}.installEbsCsiDriver`,
            `${key}.autoMode`,
            "EKS Auto Mode provisions block storage itself (ebs.csi.eks.amazonaws.com); the EBS add-on is for standard clusters",
        );
    }
    if (typeof eks.vpcCidr === "string" && !isPrivateIpv4(eks.vpcCidr)) {
        warnings.push(
            `${key}.vpcCidr ${eks.vpcCidr} is not private address space: every address in it may reach the model cache over NFS.`,
        );
    }
    return {
        clusterName: eks.clusterName,
        vpcId: eks.vpcId,
        privateSubnetIds: subnets,
        vpcCidr: eks.vpcCidr,
        nfsClientSecurityGroupId: eks.nfsClientSecurityGroupId,
        identity,
        oidcProviderArn: eks.oidcProviderArn,
        installEfsCsiDriver: eks.installEfsCsiDriver ?? true,
        installPodIdentityAgent: eks.installPodIdentityAgent ?? false,
        installEbsCsiDriver: (eks.installEbsCsiDriver ?? false) && eks.existingEbsCsiDriver !== true,
        blockStorageClass: eks.createBlockStorageClass ?? (eks.installEbsCsiDriver === true || eks.autoMode === true),
        autoMode: eks.autoMode ?? false,
        tags: eks.tags ?? {},
    };
}

function resolveEfs(prefix: string, efs: EfsArgs | undefined, warnings: string[]): EfsSettings {
    const key = `${prefix}efs`;
    const args = efs ?? {};
    const throughputMode = (args.throughputMode as EfsSettings["throughputMode"] | undefined) ?? "elastic";
    const mibps = args.provisionedThroughputMibps;
    if (throughputMode === "provisioned" && mibps === undefined) {
        throw DynamoConfigError.invalid(
            `${key}.provisionedThroughputMibps`,
            mibps,
            "a positive number of MiB/s with throughputMode provisioned",
        );
    }
    if (throughputMode !== "provisioned" && mibps !== undefined) {
        throw DynamoConfigError.conflict(
            `${key}.provisionedThroughputMibps`,
            `${key}.throughputMode`,
            `it only applies to "provisioned", not "${throughputMode}"`,
        );
    }
    if (mibps !== undefined && mibps > EFS_PROVISIONED_QUOTA_MIBPS) {
        warnings.push(
            `${key}.provisionedThroughputMibps ${mibps} is above the usual EFS quota of ${EFS_PROVISIONED_QUOTA_MIBPS} MiB/s: the file system fails to create unless AWS raised your quota.`,
        );
    }
    const deleteOnDestroy = args.deleteOnDestroy ?? false;
    if (deleteOnDestroy && args.fileSystemId !== undefined) {
        throw DynamoConfigError.conflict(
            `${key}.deleteOnDestroy`,
            `${key}.fileSystemId`,
            "an existing file system is not this stack's to delete",
        );
    }
    return {
        fileSystemId: args.fileSystemId,
        throughputMode,
        provisionedThroughputMibps: mibps,
        kmsKeyId: args.kmsKeyId,
        transitionToIa: args.transitionToIa,
        directoryPerms: args.directoryPerms ?? "700",
        uid: args.uid,
        gid: args.gid,
        basePath: args.basePath ?? "/dynamo",
        reclaimPolicy: (args.reclaimPolicy as EfsSettings["reclaimPolicy"] | undefined) ?? "Retain",
        deleteOnDestroy,
    };
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
    return values;
}

/** The upgrade plan; a refused plan stops here unless the override is set, and then warns. */
function resolveUpgrade(
    args: DynamoPlatformArgs,
    release: ReleaseVersion,
    key: (field: string) => string,
): { upgrade: UpgradePlan; retiringCrdsChartVersion?: string; upgradeWarnings: string[] } {
    const installed = args.installedReleaseVersion === undefined ? undefined : parseReleaseVersion(args.installedReleaseVersion);
    const upgrade = planUpgrade(installed, release);
    const upgradeWarnings: string[] = [];
    if (upgrade.refusal !== undefined) {
        if (!args.allowUnsupportedUpgrade) {
            throw DynamoConfigError.invalid(
                key("releaseVersion"),
                release.text,
                upgrade.kind === "skip"
                    ? `${upgrade.path![0]} next (the installed release is ${upgrade.from})`
                    : `${upgrade.from} or later`,
                `${upgrade.refusal.replace(/\.$/, "")} (${key("allowUnsupportedUpgrade")} overrides this, at your own risk)`,
            );
        }
        upgradeWarnings.push(
            `UNSUPPORTED UPGRADE ${upgrade.from} → ${upgrade.to} applied because ${key("allowUnsupportedUpgrade")} is set: ${upgrade.refusal}`,
        );
    }
    const retiringCrdsChartVersion = upgrade.kind === "migration" && installed ? crdsVersionFor(installed) : undefined;
    return { upgrade, retiringCrdsChartVersion, upgradeWarnings };
}

/**
 * Validates component arguments and applies every default.
 *
 * @param keyPrefix prepended to field paths in messages: `dynamo:` for stack config, `args.` for a
 *   program that constructs the component directly.
 */
export function resolveSettings(input: DynamoPlatformArgs, keyPrefix = "args."): PlatformSettings {
    const args = checkArgs(input, keyPrefix);
    const key = (field: string) => `${keyPrefix}${field}`;
    const warnings: string[] = [];

    const platform = (args.platform as Platform | undefined) ?? Platform.Kubernetes;

    const release = args.releaseVersion === undefined ? undefined : parseReleaseVersion(args.releaseVersion);
    if (release === undefined) {
        throw DynamoConfigError.invalid(key("releaseVersion"), args.releaseVersion, RELEASE_VERSION.accepted);
    }
    if (compareReleases(release, parseReleaseVersion(OLDEST_SUPPORTED_RELEASE)!) < 0) {
        throw DynamoConfigError.invalid(key("releaseVersion"), args.releaseVersion, `${OLDEST_SUPPORTED_RELEASE} or later`);
    }
    if (args.crdsVersion !== undefined) {
        if (release.major >= 1) {
            throw DynamoConfigError.conflict(
                key("crdsVersion"),
                key("releaseVersion"),
                `release ${release.text} has no dynamo-crds chart (its CRDs ship inside dynamo-platform); remove crdsVersion`,
            );
        }
        const problem = crdsVersionProblem(release, args.crdsVersion);
        if (problem !== undefined) {
            throw DynamoConfigError.invalid(key("crdsVersion"), args.crdsVersion, problem);
        }
    }
    const chartLine = chartLineFor(release, args.crdsVersion);
    const groveEnabled = defaultTo(args.groveEnabled, true);
    const kaiSchedulerEnabled = defaultTo(args.kaiSchedulerEnabled, true);
    const installGrove = groveEnabled && defaultTo(args.installGrove, true);
    const installKaiScheduler = kaiSchedulerEnabled && defaultTo(args.installKaiScheduler, true);
    for (const [field, enabledField, enabled, install] of [
        ["installGrove", "groveEnabled", groveEnabled, installGrove],
        ["installKaiScheduler", "kaiSchedulerEnabled", kaiSchedulerEnabled, installKaiScheduler],
    ] as const) {
        if (enabled && !install && chartLine.layout === ValuesLayout.SubchartToggles) {
            throw DynamoConfigError.conflict(
                key(field),
                key("releaseVersion"),
                `a ${release.text} chart can only install its own; set ${key(enabledField)} false, or upgrade to 1.x to use the one the cluster runs`,
            );
        }
    }
    if (chartLine.newerThanKnownLines) {
        warnings.push(
            `${key("releaseVersion")} ${release.text} is newer than the newest chart line this package knows (${CHART_LINES[CHART_LINES.length - 1].line}); it installs with that line's values. Tested with ${TESTED_RELEASES.join(", ")}.`,
        );
    }
    const { upgrade, retiringCrdsChartVersion, upgradeWarnings } = resolveUpgrade(args, release, key);
    warnings.push(...upgradeWarnings);

    const discoveryBackend = (args.discoveryBackend as DiscoveryBackend | undefined) ?? DiscoveryBackend.Etcd;
    if (discoveryBackend === DiscoveryBackend.Kubernetes) {
        warnings.push(
            `${key("discoveryBackend")} is "kubernetes": KVBM handshakes may fail in multi-replica disaggregated deployments; "etcd" is recommended.`,
        );
    }

    const localPath = resolveLocalPath(args.localPath);
    let eks: EksSettings | undefined;
    let efs: EfsSettings | undefined;
    if (platform === Platform.Eks) {
        efs = resolveEfs(keyPrefix, args.efs, warnings);
        eks = resolveEks(keyPrefix, args.eks, args.efs, warnings);
    } else if (args.eks !== undefined || args.efs !== undefined) {
        throw DynamoConfigError.conflict(
            key(args.eks !== undefined ? "eks" : "efs"),
            key("platform"),
            `EKS and EFS settings need platform "eks"`,
        );
    }
    const storageClass = args.storageClass ?? (platform === Platform.Eks ? "efs" : "nfs");
    const persistenceStorageClass =
        args.persistenceStorageClass ?? (localPath ? DEFAULT_LOCAL_PATH_CLASS : eks?.blockStorageClass ? EKS_GP3_CLASS : undefined);
    if (persistenceStorageClass === storageClass) {
        throw DynamoConfigError.conflict(
            key("persistenceStorageClass"),
            key("storageClass"),
            `etcd and NATS need ReadWriteOnce block storage, not the ReadWriteMany model-cache class "${storageClass}" (fsync latency on NFS/EFS)`,
        );
    }

    const source = chartSource(key("chartRepository"), args.chartRepository ?? DEFAULT_CHART_REPOSITORY);
    if ((args.chartRepositoryUsername === undefined) !== (args.chartRepositoryPassword === undefined)) {
        const [given, missing] =
            args.chartRepositoryUsername === undefined
                ? ["chartRepositoryPassword", "chartRepositoryUsername"]
                : ["chartRepositoryUsername", "chartRepositoryPassword"];
        throw DynamoConfigError.conflict(key(given), key(missing), "repository credentials need both the user name and the password");
    }
    if (args.chartRepositoryUsername !== undefined && source.kind === "local") {
        throw DynamoConfigError.conflict(
            key("chartRepositoryUsername"),
            key("chartRepository"),
            "a local chart folder takes no credentials",
        );
    }
    if (args.chartRepositoryCaFile !== undefined) {
        if (source.kind === "local") {
            throw DynamoConfigError.conflict(
                key("chartRepositoryCaFile"),
                key("chartRepository"),
                "a local chart folder is read from disk, with no TLS",
            );
        }
        if (!fs.existsSync(args.chartRepositoryCaFile)) {
            throw DynamoConfigError.invalid(
                key("chartRepositoryCaFile"),
                args.chartRepositoryCaFile,
                "an existing PEM file",
                "no such file on this machine",
            );
        }
    }
    if (source.kind === "repository" && args.chartRepositoryUsername !== undefined) {
        source.username = args.chartRepositoryUsername;
        source.password = args.chartRepositoryPassword;
    }
    if (source.kind === "repository" && args.chartRepositoryCaFile !== undefined) {
        source.caFile = args.chartRepositoryCaFile;
    }
    const nfs = resolveNfs(keyPrefix, args.nfs, source);
    if (nfs && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("nfs"), key("platform"), "on EKS the model cache is EFS; remove nfs");
    }
    if (localPath && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("localPath.install"), key("platform"), "on EKS etcd and NATS use EBS block storage");
    }
    const skipAwait = defaultTo(args.skipAwait, false);
    const helmReleaseOptions = resolveHelmReleaseOptions(args.helmReleaseOptions, skipAwait, key);

    const removeCrdsOnDestroy = args.removeCrdsOnDestroy ?? false;
    if (removeCrdsOnDestroy && !chartLine.crdsChartVersion) {
        warnings.push(
            `${key("removeCrdsOnDestroy")} has no effect on release ${release.text}: its CRDs come with the platform chart (its crds/ folder, and the operator applies them) and Helm never deletes those; delete them with kubectl if you really mean to.`,
        );
    }

    const ingress = resolveIngress(keyPrefix, platform, args.ingress, args.eks, source);
    const images: ImageSettings = { registry: args.imageRegistry, overrides: args.images ?? {} };
    const imageSlots = installedImageSlots(chartLine, nfs, ingress, localPath);
    checkImageOverrides(key("images"), images.overrides, imageSlots);

    const helmValues =
        args.helmValues === undefined || isUnresolved(args.helmValues)
            ? args.helmValues
            : checkHelmValues(key("helmValues"), args.helmValues as Values, { chartLine, storageClass });

    return {
        platform,
        chartLine,
        namespace: args.namespace ?? DEFAULT_NAMESPACE,
        createNamespace: defaultTo(args.createNamespace, true),
        chartSource: source,
        groveEnabled,
        kaiSchedulerEnabled,
        installGrove,
        installKaiScheduler,
        discoveryBackend,
        prometheusEndpoint: args.prometheusEndpoint,
        monitoringStack: args.monitoringStack,
        storageClass,
        persistenceStorageClass,
        nfs,
        localPath: localPath && movedLocalPath(localPath, images),
        eks,
        efs,
        ingress,
        images,
        imageSlots,
        imagePullSecret: resolveImagePullSecret(args.imagePullSecret),
        tolerations: resolveTolerations(key("tolerations"), platform, args.tolerations),
        placement: resolvePlacement(key("placement"), args.profile, args.placement),
        helmValues,
        helmReleaseOptions,
        removeCrdsOnDestroy,
        skipAwait,
        teardownTimeoutSeconds: defaultTo(args.teardownTimeoutSeconds, DEFAULT_TEARDOWN_TIMEOUT_SECONDS),
        upgrade,
        retiringCrdsChartVersion,
        crdsHandOver: defaultTo(args.crdsHandOver, true),
        warnings,
        notes: upgrade.kind === "unchanged" ? [] : formatUpgradePlan(upgrade),
    };
}
