/**
 * Auto-configuration: what the live cluster already has, and what the program does about it.
 * The rules are plain logic over a {@link ClusterReader}, so they are tested with a fake cluster.
 *
 * Objects this stack created carry its owner label (tag on AWS) and count as its own, so a second
 * run decides the same as the first and plans no changes.
 */
import { DynamoPlatformArgs, EksIdentity, Platform } from "../core/args";
import { ClusterReader, NodeInfo } from "./reader";
import { ReadinessFinding } from "../eks/readiness";
import {
    CsiDriverAddon,
    EBS_AUTO_MODE_PROVISIONER,
    EBS_CSI_DRIVER,
    EBS_PROVISIONER,
    EFS_CSI_DRIVER,
    EFS_PROVISIONER,
    POD_IDENTITY_AGENT,
} from "../eks/storage";
import { DynamoConfigError } from "../core/errors";
import { OWNER_LABEL } from "../core/labels";
import { PLATFORM_RELEASE_NAME } from "../core/charts";
import { CRDS_CHART_CRDS, CRDS_RELEASE_NAME, CRDS_RELEASE_NAMESPACE } from "../kubernetes/crds";
import { parseReleaseVersion } from "../core/versions";
import { nodeZones } from "../core/placement";
import { PlatformSettings } from "../core/settings";
import {
    checkExistingSchedulers,
    checkProfile,
    checkKubernetesVersion,
    checkOtherOperator,
    reportGpuNodes,
    reportLeftoverWebhooks,
} from "./preflight";

export const PODMONITOR_CRD = "podmonitors.monitoring.coreos.com";
export const SERVICEMONITOR_CRD = "servicemonitors.monitoring.coreos.com";
export const GPU_OPERATOR_CRD = "clusterpolicies.nvidia.com";
/** kube-prometheus-stack labels its Services `self-monitor` whatever the release is called: only those are listed. */
export const PROMETHEUS_SERVICES_SELECTOR = "self-monitor";

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
        | "crds"
        | "kubernetesVersion"
        | "operator"
        | "grove"
        | "kaiScheduler"
        | "gpuNodes"
        | "webhooks"
        | "profile"
        | ReadinessFinding["subject"];
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

async function detectPrometheus(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.prometheusConfigured) {
        detection.decisions.push({ subject: "prometheus", found: "not looked up", decision: "configured endpoint used", level: "info" });
        return;
    }
    const [crd, services] = await Promise.all([reader.crd(PODMONITOR_CRD), reader.services(PROMETHEUS_SERVICES_SELECTOR)]);
    const service = services.find(
        (s) => s.labels.app === "kube-prometheus-stack-prometheus" || s.name.endsWith("-kube-prometheus-prometheus"),
    );
    if (crd === undefined || service === undefined) {
        const missing = [
            crd === undefined ? `CRD ${PODMONITOR_CRD}` : "",
            service === undefined ? "a kube-prometheus-stack Prometheus service" : "",
        ].filter(Boolean);
        detection.decisions.push({
            subject: "prometheus",
            found: `no ${missing.join(" and no ")}`,
            decision: "no Prometheus endpoint",
            level: "info",
        });
        return;
    }
    const port = service.ports.find((p) => p.name === "http-web" || p.name === "web")?.port ?? service.ports[0]?.port ?? 9090;
    detection.prometheusEndpoint = `http://${service.name}.${service.namespace}.svc.cluster.local:${port}`;
    detection.decisions.push({
        subject: "prometheus",
        found: `kube-prometheus-stack service ${service.namespace}/${service.name}`,
        decision: `prometheusEndpoint ${detection.prometheusEndpoint}`,
        level: "info",
    });
}

/**
 * A namespace the stack would create must not exist already unless it is this stack's: the
 * Kubernetes provider would adopt it (server-side apply), and destroy would delete it with
 * everything the user keeps there.
 */
