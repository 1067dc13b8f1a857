/** What detection reads, decides and reports: the types every rule and its callers share. */
import { DiscoveryBackend, DynamoPlatformArgs } from "../../../components/core/args";
import { PlatformSettings } from "../../../components/core/settings/types";
import { ClusterReader } from "../reader";

/** One finding and what was done about it; exported as the stack output `detected`. */
export interface Decision {
    subject:
        | "cluster"
        | "namespace"
        | "prometheus"
        | "monitoringCrds"
        | "gpuOperator"
        | "persistenceStorageClass"
        | "modelCacheStorageClass"
        | "ingress"
        | "efsCsiDriver"
        | "ebsCsiDriver"
        | "autoMode"
        | "podIdentityAgent"
        | "installedRelease"
        | "hooks"
        | "etcd"
        | "nats"
        | "crds"
        | "kubernetesVersion"
        | "operator"
        | "grove"
        | "kaiScheduler"
        | "gpuNodes"
        | "webhooks"
        | "profile"
        | "oidcProvider"
        | "mountTargets";
    found: string;
    decision: string;
    /** `warn` when the user should act. */
    level: "info" | "warn";
}

/** What detection changes in the component arguments. */
export interface Detection {
    decisions: Decision[];
    prometheusEndpoint?: string;
    installLocalPath?: boolean;
    installEfsCsiDriver?: boolean;
    /** The cluster's EBS CSI driver, not this stack's add-on, which the `gp3` class then uses. */
    existingEbsCsiDriver?: boolean;
    /** A block-storage class of the wanted name that this stack did not create: used, not created. */
    useExistingBlockStorageClass?: string;
    /** Whether the EKS cluster runs Auto Mode, from its nodes. */
    autoMode?: boolean;
    /** Whether this stack installs the Pod Identity agent add-on: the cluster has no agent, or it is this stack's. */
    installPodIdentityAgent?: boolean;
    /** The platform release the cluster runs, from its Helm release; undefined when none is deployed. */
    installedReleaseVersion?: string;
    /** etcd discovery, kept for a platform that runs the platform's etcd (the 1.4 charts default to Kubernetes discovery). */
    discoveryBackend?: DiscoveryBackend;
    /** NATS, kept for a platform that runs it (the 1.4 charts install none by default). */
    installNats?: boolean;
    /** Whether Dynamo CRDs exist without a deployed `dynamo-crds` release, so they are handed over to it first. */
    crdsHandOver?: boolean;
    /** False when the cluster already runs Grove (then used, not installed). */
    installGrove?: boolean;
    /** False when the cluster already runs KAI Scheduler (then used, not installed). */
    installKaiScheduler?: boolean;
    /** Availability zones the nodes run in (EKS), from their zone labels. */
    nodeZones?: string[];
    /** This stack's namespace, still terminating after a destroy: it must be gone before it is created again. */
    terminatingNamespace?: string;
}

export interface DetectionInput {
    settings: PlatformSettings;
    /** The running stack's owner value (labels and tags). */
    owner: string;
    /** Whether the Prometheus endpoint is configured (explicitly or by a monitoring stack). */
    prometheusConfigured: boolean;
    /** The arguments as given, to tell explicit choices from defaults. */
    args?: DynamoPlatformArgs;
    /** The owner tag of an EKS add-on of the cluster (by add-on name), undefined when it is not an add-on. */
    addonOwner?: (addonName: string) => Promise<string | undefined>;
}

/** One rule: reads the cluster (get and list only) and adds its decisions; a refusal throws a DynamoConfigError with the fix. */
export type DetectionRule = (reader: ClusterReader, input: DetectionInput, detection: Detection) => Promise<void>;
