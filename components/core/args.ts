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

/** How the platform's own pods are sized and replicated. */
export enum Profile {
    /** One operator, one etcd member, one NATS server, the charts' own resources: to try Dynamo out. */
    Dev = "dev",
    /**
     * Operator 2 replicas, etcd 3 members, NATS a 3-server cluster, spread over zones and nodes, each
     * with a PodDisruptionBudget and sized requests and limits: to run models on.
     */
    Ha = "ha",
}

/** Where the platform's own pods (operator, etcd, NATS, Grove, KAI Scheduler, hook Jobs) may run. */
export interface PlacementArgs {
    /**
     * Node labels every platform pod requires, e.g. `{"eks.amazonaws.com/nodegroup": "system"}` to
     * pin the control plane to one node group.
     */
    nodeSelector?: Record<string, string>;
    /**
     * Prefer nodes without GPUs (a preferred node affinity on the GPU node labels), so the control
     * plane uses CPU nodes when there are any and still fits on a GPU-only cluster. Default `true`.
     */
    avoidGpuNodes?: boolean;
    /**
     * A Kubernetes NodeAffinity (`requiredDuringSchedulingIgnoredDuringExecution` and/or
     * `preferredDuringSchedulingIgnoredDuringExecution`) given to every platform pod instead of the one
     * built from `nodeSelector` and `avoidGpuNodes`.
     */
    // A Kubernetes object passed through as it is: `any` is what the component schema calls "Any".
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    nodeAffinity?: Record<string, any>;
}

/** A toleration added to every platform pod (operator, etcd, NATS, Grove, KAI). */
export interface TolerationArgs {
    /** Taint key to tolerate, e.g. `nvidia.com/gpu`. Required. A toleration without a key would tolerate every taint. */
    key?: string;
    /** `Exists` or `Equal`. Default `Exists`. */
    operator?: string;
    /** Taint value to match; only with operator `Equal`. */
    value?: string;
    /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. Default: every effect. */
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
     * Install the csi-driver-nfs Helm chart into `kube-system`. Default `true`. Set false when the
     * cluster already runs the driver (two installs of one CSI driver fight over the same node plugin).
     */
    installDriver?: boolean;
    /** Exact csi-driver-nfs chart version. Default `4.13.4`. */
    driverChartVersion?: string;
    /**
     * Helm repository of csi-driver-nfs (an http(s) URL or a local chart folder for air-gapped installs).
     * Default `https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts`.
     */
    driverChartRepository?: string;
    /**
     * Reclaim policy of the model-cache StorageClass. Default `Retain`. Then deleting a PVC never
     * deletes downloaded model weights; `Delete` removes the subdirectory with the claim.
     */
    reclaimPolicy?: string;
}

/** local-path-provisioner, the ReadWriteOnce class for etcd and NATS on plain Kubernetes. */
export interface LocalPathArgs {
    /**
     * Install local-path-provisioner and its StorageClass (named by `persistenceStorageClass`,
     * default `local-path`). Default `false`. Leave it off on k3s and other distributions that ship
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
     * IngressClass the operator puts on frontend ingresses; without a class the operator creates no
     * ingress. Default: `nginx` with `installNginx`, `alb` on EKS, else none.
     */
    className?: string;
    /** Install the ingress-nginx controller (plain Kubernetes). Default `false`. */
    installNginx?: boolean;
    /** Exact ingress-nginx chart version. Default `4.14.0`. */
    nginxChartVersion?: string;
    /** Helm repository of ingress-nginx (an http(s) URL or a local chart folder). Default `https://kubernetes.github.io/ingress-nginx`. */
    nginxChartRepository?: string;
    /** Secret holding the TLS certificate for frontend ingresses; without it they serve plain HTTP. */
    tlsSecretName?: string;
}

/** Helm release options, as `helm install` and `helm upgrade` take them. */
export interface HelmReleaseOptionsArgs {
    /** Seconds Helm waits for each install or upgrade, hooks included. Default: 900 for the platform, 300 for the add-ons. */
    timeout?: number;
    /** Roll a failed install or upgrade back (Helm's `--atomic`). Default `false`. Not with `skipAwait`. */
    atomic?: boolean;
    /** Revisions Helm keeps per release. Default: Helm's (0: all). */
    maxHistory?: number;
}

/** Credentials the operator uses to pull images from a private registry such as nvcr.io. */
export interface ImagePullSecretArgs {
    /** Name of the pull secret in the platform namespace. Default `nvcr-imagepullsecret`. */
    name?: string;
    /** Registry host. Default `nvcr.io`. */
    registry?: string;
    /** Registry user; NGC API keys go with `$oauthtoken`. Default `$oauthtoken`. */
    username?: string;
    /**
     * Registry password or NGC API key; pass a Pulumi secret. When set, the secret is created;
     * when unset, `name` must refer to an existing secret in the namespace.
     */
    password?: pulumi.Input<string>;
}