async function detectNamespace(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { namespace, createNamespace } = input.settings;
    if (!createNamespace) {
        return;
    }
    const found = await reader.namespace(namespace);
    if (found !== undefined && found.labels[OWNER_LABEL] !== input.owner) {
        throw new DynamoConfigError(
            "dynamo:namespace",
            `The namespace "${namespace}" (dynamo:namespace) already exists and was not created by this stack: set dynamo:createNamespace to false to install into it without owning it (destroy then leaves it), or choose another namespace.`,
        );
    }
    if (found?.terminating) {
        detection.terminatingNamespace = namespace;
    }
    detection.decisions.push({
        subject: "namespace",
        found:
            found === undefined
                ? `no namespace ${namespace}`
                : `namespace ${namespace}, created by this stack${found.terminating ? ", still terminating after a destroy" : ""}`,
        decision: found === undefined ? "create it" : found.terminating ? "wait until it is gone, then create it" : "keep managing it",
        level: "info",
    });
}

/**
 * Destroy does not wait for the namespace controller to finalize the namespace (5 s for an empty
 * one, more with pods still stopping), so an install right after a destroy may find it terminating:
 * the install waits for it here, as it cannot create a namespace that is still being deleted.
 */
export async function waitForNamespaceGone(reader: ClusterReader, namespace: string, timeoutSeconds: number, pollMs = 500): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while ((await reader.namespace(namespace)) !== undefined) {
        if (Date.now() >= deadline) {
            throw new DynamoConfigError(
                "dynamo:namespace",
                `The namespace "${namespace}" (dynamo:namespace), deleted by the last destroy, is still terminating after ${timeoutSeconds}s; \`kubectl get namespace ${namespace} -o yaml\` shows what it waits for (its status conditions), or choose another namespace.`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}

/**
 * The platform chart renders PodMonitors and a ServiceMonitor whenever `monitoring.coreos.com/v1` is
 * served (measured on the real 0.9.1 chart): with only one of the two CRDs, Helm fails mid-install
 * on the missing kind. Said before anything is created.
 */
async function detectMonitoringCrds(reader: ClusterReader, detection: Detection): Promise<void> {
    const [podMonitors, serviceMonitors] = await Promise.all([reader.crd(PODMONITOR_CRD), reader.crd(SERVICEMONITOR_CRD)]);
    if ((podMonitors === undefined) === (serviceMonitors === undefined)) {
        return;
    }
    const [present, missing] = podMonitors ? [PODMONITOR_CRD, SERVICEMONITOR_CRD] : [SERVICEMONITOR_CRD, PODMONITOR_CRD];
    detection.decisions.push({
        subject: "monitoringCrds",
        found: `CRD ${present} without ${missing}`,
        decision:
            "the platform chart renders PodMonitors and a ServiceMonitor once monitoring.coreos.com/v1 is served, so its install will fail on the missing kind: install the Prometheus Operator's CRDs completely (kube-prometheus-stack) or remove the partial one",
        level: "warn",
    });
}

/** The release the platform namespace runs now, which the upgrade plan starts from. */
async function detectInstalledRelease(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const namespace = input.settings.namespace;
    const version = await reader.helmReleaseChartVersion(namespace, PLATFORM_RELEASE_NAME);
    const subject = "installedRelease";
    if (version === undefined) {
        detection.decisions.push({
            subject,
            found: `no ${PLATFORM_RELEASE_NAME} release in ${namespace}`,
            decision: "plan an install",
            level: "info",
        });
        return;
    }
    const found = `${PLATFORM_RELEASE_NAME} ${version} in ${namespace}`;
    if (parseReleaseVersion(version) === undefined) {
        // A development build (`1.5.0-main.…`) has no place among the releases the plan orders.
        detection.decisions.push({
            subject,
            found,
            decision:
                "not a published release, so the upgrade is not checked; set dynamo:installedReleaseVersion to the release it corresponds to",
            level: "warn",
        });
        return;
    }
    detection.installedReleaseVersion = version;
    detection.decisions.push({ subject, found, decision: `plan the upgrade from ${version}`, level: "info" });
}

/**
 * Whether the run must hand existing CRDs over to the `dynamo-crds` release before Helm can adopt
 * them (see installCrds). Not with `removeCrdsOnDestroy`, which renders the chart instead.
 */
async function detectCrdsHandOver(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.settings.removeCrdsOnDestroy) {
        return;
    }
    if ((await reader.helmReleaseChartVersion(CRDS_RELEASE_NAMESPACE, CRDS_RELEASE_NAME)) !== undefined) {
        detection.crdsHandOver = false;
        return;
    }
    // On 1.x only a migration run still registers the CRDs release, which is then deployed (above);
    // the same CRDs come from the platform chart there.
    if (input.settings.chartLine.crdsChartVersion === undefined) {
        return;
    }
    const found = await Promise.all(CRDS_CHART_CRDS.map(async (name) => ((await reader.crd(name)) === undefined ? [] : [name])));
    const existing = found.flat();
    detection.crdsHandOver = existing.length > 0;
    if (existing.length > 0) {
        detection.decisions.push({
            subject: "crds",
            found: `${existing.join(", ")} without a ${CRDS_RELEASE_NAME} release (kept by an earlier destroy, or applied by kubectl)`,
            decision: `hand them over: the chart is rendered once more, retained, adding Helm's ownership metadata, and the ${CRDS_RELEASE_NAME} release adopts them`,
            level: "info",
        });
    }
}

async function detectGpuOperator(reader: ClusterReader, detection: Detection): Promise<void> {
    if ((await reader.crd(GPU_OPERATOR_CRD)) === undefined) {
        detection.decisions.push({
            subject: "gpuOperator",
            found: "not installed",
            decision: "nothing changed (GPU nodes need the GPU Operator or their own drivers)",
            level: "info",
        });
        return;
    }
    const policies = await reader.clusterCustomObjects("nvidia.com", "v1", "clusterpolicies");
    const states = policies.map((p) => `${p.name}: ${p.state ?? "no state yet"}`).join(", ") || "no ClusterPolicy";
    detection.decisions.push({ subject: "gpuOperator", found: `installed (${states})`, decision: "status only", level: "info" });
}

async function detectStorage(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { settings, owner } = input;
    const classes = await reader.storageClasses();
    const find = (name: string) => classes.find((c) => c.name === name);
    const isOurs = (labels: Record<string, string>) => labels[OWNER_LABEL] === owner;
    const key = (field: string) => `dynamo:${field}`;

    const persistence = settings.persistenceStorageClass;
    if (settings.platform === Platform.Kubernetes && persistence !== undefined) {
        const existing = find(persistence);
        if (existing === undefined) {
            detection.installLocalPath = true;
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `no StorageClass ${persistence}`,
                decision: "install local-path-provisioner",
                level: "info",
            });
        } else if (isOurs(existing.labels)) {
            detection.installLocalPath = true;
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `StorageClass ${persistence}, created by this stack`,
                decision: "keep managing it",
                level: "info",
            });
        } else {
            detection.installLocalPath = false;
            const ignored = settings.localPath ? `; ${key("localPath.install")} ignored, the class is not this stack's to take over` : "";
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `StorageClass ${persistence} (${existing.provisioner})`,
                decision: `use it${ignored}`,
                level: "info",
            });
        }
    }

    const modelCache = settings.storageClass;
    const createsModelCache = settings.platform === Platform.Eks || settings.nfs !== undefined;
    const existing = find(modelCache);
    if (existing === undefined) {
        if (!createsModelCache) {
            throw new DynamoConfigError(
                key("storageClass"),
                `The model-cache StorageClass "${modelCache}" does not exist in the cluster: set ${key("nfs")} (server and share) to create it on an NFS export, or set ${key("storageClass")} to an existing ReadWriteMany class.`,
            );
        }
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `no StorageClass ${modelCache}`,
            decision: "create it",
            level: "info",
        });
    } else if (isOurs(existing.labels)) {
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `StorageClass ${modelCache}, created by this stack`,
            decision: "keep managing it",
            level: "info",
        });
    } else if (createsModelCache) {
        throw new DynamoConfigError(
            key("storageClass"),
            `The cluster already has a StorageClass "${modelCache}" that this stack did not create; it is never taken over. Set ${key("storageClass")} to another name, or ${settings.platform === Platform.Eks ? "use a cluster without it" : `remove ${key("nfs")} to use the existing class`}.`,
        );
    } else {
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `StorageClass ${modelCache} (${existing.provisioner})`,
            decision: "use it",
            level: "info",
        });
    }
}

