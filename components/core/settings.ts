/**
 * Validation and defaults: turns {@link DynamoPlatformArgs} into plain, fully-resolved settings.
 *
 * Pure functions only, so every rule is tested without a Pulumi runtime. Each error names the
 * config key (or argument path) through `keyPrefix`, the bad value and what is accepted.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    DiscoveryBackend,
    DynamoPlatformArgs,
    EfsArgs,
    EksArgs,
    EksIdentity,
    ImagePullSecretArgs,
    IngressArgs,
    LocalPathArgs,
    NfsArgs,
    Platform,
    TolerationArgs,
} from "./args";
import { DynamoConfigError } from "./errors";
import { ChartLine, chartLineFor, compareReleases, OLDEST_SUPPORTED_RELEASE, parseReleaseVersion } from "./versions";

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
export type ChartSource = ({ kind: "repository"; url: string } | { kind: "local"; directory: string }) & {
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
    installEbsCsiDriver: boolean;
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

/** Every decision the component acts on, with defaults applied. */
export interface PlatformSettings {
    platform: Platform;
    chartLine: ChartLine;
    namespace: string;
    createNamespace: boolean;
    chartSource: ChartSource;
    groveEnabled: boolean;
    kaiSchedulerEnabled: boolean;
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
    helmValues?: pulumi.Input<Record<string, unknown>>;
    removeCrdsOnDestroy: boolean;
    skipAwait: boolean;
    /** Things worth a warning, collected so the caller logs them once. */
    warnings: string[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;
const TOLERATION_OPERATORS = ["Exists", "Equal"];
const TOLERATION_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

function enumValues(e: Record<string, string>): string[] {
    return Object.values(e);
}

function oneOf<T extends string>(key: string, value: unknown, accepted: readonly T[], fallback: T): T {
    if (value === undefined) {
        return fallback;
    }
    if (typeof value === "string" && (accepted as readonly string[]).includes(value)) {
        return value as T;
    }
    throw DynamoConfigError.invalid(key, value, `one of ${accepted.map((a) => `"${a}"`).join(", ")}`);
}

function bool(key: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) {
        return fallback;
    }
    if (typeof value !== "boolean") {
        throw DynamoConfigError.invalid(key, value, "true or false");
    }
    return value;
}

function text(key: string, value: unknown): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
        throw DynamoConfigError.invalid(key, value, "a non-empty string");
    }
    return value;
}

/** A Kubernetes object name (DNS-1123 subdomain), e.g. a StorageClass or Secret name. */
export function checkObjectName(key: string, value: unknown): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (typeof value !== "string" || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
        throw DynamoConfigError.invalid(
            key,
            value,
            "a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
        );
    }
    return value;
}

/** A namespace name (DNS-1123 label). */
export function checkNamespace(key: string, value: unknown): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
        throw DynamoConfigError.invalid(
            key,
            value,
            "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
        );
    }
    return value;
}

/** An http(s) URL with a host, such as a Prometheus endpoint. */
export function checkHttpUrl(key: string, value: unknown): string {
    const accepted = "an http:// or https:// URL with a host, e.g. http://prometheus.monitoring.svc.cluster.local:9090";
    if (typeof value !== "string") {
        throw DynamoConfigError.invalid(key, value, accepted);
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw DynamoConfigError.invalid(key, value, accepted);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
        throw DynamoConfigError.invalid(key, value, accepted);
    }
    return value;
}

/** A Helm repository URL or a local folder of charts. */
export function checkChartSource(key: string, value: unknown, fallback: string): ChartSource {
    const raw = value === undefined ? fallback : value;
    const accepted =
        "an http(s) Helm repository URL or a local folder (absolute, ./relative or file://) of <chart>-<version>.tgz archives or chart folders";
    if (typeof raw !== "string" || raw.trim() === "") {
        throw DynamoConfigError.invalid(key, raw, accepted);
    }
    if (raw.startsWith("file://")) {
        return { kind: "local", directory: raw.slice("file://".length), key };
    }
    if (raw.startsWith("/") || raw.startsWith("./") || raw.startsWith("../")) {
        return { kind: "local", directory: raw, key };
    }
    if (/^https?:\/\/[^/\s]+/.test(raw)) {
        return { kind: "repository", url: raw.replace(/\/+$/, ""), key };
    }
    throw DynamoConfigError.invalid(key, raw, accepted);
}