/** How AWS credentials reach the CSI drivers' controller service accounts. */
export enum EksIdentity {
    /** EKS Pod Identity: the add-on's pod identity association (needs the eks-pod-identity-agent add-on). */
    PodIdentity = "podIdentity",
    /** IAM Roles for Service Accounts: a role trusted by the cluster's OIDC provider. */
    Irsa = "irsa",
}

/** The EKS cluster the platform runs on, and which AWS pieces to install there. */
export interface EksArgs {
    /** Name of the EKS cluster. Required. */
    clusterName: pulumi.Input<string>;
    /** VPC of the cluster, where the EFS mount targets and their security group go. Required with `privateSubnetIds`. */
    vpcId?: pulumi.Input<string>;
    /** Private subnets of the cluster's nodes; one EFS mount target is created per availability zone among them. */
    privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** IPv4 CIDR allowed to reach EFS on TCP 2049, a /8 or narrower. Default: the VPC's primary CIDR, looked up. */
    vpcCidr?: pulumi.Input<string>;
    /** Security group (e.g. the node group's) allowed to reach EFS instead of the whole VPC CIDR. */
    nfsClientSecurityGroupId?: pulumi.Input<string>;
    /** Identity mechanism for the CSI driver roles. Default `podIdentity`. */
    identity?: EksIdentity;
    /** ARN of the cluster's IAM OIDC provider. Required for `irsa`. */
    oidcProviderArn?: pulumi.Input<string>;
    /** Install the `aws-efs-csi-driver` add-on and its role; false when the cluster already has the driver. Default `true`. */
    installEfsCsiDriver?: boolean;
    /**
     * Install the `eks-pod-identity-agent` add-on, which `podIdentity` needs on the nodes.
     * Auto-configuration installs it when the cluster has no agent (no DaemonSet
     * `kube-system/eks-pod-identity-agent`, no Auto Mode nodes) and refuses an explicit false then;
     * the program installs it for a cluster the stack creates. Default `false`.
     */
    installPodIdentityAgent?: boolean;
    /**
     * Install the `aws-ebs-csi-driver` add-on with its role and a `gp3` StorageClass for etcd and NATS.
     * Without it the cluster's EBS-backed default class is used. Default `false`.
     */
    installEbsCsiDriver?: boolean;
    /**
     * The cluster already runs the EBS CSI driver, not as this stack's add-on: with
     * `installEbsCsiDriver` the `gp3` class is created on that driver and the add-on is not
     * installed. Auto-configuration detects it from the CSIDriver `ebs.csi.aws.com`. Default `false`.
     */
    existingEbsCsiDriver?: boolean;
    /**
     * Create the `gp3` StorageClass for etcd and NATS. Auto-configuration sets false when the cluster
     * already has a class of that name that this stack did not create, which is then used as it is.
     * Default: with `installEbsCsiDriver` or Auto Mode.
     */
    createBlockStorageClass?: boolean;
    /**
     * The cluster runs EKS Auto Mode: block storage comes from Auto Mode's own provisioner
     * (`ebs.csi.eks.amazonaws.com`, so no EBS add-on) and Pod Identity is built in; the EFS CSI
     * add-on is still installed (Auto Mode has no EFS driver). Auto-configuration detects it from the
     * nodes' `eks.amazonaws.com/compute-type` label. Default `false`.
     */
    autoMode?: boolean;
    /** The ALB scheme annotation for frontend ingresses: `internet-facing` or `internal`. Default `internet-facing`. */
    albScheme?: string;
    /** ALB group shared by all frontend ingresses. Default `dynamo`. */
    albGroupName?: string;
    /** Tags on every AWS resource created. */
    tags?: Record<string, string>;
}

/** The EFS file system of the model cache on EKS. */
export interface EfsArgs {
    /**
     * Use this existing file system (`fs-` and hex digits) instead of creating one; it then needs its
     * own mount targets. Default: a new file system.
     */
    fileSystemId?: string;
    /** Throughput mode: `elastic`, `bursting` or `provisioned`. Default `elastic`. */
    throughputMode?: string;
    /** MiB/s, at least 1, only with `provisioned` (3414 is the usual regional quota). */
    provisionedThroughputMibps?: number;
    /** ARN of the KMS key (or alias) for encryption at rest, which is always on. Default: the AWS-managed EFS key. */
    kmsKeyId?: pulumi.Input<string>;
    /** Move files unused for this long to Infrequent Access, e.g. `AFTER_30_DAYS`. Default: never. */
    transitionToIa?: string;
    /** Permissions of each volume's access-point directory, an octal mode such as `700` or `777`. Default `700`. */
    directoryPerms?: string;
    /** Owner uid of access-point directories. Default: the driver's range allocation. */
    uid?: number;
    /** Owner gid of access-point directories. Default: the driver's range allocation. */
    gid?: number;
    /** Directory under which access points are created. Default `/dynamo`. */
    basePath?: string;
    /** StorageClass reclaim policy: `Retain` (removing a claim keeps the model data) or `Delete`. Default `Retain`. */
    reclaimPolicy?: string;
    /**
     * Delete the file system, and every model in it, on `pulumi destroy`. Without it the file system
     * is left in the account and its id stays in the last stack outputs for reuse. Default `false`.
     */
    deleteOnDestroy?: boolean;
}