/** The controller name of the AWS Load Balancer Controller's IngressClass, and how its chart labels the Deployment. */
export const AWS_LOAD_BALANCER_CONTROLLER = "ingress.k8s.aws/alb";
export const AWS_LOAD_BALANCER_CONTROLLER_SELECTOR = "app.kubernetes.io/name=aws-load-balancer-controller";

async function detectIngress(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { ingress, platform } = input.settings;
    if (ingress.nginx) {
        detection.decisions.push({ subject: "ingress", found: "not looked up", decision: "install ingress-nginx", level: "info" });
        return;
    }
    const alb = platform === Platform.Eks && ingress.className === "alb";
    const [classes, controllers] = await Promise.all([
        reader.ingressClasses(),
        alb ? reader.deployments(AWS_LOAD_BALANCER_CONTROLLER_SELECTOR) : Promise.resolve([]),
    ]);
    const wanted = ingress.className;
    const served = classes.find((c) => c.name === wanted);
    // An `alb` class of the AWS Load Balancer Controller does nothing without the controller itself;
    // Auto Mode's own (`eks.amazonaws.com/alb`) is built in.
    if (served !== undefined && alb && served.controller === AWS_LOAD_BALANCER_CONTROLLER && controllers.length === 0) {
        detection.decisions.push({
            subject: "ingress",
            found: `IngressClass ${wanted} (${served.controller}) but no AWS Load Balancer Controller Deployment (${AWS_LOAD_BALANCER_CONTROLLER_SELECTOR})`,
            decision: "graph frontends get no working ingress until the controller runs: install the AWS Load Balancer Controller",
            level: "warn",
        });
        return;
    }
    if (served !== undefined) {
        const controller = controllers[0] ? `, served by ${controllers[0].namespace}/${controllers[0].name}` : "";
        detection.decisions.push({
            subject: "ingress",
            found: `IngressClass ${wanted} (${served.controller})${controller}`,
            decision: "frontend ingresses use it",
            level: "info",
        });
        return;
    }
    const advice =
        platform === Platform.Eks
            ? "ALB ingress needs the AWS Load Balancer Controller in the cluster"
            : "set dynamo:ingress.installNginx: true to install ingress-nginx";
    const found =
        classes.length === 0
            ? "no IngressClass"
            : `IngressClasses ${classes.map((c) => c.name).join(", ")}${wanted ? `, not ${wanted}` : ""}`;
    detection.decisions.push({ subject: "ingress", found, decision: `graph frontends get no working ingress: ${advice}`, level: "warn" });
}

