/**
 * The resolved settings: every decision the component acts on, with defaults applied. Types only,
 * so the modules that build values and resources from settings never import the resolvers.
 */
import * as pulumi from "@pulumi/pulumi";
import { DiscoveryBackend, EksIdentity, Platform } from "../args";
import { ImageSettings, ImageSlot } from "../imageCatalog";
import { PlacementSettings } from "../placement";
import { UpgradePlan } from "../upgrades";
import { ChartLine } from "../versions";

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
    /** NATS is installed with the platform. */
    installNats: boolean;
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