function exactChartVersion(key: string, value: unknown, fallback: string): string {
    const version = value === undefined ? fallback : value;
    if (typeof version !== "string" || !/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
        throw DynamoConfigError.invalid(key, version, "an exact chart version such as 1.2.3 (no ranges)");
    }
    return version;
}

function resolveNfs(prefix: string, nfs: NfsArgs | undefined): NfsSettings | undefined {
    if (nfs === undefined) {
        return undefined;
    }
    const key = `${prefix}nfs`;
    const server = text(`${key}.server`, nfs.server);
    if (server === undefined || !HOST.test(server)) {
        throw DynamoConfigError.invalid(`${key}.server`, nfs.server, "the NFS server's host name or IP address");
    }
    if (typeof nfs.share !== "string" || !nfs.share.startsWith("/")) {
        throw DynamoConfigError.invalid(`${key}.share`, nfs.share, "the exported directory as an absolute path, e.g. /exports/models");
    }
    const mountOptions = nfs.mountOptions ?? ["nfsvers=4.1"];
    if (!Array.isArray(mountOptions) || mountOptions.some((o) => typeof o !== "string" || o === "")) {
        throw DynamoConfigError.invalid(`${key}.mountOptions`, nfs.mountOptions, 'a list of mount options, e.g. ["nfsvers=4.1"]');
    }
    return {
        server,
        share: nfs.share,
        mountOptions,
        installDriver: bool(`${key}.installDriver`, nfs.installDriver, true),
        driverChartVersion: exactChartVersion(`${key}.driverChartVersion`, nfs.driverChartVersion, NFS_DRIVER_CHART_VERSION),
        driverChartSource: checkChartSource(`${key}.driverChartRepository`, nfs.driverChartRepository, NFS_DRIVER_CHART_REPOSITORY),
        reclaimPolicy: oneOf(`${key}.reclaimPolicy`, nfs.reclaimPolicy, ["Retain", "Delete"] as const, "Retain"),
    };
}

function resolveLocalPath(prefix: string, localPath: LocalPathArgs | undefined): LocalPathSettings | undefined {
    const key = `${prefix}localPath`;
    if (!bool(`${key}.install`, localPath?.install, false)) {
        return undefined;
    }
    const nodePath = localPath?.nodePath ?? "/opt/local-path-provisioner";
    if (typeof nodePath !== "string" || !nodePath.startsWith("/")) {
        throw DynamoConfigError.invalid(`${key}.nodePath`, localPath?.nodePath, "an absolute directory on the nodes");
    }
    return {
        nodePath,
        image: checkPinnedImage(`${key}.image`, localPath?.image ?? LOCAL_PATH_IMAGE),
        helperImage: checkPinnedImage(`${key}.helperImage`, localPath?.helperImage ?? LOCAL_PATH_HELPER_IMAGE),
    };
}

/** An image reference with an explicit tag or digest other than `latest`. */
export function checkPinnedImage(key: string, value: unknown): string {
    const lastSegment = typeof value === "string" ? value.slice(value.lastIndexOf("/") + 1) : "";
    const pinned = lastSegment.includes("@") || (lastSegment.includes(":") && !lastSegment.endsWith(":latest"));
    if (typeof value !== "string" || /\s/.test(value) || !pinned) {
        throw DynamoConfigError.invalid(key, value, "an image with a pinned tag or digest, e.g. registry/name:1.2.3 (not latest)");
    }
    return value;
}