/** Whether a CSI driver runs in the cluster, and whether it is this stack's add-on. */
type CsiDriverState = "absent" | "ours" | "foreign";

/** Reads a CSI driver's state and reports it: what to do when it is absent, or installed outside this stack. */
async function reportCsiDriver(
    subject: "efsCsiDriver" | "ebsCsiDriver",
    driver: CsiDriverAddon,
    provisioner: string,
    decisions: Record<Exclude<CsiDriverState, "ours">, string>,
    reader: ClusterReader,
    input: DetectionInput,
    detection: Detection,
): Promise<CsiDriverState> {
    const label = subject === "efsCsiDriver" ? "EFS" : "EBS";
    const state: CsiDriverState = !(await reader.csiDrivers()).includes(provisioner)
        ? "absent"
        : (await input.addonOwner?.(driver.addonName)) === input.owner
          ? "ours"
          : "foreign";
    const found = {
        absent: `no ${label} CSI driver`,
        ours: `${label} CSI driver, the add-on of this stack`,
        foreign: `${label} CSI driver (CSIDriver ${provisioner}) installed outside this stack`,
    }[state];
    detection.decisions.push({ subject, found, decision: state === "ours" ? "keep managing it" : decisions[state], level: "info" });
    return state;
}

async function detectEfsDriver(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.settings.eks?.installEfsCsiDriver !== true) {
        return;
    }
    const decisions = { absent: `install the ${EFS_CSI_DRIVER.addonName} add-on`, foreign: "do not install the add-on" };
    if ((await reportCsiDriver("efsCsiDriver", EFS_CSI_DRIVER, EFS_PROVISIONER, decisions, reader, input, detection)) === "foreign") {
        detection.installEfsCsiDriver = false;
    }
}

