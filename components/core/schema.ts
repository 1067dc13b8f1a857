/**
 * The one declaration of every input field beside its type: the rule its value must meet and its
 * default. Each field's TypeScript type and documentation are in `args.ts`; `satisfies ShapeOf<…>`
 * makes the compiler check that every field of an argument interface is declared here with a spec
 * of its type, and no other. The resolvers take their defaults from here; the program reads its
 * config through these shapes; `docs/configuration.md` and `Pulumi.yaml`'s typed config are
 * generated from them and the TSDoc (`npm run generate`), and a test checks that the TSDoc states
 * each default given here.
 */
import {
    DiscoveryBackend,
    DynamoEksClusterArgs,
    DynamoPlatformArgs,
    EfsArgs,
    EksArgs,
    EksIdentity,
    HelmReleaseOptionsArgs,
    ImagePullSecretArgs,
    IngressArgs,
    LocalPathArgs,
    NfsArgs,
    PlacementArgs,
    Platform,
    Profile,
    TolerationArgs,
} from "./args";
import { boolean, list, map, number, object, oneOf, secret, ShapeOf, string, values } from "./fieldSpec";
import * as rules from "./rules";

/** The config key that holds the image pull secret's password. */
export const PULL_SECRET_PASSWORD_KEY = "imagePullSecretPassword";
/** The config key that holds the Dynamo chart repository's password. */
const CHART_REPOSITORY_PASSWORD_KEY = "chartRepositoryPassword";

const ADD_ON_REPOSITORY = rules.chartSourceRule(
    "an add-on repository on the host of dynamo:chartRepository gets its credentials (dynamo:chartRepositoryUsername and the secret dynamo:chartRepositoryPassword)",
);

export const HELM_RELEASE_OPTIONS_SHAPE = {
    timeout: number({ integer: true, min: 1, unit: "seconds" }, { defaultText: "900 for the platform, 300 for the add-ons" }),
    atomic: boolean({ default: false }),
    maxHistory: number({ integer: true, min: 0, unit: "revisions" }, { defaultText: "Helm's (0: all)" }),
} as const satisfies ShapeOf<HelmReleaseOptionsArgs>;

export const TOLERATION_SHAPE = {
    key: string(rules.TOLERATION_KEY, { required: true }),
    operator: oneOf(["Exists", "Equal"], { default: "Exists" }),
    value: string(rules.TOLERATION_VALUE),
    effect: oneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"], { defaultText: "every effect" }),
} as const satisfies ShapeOf<TolerationArgs>;

export const PLACEMENT_SHAPE = {
    nodeSelector: map(rules.LABEL_KEY, string(rules.LABEL_VALUE)),
    avoidGpuNodes: boolean({ default: true }),
    nodeAffinity: object({
        requiredDuringSchedulingIgnoredDuringExecution: values('a NodeSelector, e.g. {"nodeSelectorTerms": [...]}'),
        preferredDuringSchedulingIgnoredDuringExecution: list(
            values("a PreferredSchedulingTerm (an object)"),
            '[{"weight": 50, "preference": {"matchExpressions": [...]}}]',
            true,
        ),
    }),
} as const satisfies ShapeOf<PlacementArgs>;

export const NFS_SHAPE = {
    server: string(rules.HOST, { required: true }),
    share: string(rules.NFS_SHARE, { required: true }),
    mountOptions: list(string(rules.MOUNT_OPTION), '["nfsvers=4.1"]', true, { default: ["nfsvers=4.1"] }),
    installDriver: boolean({ default: true }),
    driverChartVersion: string(rules.CHART_VERSION, { default: "4.13.4" }),
    driverChartRepository: string(ADD_ON_REPOSITORY, {
        default: "https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts",
    }),
    reclaimPolicy: oneOf(["Retain", "Delete"], { default: "Retain" }),
} as const satisfies ShapeOf<NfsArgs>;

export const LOCAL_PATH_SHAPE = {
    install: boolean({ default: false, detected: "true when the cluster has no class named `persistenceStorageClass`" }),
    nodePath: string(rules.NODE_DIRECTORY, { default: "/opt/local-path-provisioner" }),
    image: string(rules.PINNED_IMAGE, { default: "docker.io/rancher/local-path-provisioner:v0.0.37" }),
    helperImage: string(rules.PINNED_IMAGE, { default: "docker.io/library/busybox:1.37.0" }),
} as const satisfies ShapeOf<LocalPathArgs>;