function resolveIngress(prefix: string, platform: Platform, ingress: IngressArgs | undefined, eks: EksArgs | undefined): IngressSettings {
    const key = `${prefix}ingress`;
    const installNginx = bool(`${key}.installNginx`, ingress?.installNginx, false);
    if (installNginx && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(
            `${key}.installNginx`,
            `${prefix}platform`,
            "on EKS the frontends use ALB ingress; leave installNginx off",
        );
    }
    const defaultClass = installNginx ? "nginx" : platform === Platform.Eks ? "alb" : undefined;
    const className = checkObjectName(`${key}.className`, ingress?.className) ?? defaultClass;
    if (installNginx && className !== "nginx") {
        throw DynamoConfigError.conflict(
            `${key}.className`,
            `${key}.installNginx`,
            `the installed controller serves IngressClass "nginx", not "${className}"`,
        );
    }
    const albScheme = oneOf(`${prefix}eks.albScheme`, eks?.albScheme, ["internet-facing", "internal"] as const, "internet-facing");
    const albGroupName = checkObjectName(`${prefix}eks.albGroupName`, eks?.albGroupName) ?? "dynamo";
    return {
        className,
        annotations:
            className === "alb"
                ? {
                      "alb.ingress.kubernetes.io/scheme": albScheme,
                      "alb.ingress.kubernetes.io/target-type": "ip",
                      "alb.ingress.kubernetes.io/group.name": albGroupName,
                  }
                : undefined,
        nginx: installNginx
            ? {
                  chartVersion: exactChartVersion(`${key}.nginxChartVersion`, ingress?.nginxChartVersion, INGRESS_NGINX_CHART_VERSION),
                  chartSource: checkChartSource(
                      `${key}.nginxChartRepository`,
                      ingress?.nginxChartRepository,
                      INGRESS_NGINX_CHART_REPOSITORY,
                  ),
              }
            : undefined,
        tlsSecretName: checkObjectName(`${key}.tlsSecretName`, ingress?.tlsSecretName),
    };
}

function resolveImagePullSecret(prefix: string, secret: ImagePullSecretArgs | undefined): ImagePullSecretSettings | undefined {
    if (secret === undefined) {
        return undefined;
    }
    const key = `${prefix}imagePullSecret`;
    const registry = text(`${key}.registry`, secret.registry) ?? "nvcr.io";
    if (!HOST.test(registry.split(":")[0])) {
        throw DynamoConfigError.invalid(`${key}.registry`, registry, "a registry host such as nvcr.io");
    }
    return {
        name: checkObjectName(`${key}.name`, secret.name) ?? DEFAULT_PULL_SECRET_NAME,
        registry,
        username: text(`${key}.username`, secret.username) ?? "$oauthtoken",
        password: secret.password,
    };
}

function resolveTolerations(key: string, platform: Platform, extra: TolerationArgs[] | undefined): Toleration[] {
    if (extra !== undefined && !Array.isArray(extra)) {
        throw DynamoConfigError.invalid(key, extra, "a list of tolerations");
    }
    const checked = (extra ?? []).map((t, i): Toleration => {
        const at = `${key}[${i}]`;
        const operator = oneOf(`${at}.operator`, t.operator, TOLERATION_OPERATORS, "Exists");
        const effect =
            t.effect === undefined || t.effect === "" ? undefined : oneOf(`${at}.effect`, t.effect, TOLERATION_EFFECTS, "NoSchedule");
        if (operator === "Exists" && t.value !== undefined) {
            throw DynamoConfigError.conflict(
                `${at}.value`,
                `${at}.operator`,
                'operator "Exists" matches any value; use "Equal" to match one',
            );
        }
        return { key: text(`${at}.key`, t.key), operator, value: t.value, effect };
    });
    const all = [GPU_TOLERATION, ...(platform === Platform.Eks ? [EKS_AUTO_MODE_TOLERATION] : []), ...checked];
    return all.filter((t, i) => all.findIndex((u) => JSON.stringify(u) === JSON.stringify(t)) === i);
}

/** Whether an Input is a plain value that can be checked now (Outputs are checked by AWS or Kubernetes later). */
function isPlain<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

function matches(key: string, value: pulumi.Input<string> | undefined, pattern: RegExp, accepted: string): void {
    if (isPlain(value) && (typeof value !== "string" || !pattern.test(value))) {
        throw DynamoConfigError.invalid(key, value, accepted);
    }
}

