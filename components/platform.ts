import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs } from "./core/args";
import { PlatformCharts, releaseOptions, resolveCharts } from "./core/charts";
import { ownedLabels } from "./core/labels";
import { installCrds, ownOperatorCrds } from "./kubernetes/crds";
import { CRDS_RELEASE_NAME, EXPECTED_CRDS, PLATFORM_COMPONENT_TYPE, PLATFORM_RELEASE_NAME } from "./core/names";
import { checkedFor, keyPrefixFor } from "./core/errors";
import { createCsiDriverAddon, createEfsModelCache, createGp3StorageClass, createPodIdentityAgent } from "./eks/storage";
import { EBS_AUTO_MODE_PROVISIONER, EBS_CSI_DRIVER, EBS_PROVISIONER, EFS_CSI_DRIVER } from "./core/eksFacts";
import { createIngressNginx } from "./kubernetes/ingress";
import { createLocalPathStorage, createNfsModelCache } from "./kubernetes/storage";
import { resolvePrometheusEndpoint } from "./kubernetes/monitoring";
import { resolveSettings } from "./core/settings";
import { checkHelmValues } from "./core/settings/helm";
import { PlatformSettings } from "./core/settings/types";
import { platformReleaseValues } from "./core/releaseValues";
import { installsEtcd } from "./core/values";
import { Values } from "./core/valueTree";
import { Profile } from "./core/args";
import { createOperatorDisruptionBudget } from "./kubernetes/disruption";
import { placeGroveOperator } from "./kubernetes/placement";

/** Seconds Helm may take for the platform install or upgrade, hooks included (image pulls are slow). */
const PLATFORM_RELEASE_TIMEOUT = 900;

/**
 * The NVIDIA Dynamo Platform: CRDs, operator, etcd, NATS, Grove and KAI Scheduler, with the storage
 * and ingress they need, on the cluster of the Kubernetes provider passed in `opts`.
 *
 * `pulumi destroy` uninstalls the platform but keeps the Dynamo CRDs, and with them every
 * DynamoGraphDeployment, unless `removeCrdsOnDestroy` is set.
 */
export class DynamoPlatform extends pulumi.ComponentResource {
    /** Namespace of the platform release. */
    public readonly namespace: pulumi.Output<string>;
    /** Name the `dynamo-crds` chart is rendered under, empty where the platform chart ships the CRDs. */
    public readonly crdsReleaseName: pulumi.Output<string>;
    /** Version of the `dynamo-crds` chart, empty where the platform chart ships the CRDs. */
    public readonly crdsReleaseVersion: pulumi.Output<string>;
    /** Name of the platform release, always `dynamo-platform`. */
    public readonly platformReleaseName: pulumi.Output<string>;
    /** Chart version of the platform release. */
    public readonly platformReleaseVersion: pulumi.Output<string>;
    /** Names of the CRDs a working platform has. */
    public readonly crdNames: pulumi.Output<string[]>;
    /** In-cluster etcd client address (`host:port`), empty when etcd is not installed. */
    public readonly etcdEndpoint: pulumi.Output<string>;
    /** In-cluster NATS URL, empty when NATS is not installed. */
    public readonly natsEndpoint: pulumi.Output<string>;
    /** Prometheus URL given to the operator, empty when none. */
    public readonly prometheusEndpoint: pulumi.Output<string>;
    /** Where the Prometheus URL came from: `explicit`, `monitoringStack` or `none`. */
    public readonly prometheusEndpointSource: pulumi.Output<string>;
    /** StorageClass of the ReadWriteMany model cache. */
    public readonly modelCacheStorageClass: pulumi.Output<string>;
    /** StorageClass of etcd and NATS volumes, empty for the cluster default. */
    public readonly persistenceStorageClass: pulumi.Output<string>;
    /** The EFS file system of the model cache on EKS (keep it to reuse after a destroy), empty elsewhere. */
    public readonly efsFileSystemId: pulumi.Output<string>;
    /** Availability zones of the EFS mount targets this component created, empty otherwise. */
    public readonly efsMountTargetZones: pulumi.Output<string[]>;
    /** How the EKS CSI drivers get AWS credentials: `podIdentity` or `irsa`; empty off EKS. */
    public readonly eksIdentity: pulumi.Output<string>;
    /** Whether the platform was set up for EKS Auto Mode (its block-storage provisioner, no EBS add-on). */
    public readonly eksAutoMode: pulumi.Output<boolean>;
    /** The profile the platform runs: `dev` or `ha`. */
    public readonly profile: pulumi.Output<string>;
    /** The mirror every platform image is pulled from, empty for the public registries. */
    public readonly imageRegistry: pulumi.Output<string>;
    /** The pull secret in the platform namespace the operator and workloads use, empty when none. */
    public readonly imagePullSecretName: pulumi.Output<string>;