export const INGRESS_SHAPE = {
    className: string(rules.OBJECT_NAME, { defaultText: "`nginx` with `installNginx`, `alb` on EKS, else none" }),
    installNginx: boolean({ default: false }),
    nginxChartVersion: string(rules.CHART_VERSION, { default: "4.14.0" }),
    nginxChartRepository: string(ADD_ON_REPOSITORY, { default: "https://kubernetes.github.io/ingress-nginx" }),
    tlsSecretName: string(rules.OBJECT_NAME),
} as const satisfies ShapeOf<IngressArgs>;

export const IMAGE_PULL_SECRET_SHAPE = {
    name: string(rules.OBJECT_NAME, { default: "nvcr-imagepullsecret" }),
    registry: string(rules.REGISTRY_HOST, { default: "nvcr.io" }),
    username: string(rules.REGISTRY_USERNAME, { default: "$oauthtoken" }),
    password: secret(PULL_SECRET_PASSWORD_KEY),
} as const satisfies ShapeOf<ImagePullSecretArgs>;

const TAGS = map(rules.AWS_TAG_KEY, { type: "string", rule: rules.AWS_TAG_VALUE, spaces: true } as const);

export const EKS_SHAPE = {
    clusterName: string(rules.EKS_CLUSTER_NAME, { required: true }),
    vpcId: string(rules.VPC_ID),
    privateSubnetIds: list(string(rules.SUBNET_ID), '["subnet-0a1b2c3d", "subnet-4e5f6a7b"]', true),
    vpcCidr: string(rules.NFS_SOURCE_CIDR, { defaultText: "the VPC's primary CIDR, looked up" }),
    nfsClientSecurityGroupId: string(rules.SECURITY_GROUP_ID),
    identity: oneOf(Object.values(EksIdentity), { default: EksIdentity.PodIdentity }),
    oidcProviderArn: string(rules.OIDC_PROVIDER_ARN),
    installEfsCsiDriver: boolean({ default: true, detected: "false when the cluster runs the EFS CSI driver outside this stack" }),
    installPodIdentityAgent: boolean({
        default: false,
        detected: "true when the cluster has no Pod Identity agent (and for a cluster this stack creates)",
    }),
    installEbsCsiDriver: boolean({ default: false }),
    existingEbsCsiDriver: boolean({ default: false, detected: "true when the CSIDriver `ebs.csi.aws.com` is not this stack's add-on" }),
    createBlockStorageClass: boolean({
        defaultText: "with `installEbsCsiDriver` or Auto Mode",
        detected: "false when a class of that name exists that this stack did not create",
    }),
    autoMode: boolean({ default: false, detected: "true when the nodes are labelled `eks.amazonaws.com/compute-type=auto`" }),
    albScheme: oneOf(["internet-facing", "internal"], { default: "internet-facing" }),
    albGroupName: string(rules.OBJECT_NAME, { default: "dynamo" }),
    tags: TAGS,
} as const satisfies ShapeOf<EksArgs>;

export const EFS_SHAPE = {
    fileSystemId: string(rules.EFS_FILE_SYSTEM_ID, { defaultText: "a new file system" }),
    throughputMode: oneOf(["elastic", "bursting", "provisioned"], { default: "elastic" }),
    provisionedThroughputMibps: number({ integer: false, min: 1, unit: "MiB/s" }),
    kmsKeyId: string(rules.KMS_KEY_ARN, { defaultText: "the AWS-managed EFS key" }),
    transitionToIa: oneOf(
        [
            "AFTER_1_DAY",
            "AFTER_7_DAYS",
            "AFTER_14_DAYS",
            "AFTER_30_DAYS",
            "AFTER_60_DAYS",
            "AFTER_90_DAYS",
            "AFTER_180_DAYS",
            "AFTER_270_DAYS",
            "AFTER_365_DAYS",
        ],
        { defaultText: "never" },
    ),
    directoryPerms: string(rules.OCTAL_MODE, { default: "700" }),
    uid: number({ integer: true, min: 0, unit: "a user id" }, { defaultText: "the driver's range allocation" }),
    gid: number({ integer: true, min: 0, unit: "a group id" }, { defaultText: "the driver's range allocation" }),
    basePath: string(rules.EFS_BASE_PATH, { default: "/dynamo" }),
    reclaimPolicy: oneOf(["Retain", "Delete"], { default: "Retain" }),
    deleteOnDestroy: boolean({ default: false }),
} as const satisfies ShapeOf<EfsArgs>;