function resolveEks(prefix: string, eks: EksArgs | undefined, efs: EfsArgs | undefined): EksSettings {
    const key = `${prefix}eks`;
    if (eks === undefined || typeof eks !== "object") {
        throw DynamoConfigError.invalid(
            key,
            eks,
            "the EKS cluster settings {clusterName, vpcId, privateSubnetIds, ...} (required with platform eks)",
        );
    }
    if (eks.clusterName === undefined) {
        throw DynamoConfigError.invalid(`${key}.clusterName`, undefined, "the EKS cluster's name");
    }
    matches(
        `${key}.clusterName`,
        eks.clusterName,
        /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
        "an EKS cluster name (letters, digits, '-' and '_', at most 100)",
    );
    matches(`${key}.vpcId`, eks.vpcId, /^vpc-[0-9a-f]{8,17}$/, "a VPC id such as vpc-0a1b2c3d4e5f60718");
    matches(`${key}.vpcCidr`, eks.vpcCidr, /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "an IPv4 CIDR such as 10.0.0.0/16");
    matches(
        `${key}.nfsClientSecurityGroupId`,
        eks.nfsClientSecurityGroupId,
        /^sg-[0-9a-f]{8,17}$/,
        "a security group id such as sg-0a1b2c3d",
    );
    const subnets = eks.privateSubnetIds;
    if (isPlain(subnets)) {
        if (!Array.isArray(subnets) || subnets.length === 0) {
            throw DynamoConfigError.invalid(`${key}.privateSubnetIds`, subnets, "a non-empty list of the cluster's private subnet ids");
        }
        subnets.forEach((subnet, i) =>
            matches(`${key}.privateSubnetIds[${i}]`, subnet, /^subnet-[0-9a-f]{8,17}$/, "a subnet id such as subnet-0a1b2c3d"),
        );
    }
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
    const identity = oneOf(`${key}.identity`, eks.identity, enumValues(EksIdentity) as EksIdentity[], EksIdentity.PodIdentity);
    if (identity === EksIdentity.Irsa && eks.oidcProviderArn === undefined) {
        throw DynamoConfigError.conflict(`${key}.identity`, `${key}.oidcProviderArn`, "IRSA needs the cluster's IAM OIDC provider ARN");
    }
    matches(
        `${key}.oidcProviderArn`,
        eks.oidcProviderArn,
        /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/,
        "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE",
    );
    const tags = eks.tags ?? {};
    if (typeof tags !== "object" || Object.values(tags).some((v) => typeof v !== "string")) {
        throw DynamoConfigError.invalid(`${key}.tags`, tags, "a map of tag names to string values");
    }
    return {
        clusterName: eks.clusterName,
        vpcId: eks.vpcId,
        privateSubnetIds: subnets,
        vpcCidr: eks.vpcCidr,
        nfsClientSecurityGroupId: eks.nfsClientSecurityGroupId,
        identity,
        oidcProviderArn: eks.oidcProviderArn,
        installEfsCsiDriver: bool(`${key}.installEfsCsiDriver`, eks.installEfsCsiDriver, true),
        installPodIdentityAgent: bool(`${key}.installPodIdentityAgent`, eks.installPodIdentityAgent, false),
        installEbsCsiDriver: bool(`${key}.installEbsCsiDriver`, eks.installEbsCsiDriver, false),
        tags,
    };
}

const IA_TRANSITIONS = [
    "AFTER_1_DAY",
    "AFTER_7_DAYS",
    "AFTER_14_DAYS",
    "AFTER_30_DAYS",
    "AFTER_60_DAYS",
    "AFTER_90_DAYS",
    "AFTER_180_DAYS",
    "AFTER_270_DAYS",
    "AFTER_365_DAYS",
];

function optionalId(key: string, value: unknown): number | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw DynamoConfigError.invalid(key, value, "a non-negative integer");
    }
    return value;
}