/** Arguments of the {@link DynamoPlatform} component. */
export interface DynamoPlatformArgs {
    /** Target platform: `k8s` (any conformant cluster) or `eks` (Amazon EKS). Default `k8s`. */
    platform?: Platform;
    /**
     * Exact `dynamo-platform` chart version, e.g. `0.9.1`, `0.9.0-post1` or `1.2.0`. Required. No
     * ranges, because semver orders `-postN` releases wrongly. Decides the values layout and
     * whether CRDs come from the separate `dynamo-crds` chart (before 1.0) or the platform chart.
     */
    releaseVersion: string;
    /**
     * Exact `dynamo-crds` chart version on the release's own minor line (e.g. `0.9.1` CRDs under a 0.9.0
     * platform). Only before 1.0. Default: `releaseVersion` without `-postN`.
     */
    crdsVersion?: string;
    /**
     * Namespace of the platform release, a DNS-1123 label. Default `dynamo-system`. System namespaces
     * (`default`, `kube-*`, and those of the add-ons this package installs) are refused.
     */
    namespace?: string;
    /**
     * Create the namespace (and delete it on destroy). Default `true`. Set false to install into a
     * namespace you manage yourself.
     */
    createNamespace?: boolean;
    /**
     * Where the Dynamo charts come from: an http(s) Helm repository, or a local folder holding
     * `<chart>-<version>.tgz` archives or `<chart>-<version>/` chart folders (air-gapped mirrors).
     * Default `https://helm.ngc.nvidia.com/nvidia/ai-dynamo`.
     */
    chartRepository?: string;
    /** User name for an http(s) `chartRepository` that needs credentials. */
    chartRepositoryUsername?: string;
    /** Password for an http(s) `chartRepository`, with `chartRepositoryUsername`; pass a Pulumi secret. */
    chartRepositoryPassword?: pulumi.Input<string>;
    /**
     * PEM file of the certificate authority that signed the chart repository's TLS certificate (a
     * private mirror's own CA), on the machine that runs Pulumi. Like the credentials, it also applies
     * to add-on chart repositories on the same host. Default: the system's trust store.
     */
    chartRepositoryCaFile?: string;
    /**
     * Registry (host, optional port and path) that every image the platform installs is pulled
     * from instead of its public one: operator, etcd, NATS, Grove, KAI Scheduler, hook Jobs, and the
     * storage and ingress add-ons of this stack. Each image keeps its path below the registry, e.g.
     * `nvcr.io/nvidia/ai-dynamo/kubernetes-operator` becomes `<imageRegistry>/nvidia/ai-dynamo/kubernetes-operator`.
     * Without it, images come from their public registries.
     */
    imageRegistry?: string;
    /**
     * Per-image replacements, applied after `imageRegistry`: the image's repository as
     * `npm run images` lists it (e.g. `docker.io/bitnami/kubectl`) to the full reference to pull
     * instead (e.g. `mirror.internal/tools/kubectl:1.33.4`).
     */
    images?: Record<string, string>;
    /** Options of every Helm release this component installs (the platform and the add-ons). */
    helmReleaseOptions?: HelmReleaseOptionsArgs;
    /** Install Grove (KV-aware routing). Default `true`. */
    groveEnabled?: boolean;
    /** Install KAI Scheduler (GPU scheduling). Default `true`. */
    kaiSchedulerEnabled?: boolean;
    /**
     * With `groveEnabled`, install the bundled Grove. False uses a Grove that already runs in the
     * cluster (1.x charts only); auto-configuration sets it when it finds one. Default `true`.
     */
    installGrove?: boolean;
    /**
     * With `kaiSchedulerEnabled`, install the bundled KAI Scheduler. False uses a KAI Scheduler that
     * already runs in the cluster (1.x charts only); auto-configuration sets it when it finds one.
     * Default `true`.
     */
    installKaiScheduler?: boolean;
    /**
     * How workers find each other: `etcd` (the platform's etcd, installed with it) or `kubernetes`.
     * Before 1.4, `kubernetes` logs a warning: KVBM handshakes may fail in multi-replica disaggregated
     * mode. Default: `etcd` before 1.4, `kubernetes` from 1.4 (the chart's own, which installs no etcd).
     */
    discoveryBackend?: DiscoveryBackend;
    /**
     * Install NATS (JetStream, for KV-cache events and messaging) with the platform. Default: `true`
     * before 1.4, `false` from 1.4 (the chart's own).
     */
    installNats?: boolean;
    /**
     * Prometheus URL the operator configures in workloads and PodMonitors. Wins over
     * `monitoringStack`.
     */
    prometheusEndpoint?: pulumi.Input<string>;
    /**
     * Name of a stack (`org/project/stack`) whose output `prometheusEndpoint` is used when
     * `prometheusEndpoint` is not set.
     */
    monitoringStack?: string;
    /** StorageClass of the ReadWriteMany model cache. Default: `nfs` on `k8s`, `efs` on `eks`. */
    storageClass?: string;
    /**
     * ReadWriteOnce StorageClass for etcd and NATS persistence; not the model-cache class. Default:
     * the cluster's default class (`local-path` with `localPath.install`, `gp3` with EKS block storage).
     */
    persistenceStorageClass?: string;
    /** The EKS cluster (required with `platform: eks`). */
    eks?: EksArgs;
    /** EFS model cache settings on EKS. */
    efs?: EfsArgs;
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
     * `dev` or `ha`: the replicas, spreading, disruption budgets and resources of the platform's own
     * pods (see docs/production.md). Default `dev`.
     */
    profile?: Profile;
    /** Where the platform's own pods run: anywhere, preferring nodes without GPUs, unless this says otherwise. */
    placement?: PlacementArgs;
    /**
     * Values deep-merged last into the platform chart values (objects merge, lists replace), for
     * any chart setting this package does not model.
     */
    // Arbitrary chart values: `any` is what the component schema calls "Any" for other languages.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    helmValues?: pulumi.Input<Record<string, any>>;
    /**
     * Delete the Dynamo CRDs on destroy. Deleting a CRD deletes every object of it, that is every
     * DynamoGraphDeployment (your running models). On 0.9.x the CRDs chart is rendered by Pulumi;
     * from 1.4 the stack owns the CRDs the operator applies (through a rule-less ClusterRole); on
     * 1.0 to 1.3 it has no effect (the chart's crds/ folder, which Helm never deletes). Default `false`.
     */
    removeCrdsOnDestroy?: boolean;
    /**
     * With `removeCrdsOnDestroy`: how long the destroy waits, after deleting every Dynamo custom
     * resource while the operator still runs, for their finalizers to clear. Past it the destroy
     * stops and names what is left instead of hanging on the CRDs. Default `120`.
     */
    teardownTimeoutSeconds?: number;
    /**
     * The platform release the cluster runs now, for the upgrade plan. The program's
     * auto-configuration reads it from the platform's Helm release; set it only where the cluster
     * cannot be read before the run. Default: nothing installed.
     */
    installedReleaseVersion?: string;
    /**
     * Whether CRDs of the `dynamo-crds` chart exist without a deployed `dynamo-crds` Helm release
     * (left by an install that rendered the chart, or applied with kubectl), so the run first gives
     * them Helm's ownership metadata and the release adopts them. The program's auto-configuration
     * reads it; when it is unknown every such run hands over (safe, one rendering slower). Default `true`.
     */
    crdsHandOver?: boolean;
    /**
     * Apply a release the upgrade plan refuses (a downgrade, or a skipped minor line). NVIDIA does
     * not support either; the run warns loudly. Default `false`.
     */
    allowUnsupportedUpgrade?: boolean;
    /**
     * Do not wait for workloads to become ready after each Helm install or upgrade: for clusters that
     * cannot run the pods yet (no nodes, images still mirroring, CI). Default `false`.
     */
    skipAwait?: boolean;
}

/** Arguments of the {@link DynamoEksCluster} component: a new EKS cluster in its own VPC. */
export interface DynamoEksClusterArgs {
    /** EKS cluster name, unique in the account and region. Required. */
    clusterName: string;
    /** Kubernetes version, e.g. `1.34`. Default: EKS's current default. */
    kubernetesVersion?: string;
    /** VPC CIDR, a /16 to /20. Default `10.0.0.0/16`. */
    vpcCidr?: string;
    /** Availability zones to spread subnets (and EFS mount targets) over, 2 or 3. Default `2`. */
    availabilityZoneCount?: number;
    /** Instance type of the default node group. Default `m5.large`. */
    instanceType?: string;
    /** Nodes the default node group starts with. Default `2`. */
    desiredNodes?: number;
    /** Fewest nodes of the default node group. Default `1`. */
    minNodes?: number;
    /** Most nodes of the default node group. Default `3`. */
    maxNodes?: number;
    /** Tags on every AWS resource created. */
    tags?: Record<string, string>;
}
