/**
 * The deployer role: what a person or CI needs to run the stack against a cluster (install,
 * upgrade, `npm run verify` with `--smoke`, `npm run teardown`, destroy, and auto-configuration's
 * reads), and no more. Measured from the API server's audit log of that lifecycle run by a user
 * bound to nothing else (e2e/deployer.test.ts), which also fails when a rule goes unused.
 * `npm run generate` writes it as docs/deployer-role.yaml; preflight asks the API server whether
 * the identity a stack runs as holds each rule its settings need.
 */
import { Platform } from "./args";
import { PlatformSettings } from "./settings/types";
import { installsEtcd } from "./values";

/** A configuration that needs rules the others do not. */
export type DeployerFeature =
    /** KAI Scheduler installed: its chart creates its config, shard and queue objects. */
    | "kaiScheduler"
    /** etcd installed (0.9.x, or `discoveryBackend: etcd`): its chart has a NetworkPolicy. */
    | "etcd"
    /** A monitoring stack or Prometheus: the charts' PodMonitors and ServiceMonitors. */
    | "monitoring"
    /** An EKS cluster: auto-configuration and verify read its add-ons' DaemonSets and CSI drivers. */
    | "eks"
    /** Always read, but only answered where the GPU Operator is installed (its ClusterPolicy). */
    | "gpuOperator";

export interface DeployerRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    /** Why the lifecycle needs it, one line (a comment in the generated YAML). */
    why: string;
    /** Only configurations with this feature need it; absent: every one. */
    feature?: DeployerFeature;
}

/** The ClusterRole's name in the docs and in preflight's message. */
export const DEPLOYER_ROLE_NAME = "dynamo-platform-deployer";
/** Where the docs keep the role, generated from {@link DEPLOYER_RULES}. */
export const DEPLOYER_ROLE_FILE = "docs/deployer-role.yaml";
/** The page that explains it. */
export const DEPLOYER_ROLE_DOC = "docs/permissions.md";

/** What Helm and Pulumi do with an object they own: read it, wait for it (watch), create, change and delete it. */
const MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"];
/** What waiting for readiness and verifying need. */
const READ = ["get", "list", "watch"];

