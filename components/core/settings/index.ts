/**
 * Validation and defaults: turns {@link DynamoPlatformArgs} into plain, fully-resolved settings.
 *
 * The schema's check ({@link checkArgs}) validates every field's shape and value first; the
 * modules beside this one add the rules that span several fields, each for one concern, and apply
 * the defaults the schema declares. This one only runs them in order. Pure functions only, so every
 * rule is tested without a Pulumi runtime. Each error names the config key (or argument path)
 * through `keyPrefix`, the bad value and what is accepted.
 */
import { DiscoveryBackend, DynamoPlatformArgs, Platform } from "../args";
import { checkArgs, isUnresolved } from "../check";
import { DynamoConfigError } from "../errors";
import { crdOwnerName } from "../names";
import { resolvePlacement } from "../placement";
import { PLATFORM_ARGS_SHAPE } from "../schema";
import { installsEtcd } from "../values";
import { Values } from "../valueTree";
import { resolveChartSource } from "./charts";
import { resolveEfs, resolveEks } from "./eks";
import { checkHelmValues, resolveHelmReleaseOptions } from "./helm";
import { movedLocalPath, resolveImagePullSecret, resolveImages } from "./images";
import { resolveIngress } from "./ingress";
import { installedLineDefaults, resolveRelease, resolveUpgrade } from "./release";
import { resolveLocalPath, resolveNfs, resolveStorageClasses } from "./storage";
import { resolveTolerations } from "./tolerations";
import { EfsSettings, EksSettings, PlatformSettings } from "./types";

/**
 * Validates component arguments and applies every default.
 *
 * @param keyPrefix prepended to field paths in messages: `dynamo:` for stack config, `args.` for a
 *   program that constructs the component directly.
 */
export function resolveSettings(input: DynamoPlatformArgs, keyPrefix = "args."): PlatformSettings {
    const args = checkArgs(input, keyPrefix);
    const key = (field: string) => `${keyPrefix}${field}`;
    const defaults = PLATFORM_ARGS_SHAPE;
    const warnings: string[] = [];

    const platform = (args.platform as Platform | undefined) ?? defaults.platform.default;
    const { release, ...releaseSettings } = resolveRelease(args, key, warnings);
    const { chartLine } = releaseSettings;
    const lineDefaults = installedLineDefaults(args.installedReleaseVersion, chartLine);
    const discoveryBackend = (args.discoveryBackend as DiscoveryBackend | undefined) ?? lineDefaults.discoveryBackend;
    const installNats = args.installNats ?? lineDefaults.installNats;
    const { upgrade, retiringCrdsChartVersion, notes } = resolveUpgrade(args, release, key, warnings, {
        etcd: installsEtcd(chartLine, discoveryBackend),
        nats: installNats,
    });

    // From 1.4 Kubernetes discovery is the chart's own default, and NVIDIA's.
    if (discoveryBackend === DiscoveryBackend.Kubernetes && chartLine.defaultDiscoveryBackend === DiscoveryBackend.Etcd) {
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
    const { storageClass, persistenceStorageClass } = resolveStorageClasses(key, platform, args, localPath, eks);

    const chartSource = resolveChartSource(args, key);
    const nfs = resolveNfs(key("nfs"), args.nfs, chartSource);
    if (nfs && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("nfs"), key("platform"), "on EKS the model cache is EFS; remove nfs");
    }
    if (localPath && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(key("localPath.install"), key("platform"), "on EKS etcd and NATS use EBS block storage");
    }
    const skipAwait = args.skipAwait ?? defaults.skipAwait.default;
    const helmReleaseOptions = resolveHelmReleaseOptions(args.helmReleaseOptions, skipAwait, key);

    const removeCrdsOnDestroy = args.removeCrdsOnDestroy ?? defaults.removeCrdsOnDestroy.default;
    if (removeCrdsOnDestroy && chartLine.operatorAppliedCrds.length > 0) {
        notes.push(
            `${key("removeCrdsOnDestroy")}: neither Helm nor the operator ever deletes the CRDs the operator of release ${release.text} applies, so this stack owns them through ClusterRole ${crdOwnerName(args.namespace ?? defaults.namespace.default)}: pulumi destroy deletes ${chartLine.operatorAppliedCrds.length} CRDs and with them every Dynamo object, your models included.`,
        );
    } else if (removeCrdsOnDestroy && !chartLine.crdsChartVersion) {
        warnings.push(
            `${key("removeCrdsOnDestroy")} has no effect on release ${release.text}: its CRDs come with the platform chart's crds/ folder, which Helm never deletes; delete them with kubectl if you really mean to (from 1.4 this stack can own them).`,
        );
    }

    const ingress = resolveIngress(key, platform, args.ingress, args.eks, chartSource);
    const { images, imageSlots } = resolveImages(key("images"), args, { chartLine, nfs, ingress, localPath });

    const helmValues =
        args.helmValues === undefined || isUnresolved(args.helmValues)
            ? args.helmValues
            : checkHelmValues(key("helmValues"), args.helmValues as Values, { chartLine, storageClass });

    return {
        platform,
        ...releaseSettings,
        namespace: args.namespace ?? defaults.namespace.default,
        createNamespace: args.createNamespace ?? defaults.createNamespace.default,
        chartSource,
        discoveryBackend,
        installNats,
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
        teardownTimeoutSeconds: args.teardownTimeoutSeconds ?? defaults.teardownTimeoutSeconds.default,
        upgrade,
        retiringCrdsChartVersion,
        crdsHandOver: args.crdsHandOver ?? defaults.crdsHandOver.default,
        warnings,
        notes,
    };
}