    constructor(name: string, args: DynamoPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super(PLATFORM_COMPONENT_TYPE, name, {}, opts);

        const keyPrefix = keyPrefixFor(args);
        const settings = checkedFor(this, () => resolveSettings(args, keyPrefix));
        const charts = checkedFor(this, () => resolveCharts(settings));
        for (const warning of settings.warnings) {
            pulumi.log.warn(warning, this);
        }
        for (const note of settings.notes) {
            pulumi.log.info(note, this);
        }
        if (args.prometheusEndpoint !== undefined && settings.monitoringStack !== undefined) {
            pulumi.log.info(
                `${keyPrefix}prometheusEndpoint is set, so ${keyPrefix}monitoringStack "${settings.monitoringStack}" is not read.`,
                this,
            );
        }

        const namespace = settings.createNamespace
            ? new k8s.core.v1.Namespace(
                  `${name}-namespace`,
                  {
                      metadata: {
                          name: settings.namespace,
                          labels: ownedLabels(),
                          // Destroy asks for the deletion and goes on: the namespace controller
                          // finalizes it in the background (5 s or more), and an install right
                          // after waits for it (auto-configuration) instead of every destroy.
                          annotations: { "pulumi.com/skipAwait": "true" },
                      },
                  },
                  { parent: this },
              ).metadata.name
            : pulumi.output(settings.namespace);

        const crds = installCrds(name, settings, charts.crds, this);
        const storage = createStorage(name, settings, charts, this);
        if (charts.ingressNginx && settings.ingress.className) {
            createIngressNginx(name, charts.ingressNginx, settings, this);
        }
        const pullSecret = createPullSecret(name, settings, namespace, this);
        const prometheus = resolvePrometheusEndpoint(name, settings.prometheusEndpoint, settings.monitoringStack, keyPrefix, this);
        // Values that were still Outputs get the same checks once they resolve.
        const helmValues = pulumi.output(settings.helmValues ?? {}).apply((values) =>
            checkedFor(this, () =>
                checkHelmValues(`${keyPrefix}helmValues`, values as Values, {
                    chartLine: settings.chartLine,
                    storageClass: settings.storageClass,
                }),
            ),
        );

        const values = pulumi
            .all([prometheus.url, helmValues, pullSecret ?? pulumi.output(undefined)])
            .apply(([prometheusUrl, overrides, pullSecretName]) =>
                platformReleaseValues(settings, { prometheusUrl, pullSecretName, overrides: overrides as Values }),
            );

        const platformRelease = new k8s.helm.v3.Release(
            `${name}-platform`,
            {
                name: PLATFORM_RELEASE_NAME,
                namespace,
                ...charts.platform,
                values,
                skipAwait: settings.skipAwait,
                ...releaseOptions(settings.helmReleaseOptions, PLATFORM_RELEASE_TIMEOUT),
            },
            {
                parent: this,
                // The chart's workloads need the CRDs and their storage classes to exist first;
                // nothing in the values refers to them, so the order is stated here.
                dependsOn: definedResources(...crds.installers, crds.workerMetadata, storage.modelCache, storage.persistence),
            },
        );

        ownOperatorCrds(name, settings, platformRelease.namespace, platformRelease, this);

        if (settings.installGrove && settings.placement.nodeAffinity) {
            placeGroveOperator(name, platformRelease.namespace, settings.placement.nodeAffinity, settings.skipAwait, this);
        }
        if (settings.placement.profile === Profile.Ha) {
            createOperatorDisruptionBudget(name, platformRelease.namespace, this);
        }

        const serviceHost = (service: string) =>
            pulumi.interpolate`${PLATFORM_RELEASE_NAME}-${service}.${platformRelease.namespace}.svc.cluster.local`;
        this.namespace = platformRelease.namespace;
        // Known once every CRD of the chart is applied, so a consumer never sees them before.
        const afterCrds = (value: string) => (crds.applied ? crds.applied.apply(() => value) : pulumi.output(""));
        this.crdsReleaseName = afterCrds(CRDS_RELEASE_NAME);
        this.crdsReleaseVersion = afterCrds(charts.crds?.version ?? "");
        this.platformReleaseName = platformRelease.name;
        this.platformReleaseVersion = platformRelease.version;
        this.crdNames = pulumi.output(EXPECTED_CRDS);
        this.etcdEndpoint = installsEtcd(settings.chartLine, settings.discoveryBackend)
            ? pulumi.interpolate`${serviceHost("etcd")}:2379`
            : pulumi.output("");
        this.natsEndpoint = settings.installNats ? pulumi.interpolate`nats://${serviceHost("nats")}:4222` : pulumi.output("");
        this.prometheusEndpoint = prometheus.url;
        this.prometheusEndpointSource = pulumi.output(prometheus.source);
        this.modelCacheStorageClass = storage.modelCache ? storage.modelCache.metadata.name : pulumi.output(settings.storageClass);
        this.persistenceStorageClass = storage.persistence
            ? storage.persistence.metadata.name
            : pulumi.output(settings.persistenceStorageClass ?? "");
        this.efsFileSystemId = storage.efsFileSystemId ?? pulumi.output("");
        this.efsMountTargetZones = storage.efsMountTargetZones ?? pulumi.output([]);
        this.eksIdentity = pulumi.output(settings.eks?.identity ?? "");
        this.eksAutoMode = pulumi.output(settings.eks?.autoMode ?? false);
        this.profile = pulumi.output(settings.placement.profile);
        this.imageRegistry = pulumi.output(settings.images.registry ?? "");
        this.imagePullSecretName = pullSecret ?? pulumi.output("");

        this.registerOutputs({
            namespace: this.namespace,
            crdsReleaseName: this.crdsReleaseName,
            crdsReleaseVersion: this.crdsReleaseVersion,
            platformReleaseName: this.platformReleaseName,
            platformReleaseVersion: this.platformReleaseVersion,
            crdNames: this.crdNames,
            etcdEndpoint: this.etcdEndpoint,
            natsEndpoint: this.natsEndpoint,
            prometheusEndpoint: this.prometheusEndpoint,
            prometheusEndpointSource: this.prometheusEndpointSource,
            modelCacheStorageClass: this.modelCacheStorageClass,
            persistenceStorageClass: this.persistenceStorageClass,
            efsFileSystemId: this.efsFileSystemId,
            efsMountTargetZones: this.efsMountTargetZones,
            eksIdentity: this.eksIdentity,
            eksAutoMode: this.eksAutoMode,
            profile: this.profile,
            imageRegistry: this.imageRegistry,
            imagePullSecretName: this.imagePullSecretName,
        });
    }
}