/**
 * Block storage for etcd and NATS on EKS, where asked for (`installEbsCsiDriver`, or Auto Mode): a
 * class of that name not created here is used as it is (creating it again would fail), and an EBS
 * CSI driver installed outside this stack gets the class without a second driver as add-on.
 */
async function detectBlockStorage(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { eks, persistenceStorageClass: className } = input.settings;
    if (eks === undefined || !eks.blockStorageClass || className === undefined) {
        return;
    }
    const subject = "persistenceStorageClass";
    const [classes, autoNodes] = await Promise.all([reader.storageClasses(), autoModeNodes(reader)]);
    const existing = classes.find((c) => c.name === className);
    if (existing?.labels[OWNER_LABEL] === input.owner) {
        // The driver is read again below, so a second run decides as the first did.
        detection.decisions.push({
            subject,
            found: `StorageClass ${className}, created by this stack`,
            decision: "keep managing it",
            level: "info",
        });
    } else if (existing !== undefined) {
        detection.useExistingBlockStorageClass = className;
        detection.decisions.push({
            subject,
            found: `StorageClass ${className} (${existing.provisioner}), not created by this stack`,
            decision: "etcd and NATS use it; no class and no EBS add-on are created, and it stays after a destroy",
            level: "info",
        });
        return;
    }
    if (autoNodes.length > 0 || eks.autoMode) {
        return;
    }
    const decisions = {
        absent: `install the ${EBS_CSI_DRIVER.addonName} add-on and create StorageClass ${className} on it`,
        foreign: `create StorageClass ${className} on it; do not install the add-on`,
    };
    if ((await reportCsiDriver("ebsCsiDriver", EBS_CSI_DRIVER, EBS_PROVISIONER, decisions, reader, input, detection)) === "foreign") {
        detection.existingEbsCsiDriver = true;
    }
}

/** The label EKS puts on every node with its compute type; `auto` on Auto Mode nodes. */
export const EKS_COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";

/** Names of the EKS Auto Mode nodes. */
export function autoModeNodeNames(nodes: NodeInfo[]): string[] {
    return nodes.filter((node) => node.labels[EKS_COMPUTE_TYPE_LABEL] === "auto").map((node) => node.name);
}

async function autoModeNodes(reader: ClusterReader): Promise<string[]> {
    return autoModeNodeNames(await reader.nodes());
}

/** Where the nodes run, for the model cache's mount targets (reported with them, see eks/readiness.ts). */
async function detectNodeZones(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.settings.platform === Platform.Eks) {
        detection.nodeZones = nodeZones(await reader.nodes());
    }
}

/** EKS Auto Mode, from its nodes: block storage on its own provisioner and no EBS add-on. */
async function detectAutoMode(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.settings.platform !== Platform.Eks) {
        return;
    }
    const nodes = await autoModeNodes(reader);
    const explicit = input.args?.eks?.autoMode;
    if (nodes.length === 0) {
        detection.decisions.push({
            subject: "autoMode",
            found: `no node labelled ${EKS_COMPUTE_TYPE_LABEL}=auto`,
            decision: explicit ? "dynamo:eks.autoMode is set, so Auto Mode's storage is used all the same" : "a standard cluster",
            level: explicit ? "warn" : "info",
        });
        return;
    }
    detection.autoMode = true;
    const ebsAsked = input.args?.eks?.installEbsCsiDriver === true ? " (dynamo:eks.installEbsCsiDriver is not applied here)" : "";
    detection.decisions.push({
        subject: "autoMode",
        found: `EKS Auto Mode (${nodes.length} node${nodes.length === 1 ? "" : "s"} labelled ${EKS_COMPUTE_TYPE_LABEL}=auto)`,
        decision: `block storage on ${EBS_AUTO_MODE_PROVISIONER}, no EBS add-on${ebsAsked}; the EFS CSI add-on is still installed`,
        level: "info",
    });
}

