/**
 * Detection on EKS: the CSI drivers and whether they are this stack's add-ons, block storage, Auto
 * Mode, the Pod Identity agent and the zones the nodes run in.
 */
import { DynamoPlatformArgs, EksIdentity, Platform } from "../../../components/core/args";
import {
    AUTO_MODE_COMPUTE_TYPE,
    CsiDriverAddon,
    EBS_AUTO_MODE_PROVISIONER,
    EBS_CSI_DRIVER,
    EBS_PROVISIONER,
    EFS_CSI_DRIVER,
    EFS_PROVISIONER,
    EKS_COMPUTE_TYPE_LABEL,
    POD_IDENTITY_AGENT,
} from "../../../components/core/eksFacts";
import { configRemoveCommand, configSetCommand, DynamoConfigError } from "../../../components/core/errors";
import { OWNER_LABEL } from "../../../components/core/labels";
import { nodeZones } from "../../../components/core/placement";
import { PlatformSettings } from "../../../components/core/settings/types";
import { ClusterReader, NodeInfo } from "../reader";
import { Decision, Detection, DetectionInput, DetectionRule } from "./types";

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

/** Names of the EKS Auto Mode nodes. */
export function autoModeNodeNames(nodes: NodeInfo[]): string[] {
    return nodes.filter((node) => node.labels[EKS_COMPUTE_TYPE_LABEL] === AUTO_MODE_COMPUTE_TYPE).map((node) => node.name);
}

async function autoModeNodes(reader: ClusterReader): Promise<string[]> {
    return autoModeNodeNames(await reader.nodes());
}

/** Where the nodes run, for the model cache's mount targets (reported with them, see awsReadiness.ts). */
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
        decision: `assumed present, so no ${POD_IDENTITY_AGENT} add-on: if the cluster has no agent (no DaemonSet kube-system/${POD_IDENTITY_AGENT}, not Auto Mode), run ${configSetCommand("dynamo:eks.installPodIdentityAgent", "true")}, or every model-cache volume fails with Access Denied`,
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
            `dynamo:eks.installPodIdentityAgent is false, but the cluster has no Pod Identity agent (no DaemonSet kube-system/${POD_IDENTITY_AGENT}, no Auto Mode nodes): the EFS CSI driver would get no AWS credentials and every model-cache volume would fail with Access Denied. Install the ${POD_IDENTITY_AGENT} add-on with ${configRemoveCommand("dynamo:eks.installPodIdentityAgent")}, or use IRSA with ${configSetCommand("dynamo:eks.identity", "irsa")}.`,
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

/** The EKS rules, in the order their decisions are reported. */
export const EKS_RULES: DetectionRule[] = [detectEfsDriver, detectBlockStorage, detectAutoMode, detectPodIdentityAgent, detectNodeZones];