interface Storage {
    /** The model-cache class, when this component creates it. */
    modelCache?: k8s.storage.v1.StorageClass;
    /** The etcd/NATS class, when this component creates it. */
    persistence?: k8s.storage.v1.StorageClass;
    efsFileSystemId?: pulumi.Output<string>;
    efsMountTargetZones?: pulumi.Output<string[]>;
}

/** The storage classes (and what backs them) for the platform's target. */
function createStorage(name: string, settings: PlatformSettings, charts: PlatformCharts, parent: pulumi.Resource): Storage {
    const { eks, efs } = settings;
    if (eks && efs) {
        const agent = eks.installPodIdentityAgent ? createPodIdentityAgent(name, eks, parent) : undefined;
        const needsAgent = agent ? [agent] : [];
        const efsDriver = eks.installEfsCsiDriver ? createCsiDriverAddon(name, EFS_CSI_DRIVER, eks, needsAgent, parent) : undefined;
        const cache = createEfsModelCache(name, settings.storageClass, eks, efs, efsDriver, parent);
        const persistence =
            eks.blockStorageClass && settings.persistenceStorageClass
                ? createGp3StorageClass(
                      name,
                      settings.persistenceStorageClass,
                      eks.autoMode ? EBS_AUTO_MODE_PROVISIONER : EBS_PROVISIONER,
                      eks.installEbsCsiDriver ? createCsiDriverAddon(name, EBS_CSI_DRIVER, eks, needsAgent, parent) : undefined,
                      parent,
                  )
                : undefined;
        return {
            modelCache: cache.storageClass,
            persistence,
            efsFileSystemId: cache.fileSystemId,
            efsMountTargetZones: cache.mountTargetZones,
        };
    }
    return {
        modelCache: settings.nfs ? createNfsModelCache(name, settings, settings.nfs, charts.nfsDriver, parent) : undefined,
        persistence:
            settings.localPath && settings.persistenceStorageClass
                ? createLocalPathStorage(name, settings.persistenceStorageClass, settings.localPath, settings, parent)
                : undefined,
    };
}

function definedResources(...resources: (pulumi.Resource | undefined)[]): pulumi.Resource[] {
    return resources.filter((resource): resource is pulumi.Resource => resource !== undefined);
}

/** The pull secret's name as an Output that also orders the release after the secret, if one is created or referenced. */
function createPullSecret(
    name: string,
    settings: PlatformSettings,
    namespace: pulumi.Output<string>,
    parent: pulumi.Resource,
): pulumi.Output<string> | undefined {
    const secret = settings.imagePullSecret;
    if (secret === undefined) {
        return undefined;
    }
    if (secret.password === undefined) {
        return pulumi.output(secret.name);
    }
    const dockerConfig = pulumi.secret(
        pulumi.output(secret.password).apply((password) =>
            JSON.stringify({
                auths: {
                    [secret.registry]: {
                        username: secret.username,
                        password,
                        auth: Buffer.from(`${secret.username}:${password}`).toString("base64"),
                    },
                },
            }),
        ),
    );
    return new k8s.core.v1.Secret(
        `${name}-image-pull-secret`,
        {
            metadata: { name: secret.name, namespace, labels: ownedLabels() },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": dockerConfig },
        },
        { parent },
    ).metadata.name;
}