/**
 * Pod Identity needs its agent on the nodes, or every credential the CSI drivers ask for fails and
 * each model-cache volume with it (Access Denied). Auto Mode has it built in; elsewhere it is the
 * `eks-pod-identity-agent` add-on, installed here when the cluster lacks it.
 */
function needsPodIdentityAgent(eks: PlatformSettings["eks"]): boolean {
    return eks !== undefined && eks.identity === EksIdentity.PodIdentity && (eks.installEfsCsiDriver || eks.installEbsCsiDriver);
}

/**
 * Where the cluster was not read, a Pod Identity agent is assumed to run unless the config says
 * otherwise: a warning, since on most standard clusters none does.
 */
export function podIdentityAgentAssumed(settings: PlatformSettings, args: DynamoPlatformArgs): Decision | undefined {
    if (!needsPodIdentityAgent(settings.eks) || args.eks?.installPodIdentityAgent !== undefined) {
        return undefined;
    }
    return {
        subject: "podIdentityAgent",
        found: "not read (the cluster could not be read)",
        decision: `assumed present, so no ${POD_IDENTITY_AGENT} add-on: if the cluster has no agent (no DaemonSet kube-system/${POD_IDENTITY_AGENT}, not Auto Mode), set dynamo:eks.installPodIdentityAgent: true, or every model-cache volume fails with Access Denied`,
        level: "warn",
    };
}

async function detectPodIdentityAgent(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const eks = input.settings.eks;
    if (eks === undefined || !needsPodIdentityAgent(eks)) {
        return;
    }
    const [daemonSet, autoMode, owner] = await Promise.all([
        reader.daemonSet("kube-system", POD_IDENTITY_AGENT),
        autoModeNodes(reader),
        input.addonOwner?.(POD_IDENTITY_AGENT) ?? Promise.resolve(undefined),
    ]);
    const subject = "podIdentityAgent";
    if (owner === input.owner) {
        detection.installPodIdentityAgent = true;
        detection.decisions.push({
            subject,
            found: `the ${POD_IDENTITY_AGENT} add-on of this stack`,
            decision: "keep managing it",
            level: "info",
        });
        return;
    }
    if (daemonSet !== undefined || autoMode.length > 0) {
        detection.installPodIdentityAgent = false;
        detection.decisions.push({
            subject,
            found:
                daemonSet !== undefined
                    ? `DaemonSet kube-system/${POD_IDENTITY_AGENT} (${daemonSet.ready}/${daemonSet.desired} ready)`
                    : "built into EKS Auto Mode",
            decision: "use it; no agent add-on",
            level: "info",
        });
        return;
    }
    if (input.args?.eks?.installPodIdentityAgent === false) {
        throw new DynamoConfigError(
            "dynamo:eks.installPodIdentityAgent",
            `dynamo:eks.installPodIdentityAgent is false, but the cluster has no Pod Identity agent (no DaemonSet kube-system/${POD_IDENTITY_AGENT}, no Auto Mode nodes): the EFS CSI driver would get no AWS credentials and every model-cache volume would fail with Access Denied. Remove the key (or set it true) to install the ${POD_IDENTITY_AGENT} add-on, or set dynamo:eks.identity to irsa.`,
        );
    }
    detection.installPodIdentityAgent = true;
    detection.decisions.push({
        subject,
        found: `no Pod Identity agent (no DaemonSet kube-system/${POD_IDENTITY_AGENT}, no Auto Mode nodes)`,
        decision: `install the ${POD_IDENTITY_AGENT} add-on, which the CSI drivers' credentials need`,
        level: "info",
    });
}

/** The server's version, which every later finding is read against. */
async function detectCluster(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const version = await reader.serverVersion();
    detection.decisions.push({ subject: "cluster", found: `Kubernetes ${version}`, decision: "auto-configuration applied", level: "info" });
    checkKubernetesVersion(version, input, detection);
}

type DetectionRule = (reader: ClusterReader, input: DetectionInput, detection: Detection) => Promise<void>;