export const DEPLOYER_RULES: readonly DeployerRule[] = [
    {
        apiGroups: [""],
        resources: ["namespaces"],
        verbs: MANAGE,
        why: "the platform namespace (deleted by destroy), verify --smoke's own namespace, and where things are",
    },
    {
        apiGroups: [""],
        resources: ["configmaps", "secrets", "serviceaccounts", "services"],
        verbs: MANAGE,
        why: "the charts' objects; Helm keeps each release revision in a Secret of its namespace; the image pull secret",
    },
    {
        apiGroups: [""],
        resources: ["pods", "events", "persistentvolumeclaims"],
        verbs: READ,
        why: "Helm's and Pulumi's wait for readiness; verify's pod rows",
    },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"], why: "verify's operator log row" },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"], why: "auto-configuration (GPU nodes, zones) and verify" },
    {
        apiGroups: ["apps"],
        resources: ["deployments", "statefulsets"],
        verbs: MANAGE,
        why: "the operator, etcd, NATS, Grove, KAI and local-path Deployments and StatefulSets",
    },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ, why: "Helm's wait for a Deployment's rollout" },
    {
        apiGroups: ["apps"],
        resources: ["daemonsets"],
        verbs: ["get", "list"],
        why: "the EKS Pod Identity agent and CSI node DaemonSets auto-configuration and verify read",
        feature: "eks",
    },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: MANAGE, why: "the charts' hook Jobs; verify and preflight read failed ones" },
    {
        apiGroups: ["policy"],
        resources: ["poddisruptionbudgets"],
        verbs: MANAGE,
        why: "the ha profile's budgets and the etcd and NATS charts' own; verify's budget row",
    },
    {
        apiGroups: ["networking.k8s.io"],
        resources: ["networkpolicies"],
        verbs: MANAGE,
        why: "the etcd chart's NetworkPolicy",
        feature: "etcd",
    },
    {
        apiGroups: ["networking.k8s.io"],
        resources: ["ingressclasses"],
        verbs: ["get", "list"],
        why: "auto-configuration's ingress decision",
    },
    {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterroles", "roles"],
        verbs: [...MANAGE, "escalate", "bind"],
        why: "the charts grant their controllers permissions the deployer need not hold itself (escalate) and bind them (bind)",
    },
    {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterrolebindings", "rolebindings"],
        verbs: MANAGE,
        why: "the bindings of those roles to the controllers' service accounts",
    },
    {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        verbs: MANAGE,
        why: "the operator's, Grove's and KAI's webhooks",
    },
    {
        apiGroups: ["apiextensions.k8s.io"],
        resources: ["customresourcedefinitions"],
        verbs: MANAGE,
        why: "the CRDs of Grove, KAI and (before 1.4) Dynamo; from 1.4 the owner reference removeCrdsOnDestroy patches in",
    },
    { apiGroups: ["scheduling.k8s.io"], resources: ["priorityclasses"], verbs: MANAGE, why: "Grove's and KAI's priority classes" },
    {
        apiGroups: ["storage.k8s.io"],
        resources: ["storageclasses"],
        verbs: MANAGE,
        why: "the model cache (NFS, EFS) and local-path classes a stack creates; auto-configuration's storage decisions",
    },
    {
        apiGroups: ["storage.k8s.io"],
        resources: ["csidrivers"],
        verbs: ["get", "list"],
        why: "whether the EFS and EBS CSI drivers are installed",
        feature: "eks",
    },
    {
        apiGroups: ["monitoring.coreos.com"],
        resources: ["podmonitors", "servicemonitors"],
        verbs: MANAGE,
        why: "the charts' scrape targets for the monitoring stack",
        feature: "monitoring",
    },
    {
        apiGroups: ["kai.scheduler"],
        resources: ["configs", "schedulingshards"],
        verbs: MANAGE,
        why: "KAI's configuration",
        feature: "kaiScheduler",
    },
    { apiGroups: ["scheduling.run.ai"], resources: ["queues"], verbs: MANAGE, why: "KAI's default queues", feature: "kaiScheduler" },
    {
        apiGroups: ["nvidia.com"],
        resources: ["dynamographdeployments"],
        verbs: ["get", "list", "create", "delete"],
        why: "verify's admission dry run and smoke graph; the teardown",
    },
    {
        apiGroups: ["nvidia.com"],
        resources: [
            "dynamocomponentdeployments",
            "dynamographdeploymentrequests",
            "dynamographdeploymentscalingadapters",
            "dynamomodels",
            "dynamocheckpoints",
            "dynamoworkermetadatas",
        ],
        verbs: ["list", "delete"],
        why: "the teardown deletes every Dynamo object before a destroy that removes the CRDs",
    },
    {
        apiGroups: ["nvidia.com"],
        resources: ["clusterpolicies"],
        verbs: ["list"],
        why: "whether the GPU Operator is installed",
        feature: "gpuOperator",
    },
];

/** The deployer role as a Kubernetes ClusterRole. */
export function deployerClusterRole(name = DEPLOYER_ROLE_NAME): Record<string, unknown> {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name },
        rules: DEPLOYER_RULES.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs })),
    };
}

/** The rules a configuration needs: every rule without a feature, and those of the features it has. */
export function rulesFor(features: ReadonlySet<DeployerFeature>): DeployerRule[] {
    return DEPLOYER_RULES.filter((rule) => rule.feature === undefined || features.has(rule.feature));
}

/** The features of a configuration that need rules of their own; the GPU Operator's read is always asked. */
export function deployerFeatures(settings: PlatformSettings): Set<DeployerFeature> {
    const features: DeployerFeature[] = ["gpuOperator"];
    if (settings.installKaiScheduler) {
        features.push("kaiScheduler");
    }
    if (installsEtcd(settings.chartLine, settings.discoveryBackend)) {
        features.push("etcd");
    }
    if (settings.monitoringStack !== undefined || settings.prometheusEndpoint !== undefined) {
        features.push("monitoring");
    }
    if (settings.platform === Platform.Eks) {
        features.push("eks");
    }
    return new Set(features);
}