export const PLATFORM_ARGS_SHAPE = {
    platform: oneOf(Object.values(Platform), { default: Platform.Kubernetes }),
    releaseVersion: string(rules.RELEASE_VERSION, { required: true }),
    crdsVersion: string(rules.RELEASE_VERSION, { defaultText: "`releaseVersion` without `-postN`" }),
    namespace: string(rules.NAMESPACE, { default: "dynamo-system" }),
    createNamespace: boolean({ default: true }),
    chartRepository: string(
        rules.chartSourceRule(
            "put the user name in dynamo:chartRepositoryUsername and the password in the secret dynamo:chartRepositoryPassword (`pulumi config set --secret`)",
        ),
        { default: "https://helm.ngc.nvidia.com/nvidia/ai-dynamo" },
    ),
    chartRepositoryUsername: string(rules.REGISTRY_USERNAME),
    chartRepositoryPassword: secret(CHART_REPOSITORY_PASSWORD_KEY),
    chartRepositoryCaFile: string(rules.LOCAL_FILE, { defaultText: "the system's trust store" }),
    imageRegistry: string(rules.IMAGE_REGISTRY),
    images: map(rules.IMAGE_REPOSITORY, string(rules.PINNED_IMAGE)),
    helmReleaseOptions: object(HELM_RELEASE_OPTIONS_SHAPE),
    groveEnabled: boolean({ default: true }),
    kaiSchedulerEnabled: boolean({ default: true }),
    installGrove: boolean({ default: true, detected: "false when the cluster already runs Grove" }),
    installKaiScheduler: boolean({ default: true, detected: "false when the cluster already runs KAI Scheduler" }),
    discoveryBackend: oneOf(Object.values(DiscoveryBackend), {
        defaultText: "`etcd` before 1.4, `kubernetes` from 1.4 (the chart's own, which installs no etcd)",
        detected: "`etcd` while the platform it upgrades runs etcd",
    }),
    installNats: boolean({
        defaultText: "`true` before 1.4, `false` from 1.4 (the chart's own)",
        detected: "`true` while the platform it upgrades runs NATS",
    }),
    prometheusEndpoint: string(rules.PROMETHEUS_URL, { detected: "a kube-prometheus-stack Prometheus found in the cluster" }),
    monitoringStack: string(rules.STACK_NAME),
    storageClass: string(rules.OBJECT_NAME, { defaultText: "`nfs` on `k8s`, `efs` on `eks`" }),
    persistenceStorageClass: string(rules.OBJECT_NAME, {
        defaultText: "the cluster's default class (`local-path` with `localPath.install`, `gp3` with EKS block storage)",
    }),
    eks: object(EKS_SHAPE),
    efs: object(EFS_SHAPE),
    nfs: object(NFS_SHAPE),
    localPath: object(LOCAL_PATH_SHAPE),
    ingress: object(INGRESS_SHAPE),
    imagePullSecret: object(IMAGE_PULL_SECRET_SHAPE),
    tolerations: list(object(TOLERATION_SHAPE), '[{"key": "dedicated", "operator": "Equal", "value": "ai", "effect": "NoSchedule"}]'),
    profile: oneOf(Object.values(Profile), { default: Profile.Dev }),
    placement: object(PLACEMENT_SHAPE),
    helmValues: values(),
    removeCrdsOnDestroy: boolean({ default: false }),
    teardownTimeoutSeconds: number({ integer: true, min: 1, unit: "seconds" }, { default: 120 }),
    installedReleaseVersion: string(rules.RELEASE_VERSION, {
        defaultText: "nothing installed",
        detected: "the version of the platform's Helm release",
    }),
    crdsHandOver: boolean({
        default: true,
        detected: "whether Dynamo CRDs exist without a deployed `dynamo-crds` release",
    }),
    allowUnsupportedUpgrade: boolean({ default: false }),
    skipAwait: boolean({ default: false }),
} as const satisfies ShapeOf<DynamoPlatformArgs>;

/** The arguments of a new EKS cluster ({@link DynamoEksClusterArgs}). */
export const EKS_CLUSTER_ARGS_SHAPE = {
    clusterName: string(rules.EKS_CLUSTER_NAME, { required: true }),
    kubernetesVersion: string(rules.KUBERNETES_VERSION, { defaultText: "EKS's current default" }),
    vpcCidr: string(rules.NFS_SOURCE_CIDR, { default: "10.0.0.0/16" }),
    availabilityZoneCount: number({ integer: true, min: 2, max: 3, unit: "zones" }, { default: 2 }),
    instanceType: string(rules.INSTANCE_TYPE, { default: "m5.large" }),
    desiredNodes: number({ integer: true, min: 0, unit: "nodes" }, { default: 2 }),
    minNodes: number({ integer: true, min: 0, unit: "nodes" }, { default: 1 }),
    maxNodes: number({ integer: true, min: 0, unit: "nodes" }, { default: 3 }),
    tags: TAGS,
} as const satisfies ShapeOf<DynamoEksClusterArgs>;