/** Every rule, in the order its decisions are reported. */
const DETECTION_RULES: DetectionRule[] = [
    detectCluster,
    detectNamespace,
    detectInstalledRelease,
    detectCrdsHandOver,
    checkOtherOperator,
    checkExistingSchedulers,
    (reader, _, detection) => reportGpuNodes(reader, detection),
    checkProfile,
    (reader, _, detection) => reportLeftoverWebhooks(reader, detection),
    detectPrometheus,
    (reader, _, detection) => detectMonitoringCrds(reader, detection),
    (reader, _, detection) => detectGpuOperator(reader, detection),
    detectStorage,
    detectIngress,
    detectEfsDriver,
    detectBlockStorage,
    detectAutoMode,
    detectPodIdentityAgent,
    detectNodeZones,
];

/**
 * Reads the cluster and decides. The rules read at the same time; their decisions keep the order
 * of {@link DETECTION_RULES}, and when rules fail, the first failing rule's error is the one thrown
 * (a {@link DynamoConfigError} where the config cannot work on this cluster).
 */
export async function detect(reader: ClusterReader, input: DetectionInput): Promise<Detection> {
    const outcomes = await Promise.allSettled(
        DETECTION_RULES.map(async (rule) => {
            const part: Detection = { decisions: [] };
            await rule(reader, input, part);
            return part;
        }),
    );
    const detection: Detection = { decisions: [] };
    for (const outcome of outcomes) {
        if (outcome.status === "rejected") {
            throw outcome.reason;
        }
        Object.assign(detection, outcome.value, { decisions: [...detection.decisions, ...outcome.value.decisions] });
    }
    return detection;
}

/** A detection that did not run, with the reason, so the explicit config applies. */
export function skippedDetection(reason: string): Detection {
    return {
        decisions: [
            { subject: "cluster", found: reason, decision: "auto-configuration skipped; the explicit config applies", level: "info" },
        ],
    };
}

/** The component arguments with the detected choices applied; explicit config keeps precedence where it has it. */
export function applyDetection(args: DynamoPlatformArgs, detection: Detection): DynamoPlatformArgs {
    const applied: DynamoPlatformArgs = { ...args };
    if (detection.prometheusEndpoint !== undefined && args.prometheusEndpoint === undefined && args.monitoringStack === undefined) {
        applied.prometheusEndpoint = detection.prometheusEndpoint;
    }
    if (detection.installLocalPath !== undefined) {
        applied.localPath = { ...args.localPath, install: detection.installLocalPath };
    }
    for (const field of ["installGrove", "installKaiScheduler"] as const) {
        if (detection[field] !== undefined && args[field] === undefined) {
            applied[field] = detection[field];
        }
    }
    if (args.installedReleaseVersion === undefined) {
        applied.installedReleaseVersion = detection.installedReleaseVersion;
    }
    if (args.crdsHandOver === undefined && detection.crdsHandOver !== undefined) {
        applied.crdsHandOver = detection.crdsHandOver;
    }
    if (args.eks) {
        const eks = { ...args.eks };
        if (detection.installEfsCsiDriver !== undefined) {
            eks.installEfsCsiDriver = detection.installEfsCsiDriver;
        }
        for (const field of ["autoMode", "installPodIdentityAgent"] as const) {
            if (detection[field] !== undefined && args.eks[field] === undefined) {
                eks[field] = detection[field];
            }
        }
        // On a cluster found to run Auto Mode, asking for block storage means Auto Mode's own, so one
        // stack config serves standard and Auto Mode clusters.
        if (detection.autoMode && args.eks.autoMode === undefined) {
            eks.installEbsCsiDriver = false;
        }
        if (detection.existingEbsCsiDriver && args.eks.existingEbsCsiDriver === undefined) {
            eks.existingEbsCsiDriver = true;
        }
        // Block storage asked for and already there under that name: used as it is, like any class
        // this stack does not own.
        if (detection.useExistingBlockStorageClass !== undefined) {
            eks.installEbsCsiDriver = false;
            eks.createBlockStorageClass = false;
            applied.persistenceStorageClass = detection.useExistingBlockStorageClass;
        }
        applied.eks = eks;
    }
    return applied;
}
