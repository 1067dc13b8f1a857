import * as pulumi from "@pulumi/pulumi";

/** Where the platform runs; decides the storage and ingress defaults. */
export enum Platform {
    /** Any conformant Kubernetes cluster: NFS model cache, local-path (or the cluster's) block storage. */
    Kubernetes = "k8s",
    /** Amazon EKS: EFS model cache, EBS block storage, ALB ingress. */
    Eks = "eks",
}

/** How Dynamo workers find each other. */
export enum DiscoveryBackend {
    /** The platform's etcd cluster. Recommended: stable KVBM handshakes in multi-replica disaggregated mode. */
    Etcd = "etcd",
    /** Kubernetes-native discovery. Simpler, but KVBM handshakes may fail in multi-replica disaggregated mode. */
    Kubernetes = "kubernetes",
}

/** A toleration added to every platform pod (operator, etcd, NATS, Grove, KAI). */
export interface TolerationArgs {
    /** Taint key to tolerate, e.g. `nvidia.com/gpu`. Empty with operator `Exists` tolerates every taint. */
    key?: string;
    /** `Exists` (default) or `Equal`. */
    operator?: string;
    /** Taint value to match; only with operator `Equal`. */
    value?: string;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`; empty matches every effect. */
    effect?: string;
}

/** An NFS export used as the ReadWriteMany model cache through csi-driver-nfs. */
export interface NfsArgs {
    /** NFS server host name or IP address. Required. */
    server: string;
    /** Exported directory on the server, an absolute path such as `/exports/models`. Required. */
    share: string;
    /** Mount options for every volume. Default `["nfsvers=4.1"]`. */
    mountOptions?: string[];
    /**
     * Install the csi-driver-nfs Helm chart into `kube-system`. Default true; set false when the
     * cluster already runs the driver (two installs of one CSI driver fight over the same node plugin).
     */
    installDriver?: boolean;
    /** Exact csi-driver-nfs chart version. Default `4.13.4`. */
    driverChartVersion?: string;
    /** Helm repository of csi-driver-nfs (an http(s) URL or a local chart folder for air-gapped installs). */
    driverChartRepository?: string;
    /**
     * Reclaim policy of the model-cache StorageClass. Default `Retain`, so deleting a PVC never
     * deletes downloaded model weights; `Delete` removes the subdirectory with the claim.
     */
    reclaimPolicy?: string;
}

/** local-path-provisioner, the ReadWriteOnce class for etcd and NATS on plain Kubernetes. */
export interface LocalPathArgs {
    /**
     * Install local-path-provisioner and its StorageClass (named by `persistenceStorageClass`,
     * default `local-path`). Default false. Leave it off on k3s and other distributions that ship
     * their own `local-path` class: this package never takes over a class it did not create.
     */
    install?: boolean;
    /** Node directory that holds the volumes. Default `/opt/local-path-provisioner`. */
    nodePath?: string;
    /** Provisioner image, pinned. Default `docker.io/rancher/local-path-provisioner:v0.0.37`. */
    image?: string;
    /** Image of the helper pod that creates and removes volume directories. Default `docker.io/library/busybox:1.37.0`. */
    helperImage?: string;
}

/** Ingress for the graph frontends that the operator creates. */
export interface IngressArgs {
    /**
     * IngressClass the operator puts on frontend ingresses. Default `nginx` when `installNginx`
     * is set, `alb` on EKS; without a class the operator creates no ingress.
     */
    className?: string;
    /** Install the ingress-nginx controller (plain Kubernetes). Default false. */
    installNginx?: boolean;
    /** Exact ingress-nginx chart version. Default `4.14.0`. */
    nginxChartVersion?: string;
    /** Helm repository of ingress-nginx (an http(s) URL or a local chart folder). */
    nginxChartRepository?: string;
    /** Secret holding the TLS certificate for frontend ingresses. Default none (plain HTTP). */
    tlsSecretName?: string;
}

/** Credentials the operator uses to pull images from a private registry such as nvcr.io. */
export interface ImagePullSecretArgs {
    /** Name of the pull secret in the platform namespace. Default `nvcr-imagepullsecret`. */
    name?: string;
    /** Registry host. Default `nvcr.io`. */
    registry?: string;
    /** Registry user. Default `$oauthtoken` (NGC API keys). */
    username?: string;
    /**
     * Registry password or NGC API key; pass a Pulumi secret. When set, the secret is created;
     * when unset, `name` must refer to an existing secret in the namespace.
     */
    password?: pulumi.Input<string>;
}

/** Arguments of the {@link DynamoPlatform} component. */
export interface DynamoPlatformArgs {
    /** Target platform. Default `k8s`. */
    platform?: Platform;
    /**
     * Exact `dynamo-platform` chart version, e.g. `0.9.1`, `0.9.0-post1` or `1.2.0`. Required; no
     * ranges, because semver orders `-postN` releases wrongly. Decides the values layout and
     * whether CRDs come from the separate `dynamo-crds` chart (before 1.0) or the platform chart.
     */
    releaseVersion: string;
    /** Exact `dynamo-crds` chart version. Default: `releaseVersion` without `-postN`. Only before 1.0. */
    crdsVersion?: string;
    /** Namespace of the platform release, a DNS-1123 label. Default `dynamo-system`. */
    namespace?: string;
    /**
     * Create the namespace (and delete it on destroy). Default true. Set false to install into a
     * namespace you manage yourself.
     */
    createNamespace?: boolean;
    /**
     * Where the Dynamo charts come from: an http(s) Helm repository, or a local folder holding
     * `<chart>-<version>.tgz` archives or `<chart>-<version>/` chart folders (air-gapped mirrors).
     * Default `https://helm.ngc.nvidia.com/nvidia/ai-dynamo`.
     */
    chartRepository?: string;
    /** Install Grove (KV-aware routing). Default true. */
    groveEnabled?: boolean;
    /** Install KAI Scheduler (GPU scheduling). Default true. */
    kaiSchedulerEnabled?: boolean;
    /** Discovery backend. Default `etcd`; `kubernetes` logs a warning about KVBM handshakes. */
    discoveryBackend?: DiscoveryBackend;
    /**
     * Prometheus URL the operator configures in workloads and PodMonitors. Wins over
     * `monitoringStack`. Default none.
     */
    prometheusEndpoint?: pulumi.Input<string>;
    /**
     * Name of a stack (`org/project/stack`) whose output `prometheusEndpoint` is used when
     * `prometheusEndpoint` is not set. Default none.
     */
    monitoringStack?: string;
    /** StorageClass of the ReadWriteMany model cache. Default `nfs` on `k8s`, `efs` on `eks`. */
    storageClass?: string;
    /**
     * ReadWriteOnce StorageClass for etcd and NATS persistence. Default: the cluster's default
     * class (`local-path` when `localPath.install` is set). Must not be the model-cache class.
     */
    persistenceStorageClass?: string;
    /** NFS export for the model cache; when set, csi-driver-nfs and the `storageClass` class are created. */
    nfs?: NfsArgs;
    /** local-path-provisioner for the persistence class. */
    localPath?: LocalPathArgs;
    /** Ingress for graph frontends. */
    ingress?: IngressArgs;
    /** Image pull secret for private registries. */
    imagePullSecret?: ImagePullSecretArgs;
    /**
     * Extra tolerations for every platform pod. GPU-tainted nodes (`nvidia.com/gpu`) are always
     * tolerated, so the control plane also fits on GPU-only clusters.
     */
    tolerations?: TolerationArgs[];
    /**
     * Values deep-merged last into the platform chart values (objects merge, lists replace), for
     * any chart setting this package does not model. Default none.
     */
    helmValues?: pulumi.Input<Record<string, unknown>>;
    /**
     * Delete the Dynamo CRDs on destroy. Default false: deleting a CRD deletes every object of it,
     * that is every DynamoGraphDeployment (your running models).
     */
    removeCrdsOnDestroy?: boolean;
    /**
     * Do not wait for workloads to become ready after each Helm install or upgrade. Default false.
     * For clusters that cannot run the pods yet (no nodes, images still mirroring, CI).
     */
    skipAwait?: boolean;
}