function resolveEfs(prefix: string, efs: EfsArgs | undefined): EfsSettings {
    const key = `${prefix}efs`;
    const args = efs ?? {};
    if (
        args.fileSystemId !== undefined &&
        (typeof args.fileSystemId !== "string" || !/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/.test(args.fileSystemId))
    ) {
        throw DynamoConfigError.invalid(
            `${key}.fileSystemId`,
            args.fileSystemId,
            "an EFS file system id: fs- followed by 8 or 17 hex digits",
        );
    }
    const throughputMode = oneOf(`${key}.throughputMode`, args.throughputMode, ["elastic", "bursting", "provisioned"] as const, "elastic");
    const mibps = args.provisionedThroughputMibps;
    if (throughputMode === "provisioned" && (typeof mibps !== "number" || !(mibps > 0))) {
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
    const transitionToIa =
        args.transitionToIa === undefined
            ? undefined
            : oneOf(`${key}.transitionToIa`, args.transitionToIa, IA_TRANSITIONS, "AFTER_30_DAYS");
    const directoryPerms = args.directoryPerms ?? "700";
    if (typeof directoryPerms !== "string" || !/^[0-7]{3,4}$/.test(directoryPerms)) {
        throw DynamoConfigError.invalid(`${key}.directoryPerms`, args.directoryPerms, 'an octal mode as a string, e.g. "700" or "777"');
    }
    const basePath = args.basePath ?? "/dynamo";
    if (typeof basePath !== "string" || !basePath.startsWith("/")) {
        throw DynamoConfigError.invalid(`${key}.basePath`, args.basePath, "an absolute directory such as /dynamo");
    }
    const deleteOnDestroy = bool(`${key}.deleteOnDestroy`, args.deleteOnDestroy, false);
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
        transitionToIa,
        directoryPerms,
        uid: optionalId(`${key}.uid`, args.uid),
        gid: optionalId(`${key}.gid`, args.gid),
        basePath,
        reclaimPolicy: oneOf(`${key}.reclaimPolicy`, args.reclaimPolicy, ["Retain", "Delete"] as const, "Retain"),
        deleteOnDestroy,
    };
}

/**
 * Validates component arguments and applies every default.
 *
 * @param keyPrefix prepended to field paths in error messages: `dynamo:` for stack config,
 *   `args.` for a program that constructs the component directly.
 */
