/**
 * Names the real charts and this package give to releases and Kubernetes objects, which the
 * component creates, auto-configuration and verify read, and the policy pack recognises. Each is
 * fixed: the operator and the charts derive other names from them. A leaf: it imports nothing.
 */

/** The Dynamo charts, as their repositories and archives name them. */
export const PLATFORM_CHART = "dynamo-platform";
export const CRDS_CHART = "dynamo-crds";

/**
 * The platform release name. The operator derives the etcd and NATS service names
 * (`<release>-etcd`, `<release>-nats`) from it, so it is fixed.
 */
export const PLATFORM_RELEASE_NAME = PLATFORM_CHART;

/** The release name the CRDs chart is installed under, as NVIDIA's guide installs it. */
export const CRDS_RELEASE_NAME = CRDS_CHART;
/** NVIDIA installs the CRDs chart into `default`; only Helm's record lives there, the CRDs are cluster-scoped. */
export const CRDS_RELEASE_NAMESPACE = "default";

/** The CRDs every Dynamo Platform install must have (the product's verification list). */
export const EXPECTED_CRDS = [
    "dynamographdeployments.nvidia.com",
    "dynamographdeploymentrequests.nvidia.com",
    "dynamoworkermetadatas.nvidia.com",
];

/** The CRDs the `dynamo-crds` 0.9.x charts render. */
export const CRDS_CHART_CRDS = [
    "dynamocomponentdeployments",
    "dynamographdeploymentrequests",
    "dynamographdeployments",
    "dynamographdeploymentscalingadapters",
    "dynamomodels",
    "dynamoworkermetadatas",
].map((plural) => `${plural}.nvidia.com`);

/** The name of the Dynamo CRD of a kind: its plural (every one is the kind, lower case, plus `s`) in `nvidia.com`. */
function dynamoCrdName(kind: string): string {
    return `${kind.toLowerCase()}s.nvidia.com`;
}

const OPERATOR_APPLIED_KINDS = [
    "DynamoCheckpoint",
    "DynamoComponentDeployment",
    "DynamoGraphDeploymentRequest",
    "DynamoGraphDeployment",
    "DynamoGraphDeploymentScalingAdapter",
    "DynamoModel",
    "DynamoWorkerMetadata",
];
const SNAPSHOT_KINDS_1_4 = ["PodSnapshotContent", "PodSnapshot"];

/**
 * The CRDs the operator pod's `crd-apply` applies from 1.4, on every start (the 1.5 image's seven;
 * 1.0.1's chart carries the same seven in its crds/ folder).
 */
export const OPERATOR_APPLIED_CRDS = OPERATOR_APPLIED_KINDS.map(dynamoCrdName);
/** What the 1.4 operator image applies besides: its pod-snapshot CRDs, which 1.5 no longer ships. */
export const SNAPSHOT_CRDS_1_4 = SNAPSHOT_KINDS_1_4.map(dynamoCrdName);
/** The kind of each CRD the operator applies, by the CRD's name. */
export const OPERATOR_CRD_KINDS: Readonly<Record<string, string>> = Object.fromEntries(
    [...OPERATOR_APPLIED_KINDS, ...SNAPSHOT_KINDS_1_4].map((kind) => [dynamoCrdName(kind), kind]),
);

/**
 * The rule-less ClusterRole that owns a platform's CRDs under `removeCrdsOnDestroy` (1.4 and
 * later), by platform namespace; it grants nothing.
 */
export function crdOwnerName(namespace: string): string {
    return `${PLATFORM_RELEASE_NAME}-crd-owner-${namespace}`;
}

/** The operator's Deployment in the platform namespace. */
export const OPERATOR_DEPLOYMENT = `${PLATFORM_RELEASE_NAME}-dynamo-operator-controller-manager`;
/** The operator pod's own container; the 0.9.x charts run `kube-rbac-proxy` beside it. */
export const OPERATOR_CONTAINER = "manager";
/** Name of the operator's PodDisruptionBudget, which the component creates under `ha`. */
export const OPERATOR_DISRUPTION_BUDGET = `${PLATFORM_RELEASE_NAME}-dynamo-operator`;

/** The StatefulSets of etcd members and NATS servers, and the names of their charts' disruption budgets. */
export const ETCD_STATEFUL_SET = `${PLATFORM_RELEASE_NAME}-etcd`;
export const NATS_STATEFUL_SET = `${PLATFORM_RELEASE_NAME}-nats`;

/** The labels that select each component's pods in the real charts (release `dynamo-platform`). */
export const POD_LABELS = {
    operator: {
        "control-plane": "controller-manager",
        "app.kubernetes.io/name": "dynamo-operator",
        "app.kubernetes.io/instance": PLATFORM_RELEASE_NAME,
    },
    etcd: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": PLATFORM_RELEASE_NAME, "app.kubernetes.io/component": "etcd" },
    nats: { "app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": PLATFORM_RELEASE_NAME, "app.kubernetes.io/component": "nats" },
} as const;

/** The Deployment of Grove's operator, the same name on every chart line. */
export const GROVE_OPERATOR_DEPLOYMENT = "grove-operator";

/** Where the add-ons this package installs live. */
export const LOCAL_PATH_NAMESPACE = "local-path-storage";
export const INGRESS_NGINX_NAMESPACE = "ingress-nginx";

/** The provisioners of the classes this package creates on plain Kubernetes. */
export const NFS_PROVISIONER = "nfs.csi.k8s.io";
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";

/** Kubernetes' well-known node labels. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** The component's type token: its URN carries it, and so do the diagnostics it logs. */
export const PLATFORM_COMPONENT_TYPE = "dynamo:index:DynamoPlatform";