export function resolveSettings(args: DynamoPlatformArgs, keyPrefix = "args."): PlatformSettings {
    const key = (field: string) => `${keyPrefix}${field}`;
    const warnings: string[] = [];

    const platform = oneOf(key("platform"), args.platform, enumValues(Platform) as Platform[], Platform.Kubernetes);

    const release = typeof args.releaseVersion === "string" ? parseReleaseVersion(args.releaseVersion) : undefined;
    if (release === undefined) {
        throw DynamoConfigError.invalid(
            key("releaseVersion"),
            args.releaseVersion,
            "an exact published version such as 0.9.1, 0.9.0-post1 or 1.2.0 (no ranges, no 'v' prefix)",
        );
    }
    const oldest = parseReleaseVersion(OLDEST_SUPPORTED_RELEASE)!;
    if (compareReleases(release, oldest) < 0) {
        throw DynamoConfigError.invalid(key("releaseVersion"), args.releaseVersion, `${OLDEST_SUPPORTED_RELEASE} or later`);
    }
    let crdsVersion: string | undefined;
    if (args.crdsVersion !== undefined) {
        if (release.major >= 1) {
            throw DynamoConfigError.conflict(
                key("crdsVersion"),
                key("releaseVersion"),
                `release ${release.text} has no dynamo-crds chart (its CRDs ship inside dynamo-platform); remove crdsVersion`,
            );
        }
        const crds = typeof args.crdsVersion === "string" ? parseReleaseVersion(args.crdsVersion) : undefined;
        if (crds === undefined || crds.post !== undefined) {
            throw DynamoConfigError.invalid(
                key("crdsVersion"),
                args.crdsVersion,
                "an exact dynamo-crds version such as 0.9.0 (never -postN)",
            );
        }
        crdsVersion = crds.text;
    }
    const chartLine = chartLineFor(release, crdsVersion);

    const discoveryBackend = oneOf(
        key("discoveryBackend"),
        args.discoveryBackend,
        enumValues(DiscoveryBackend) as DiscoveryBackend[],
        DiscoveryBackend.Etcd,
    );
    if (discoveryBackend === DiscoveryBackend.Kubernetes) {
        warnings.push(
            `${key("discoveryBackend")} is "kubernetes": KVBM handshakes may fail in multi-replica disaggregated deployments; "etcd" is recommended.`,
        );
    }

    let prometheusEndpoint = args.prometheusEndpoint;
    if (typeof prometheusEndpoint === "string") {
        prometheusEndpoint = checkHttpUrl(key("prometheusEndpoint"), prometheusEndpoint);
    }
    const monitoringStack = text(key("monitoringStack"), args.monitoringStack);
    if (monitoringStack !== undefined && !/^[A-Za-z0-9_.\-/]+$/.test(monitoringStack)) {
        throw DynamoConfigError.invalid(key("monitoringStack"), monitoringStack, "a stack name such as org/monitoring/prod");
    }

    const localPath = resolveLocalPath(keyPrefix, args.localPath);
    let eks: EksSettings | undefined;
    let efs: EfsSettings | undefined;
    if (platform === Platform.Eks) {
        efs = resolveEfs(keyPrefix, args.efs);
        eks = resolveEks(keyPrefix, args.eks, args.efs);
    } else if (args.eks !== undefined || args.efs !== undefined) {
        throw DynamoConfigError.conflict(
            key(args.eks !== undefined ? "eks" : "efs"),
            key("platform"),
            `EKS and EFS settings need platform "eks"`,
        );
    }
    const storageClass = checkObjectName(key("storageClass"), args.storageClass) ?? (platform === Platform.Eks ? "efs" : "nfs");
    const persistenceStorageClass =
        checkObjectName(key("persistenceStorageClass"), args.persistenceStorageClass) ??
        (localPath ? DEFAULT_LOCAL_PATH_CLASS : eks?.installEbsCsiDriver ? EKS_GP3_CLASS : undefined);
    if (persistenceStorageClass === storageClass) {
        throw DynamoConfigError.conflict(
            key("persistenceStorageClass"),
            key("storageClass"),
            `etcd and NATS need ReadWriteOnce block storage, not the ReadWriteMany model-cache class "${storageClass}" (fsync latency on NFS/EFS)`,
        );
    }

    const nfs = resolveNfs(keyPrefix, args.nfs);
    if (nfs && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("nfs"), key("platform"), "on EKS the model cache is EFS; remove nfs");
    }
    if (localPath && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("localPath.install"), key("platform"), "on EKS etcd and NATS use EBS block storage");
    }

    const removeCrdsOnDestroy = bool(key("removeCrdsOnDestroy"), args.removeCrdsOnDestroy, false);
    if (removeCrdsOnDestroy && !chartLine.crdsChartVersion) {
        warnings.push(
            `${key("removeCrdsOnDestroy")} has no effect on release ${release.text}: its CRDs are installed by the platform chart's hook and stay after destroy; delete them with kubectl if you really mean to.`,
        );
    }

    return {
        platform,
        chartLine,
        namespace: checkNamespace(key("namespace"), args.namespace) ?? DEFAULT_NAMESPACE,
        createNamespace: bool(key("createNamespace"), args.createNamespace, true),
        chartSource: checkChartSource(key("chartRepository"), args.chartRepository, DEFAULT_CHART_REPOSITORY),
        groveEnabled: bool(key("groveEnabled"), args.groveEnabled, true),
        kaiSchedulerEnabled: bool(key("kaiSchedulerEnabled"), args.kaiSchedulerEnabled, true),
        discoveryBackend,
        prometheusEndpoint,
        monitoringStack,
        storageClass,
        persistenceStorageClass,
        nfs,
        localPath,
        eks,
        efs,
        ingress: resolveIngress(keyPrefix, platform, args.ingress, args.eks),
        imagePullSecret: resolveImagePullSecret(keyPrefix, args.imagePullSecret),
        tolerations: resolveTolerations(key("tolerations"), platform, args.tolerations),
        helmValues: args.helmValues,
        removeCrdsOnDestroy,
        skipAwait: bool(key("skipAwait"), args.skipAwait, false),
        warnings,
    };
}
