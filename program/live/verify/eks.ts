/**
 * The EKS rows of `npm run verify`: what the model cache needs from the cluster, read through the
 * Kubernetes API — Auto Mode and its block storage, the Pod Identity agent, the EFS CSI driver and
 * the AWS credentials EKS injected into its controller, a mount target in every zone with nodes,
 * and the load balancer controller behind ALB ingresses.
 */
import { EksIdentity } from "../../../components/core/args";
import {
    AUTO_MODE_ALB_CONTROLLER,
    AWS_LOAD_BALANCER_CONTROLLER,
    AWS_LOAD_BALANCER_CONTROLLER_SELECTOR,
    EBS_AUTO_MODE_PROVISIONER,
    EBS_PROVISIONER,
    EFS_CSI_DRIVER,
    EFS_PROVISIONER,
    EKS_COMPUTE_TYPE_LABEL,
    POD_IDENTITY_AGENT,
} from "../../../components/core/eksFacts";
import { configSetCommand } from "../../../components/core/errors";
import { nodeZones } from "../../../components/core/placement";
import { autoModeNodeNames } from "../detect/eks";
import { ClusterReader, DeploymentInfo, NodeInfo } from "../reader";
import { CheckResult, VerifiedOutputs } from "./types";

/** The stack outputs of an EKS platform that these rows read. */
export type EksOutputs = Required<Pick<VerifiedOutputs, "eksIdentity">> &
    Pick<VerifiedOutputs, "eksAutoMode" | "efsMountTargetZones" | "persistenceStorageClass">;

const KUBE_SYSTEM = "kube-system";

/**
 * Environment variables EKS's admission webhook injects into pods whose service account has
 * credentials: the Pod Identity agent's endpoint, or IRSA's role and web identity token.
 */
const CREDENTIAL_VARIABLES: Record<EksIdentity, string[]> = {
    [EksIdentity.PodIdentity]: ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
    [EksIdentity.Irsa]: ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"],
};

function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function readiness(info: DeploymentInfo): string {
    return `${info.ready}/${info.desired} ready`;
}

async function autoModeCheck(reader: ClusterReader, nodes: NodeInfo[], outputs: EksOutputs): Promise<CheckResult> {
    const check = "EKS Auto Mode";
    const autoNodes = autoModeNodeNames(nodes);
    const detected = autoNodes.length > 0;
    const mode = detected ? `Auto Mode (${plural(autoNodes.length, "node")} ${EKS_COMPUTE_TYPE_LABEL}=auto)` : "standard cluster";
    if (detected !== (outputs.eksAutoMode ?? false)) {
        return {
            check,
            status: "warn",
            detail: `${mode}, but the stack was set up for ${outputs.eksAutoMode ? "Auto Mode" : "a standard cluster"}`,
            hint: `\`pulumi up\` again: auto-configuration reads the nodes and switches the block storage (or ${configSetCommand("dynamo:eks.autoMode", String(!outputs.eksAutoMode))}).`,
        };
    }
    const className = outputs.persistenceStorageClass;
    const storageClass = className ? (await reader.storageClasses()).find((c) => c.name === className) : undefined;
    const wanted = detected ? EBS_AUTO_MODE_PROVISIONER : EBS_PROVISIONER;
    if (storageClass !== undefined && [EBS_PROVISIONER, EBS_AUTO_MODE_PROVISIONER].includes(storageClass.provisioner)) {
        if (storageClass.provisioner !== wanted) {
            return {
                check,
                status: "fail",
                detail: `${mode}, but StorageClass ${className} provisions with ${storageClass.provisioner}`,
                hint: `etcd and NATS volumes stay Pending: the ${className} class must use ${wanted} here; \`pulumi up\` recreates it.`,
            };
        }
        return { check, status: "ok", detail: `${mode}; StorageClass ${className} on ${wanted}` };
    }
    return { check, status: "ok", detail: mode };
}

async function podIdentityAgentCheck(reader: ClusterReader, nodes: NodeInfo[]): Promise<CheckResult> {
    const check = "Pod Identity agent";
    const agent = await reader.daemonSet(KUBE_SYSTEM, POD_IDENTITY_AGENT);
    if (agent === undefined) {
        if (autoModeNodeNames(nodes).length > 0) {
            return { check, status: "ok", detail: "built into EKS Auto Mode" };
        }
        return {
            check,
            status: "fail",
            detail: `no DaemonSet ${KUBE_SYSTEM}/${POD_IDENTITY_AGENT}`,
            hint: `Pod Identity credentials cannot be served and every model-cache volume fails with Access Denied: \`pulumi up\` installs the ${POD_IDENTITY_AGENT} add-on (or \`aws eks create-addon --addon-name ${POD_IDENTITY_AGENT}\`).`,
        };
    }
    if (agent.desired === 0 || agent.ready < agent.desired) {
        return {
            check,
            status: "fail",
            detail: `DaemonSet ${KUBE_SYSTEM}/${POD_IDENTITY_AGENT} ${readiness(agent)}`,
            hint: `\`kubectl describe daemonset ${POD_IDENTITY_AGENT} -n ${KUBE_SYSTEM}\`.`,
        };
    }
    return { check, status: "ok", detail: `DaemonSet ${KUBE_SYSTEM}/${POD_IDENTITY_AGENT} ${readiness(agent)}` };
}

async function efsDriverChecks(reader: ClusterReader, identity: EksIdentity): Promise<CheckResult[]> {
    const { controller, nodeDaemonSet, addonName } = EFS_CSI_DRIVER;
    const [drivers, deployment, daemonSet, pods] = await Promise.all([
        reader.csiDrivers(),
        reader.deployment(KUBE_SYSTEM, controller),
        reader.daemonSet(KUBE_SYSTEM, nodeDaemonSet),
        reader.pods(KUBE_SYSTEM, `app=${controller}`),
    ]);
    const check = "EFS CSI driver";
    if (!drivers.includes(EFS_PROVISIONER) || deployment === undefined || daemonSet === undefined) {
        const missing = [
            drivers.includes(EFS_PROVISIONER) ? undefined : `CSIDriver ${EFS_PROVISIONER}`,
            deployment ? undefined : `Deployment ${KUBE_SYSTEM}/${controller}`,
            daemonSet ? undefined : `DaemonSet ${KUBE_SYSTEM}/${nodeDaemonSet}`,
        ].filter(Boolean);
        return [
            {
                check,
                status: "fail",
                detail: `missing: ${missing.join(", ")}`,
                hint: `No model-cache volume can be provisioned: \`aws eks describe-addon --addon-name ${addonName}\`, or \`pulumi up\` with dynamo:eks.installEfsCsiDriver.`,
            },
        ];
    }
    const detail = `controller ${readiness(deployment)}, node DaemonSet ${readiness(daemonSet)}`;
    const ready = deployment.desired > 0 && deployment.ready >= deployment.desired && daemonSet.ready >= daemonSet.desired;
    const driverRow: CheckResult = ready
        ? { check, status: "ok", detail }
        : { check, status: "fail", detail, hint: `\`kubectl get pods -n ${KUBE_SYSTEM} -l app=${controller}\` and the add-on's health.` };
    return [driverRow, credentialsCheck(identity, pods)];
}

/** Whether EKS gave the driver's controller its AWS credentials; a pod started before the binding has none. */
function credentialsCheck(identity: EksIdentity, pods: { name: string; envNames?: string[] }[]): CheckResult {
    const check = "EFS CSI credentials";
    const wanted = CREDENTIAL_VARIABLES[identity];
    const without = pods.filter((pod) => !wanted.every((name) => pod.envNames?.includes(name)));
    if (pods.length === 0) {
        return { check, status: "fail", detail: `no pod with app=${EFS_CSI_DRIVER.controller}`, hint: "See the EFS CSI driver row." };
    }
    if (without.length > 0) {
        return {
            check,
            status: "fail",
            detail: `${without.map((p) => p.name).join(", ")} without ${wanted.join(" and ")} (${identity})`,
            hint: `The controller cannot call AWS and volumes fail with Access Denied. Pods started before the ${identity === EksIdentity.PodIdentity ? "Pod Identity association" : "role annotation"} keep running without it: \`kubectl rollout restart deployment ${EFS_CSI_DRIVER.controller} -n ${KUBE_SYSTEM}\`.`,
        };
    }
    return { check, status: "ok", detail: `${plural(pods.length, "controller pod")} with ${wanted.join(" and ")} (${identity})` };
}

function mountTargetsCheck(nodes: NodeInfo[], mountTargetZones: string[]): CheckResult {
    const check = "EFS mount targets";
    const zones = nodeZones(nodes);
    const uncovered = zones.filter((zone) => !mountTargetZones.includes(zone));
    const detail = `in ${mountTargetZones.join(", ")}; nodes in ${zones.join(", ") || "no labelled zone"}`;
    if (uncovered.length > 0) {
        return {
            check,
            status: "fail",
            detail: `${detail}: none in ${uncovered.join(", ")}`,
            hint: `Pods on nodes in ${uncovered.join(", ")} cannot mount the model cache: add a private subnet of each to dynamo:eks.privateSubnetIds and \`pulumi up\`.`,
        };
    }
    return { check, status: "ok", detail };
}

async function loadBalancerCheck(reader: ClusterReader): Promise<CheckResult> {
    const check = "ALB ingress";
    const classes = await reader.ingressClasses();
    const autoMode = classes.find((c) => c.controller === AUTO_MODE_ALB_CONTROLLER);
    const controllerClass = classes.find((c) => c.controller === AWS_LOAD_BALANCER_CONTROLLER);
    if (controllerClass === undefined) {
        return autoMode
            ? { check, status: "ok", detail: `IngressClass ${autoMode.name} of EKS Auto Mode` }
            : {
                  check,
                  status: "warn",
                  detail: `no IngressClass of the AWS Load Balancer Controller (${AWS_LOAD_BALANCER_CONTROLLER}) or of Auto Mode`,
                  hint: "Graph frontends with ALB ingress get no load balancer: install the AWS Load Balancer Controller.",
              };
    }
    const controllers = await reader.deployments(AWS_LOAD_BALANCER_CONTROLLER_SELECTOR);
    if (controllers.length === 0) {
        return {
            check,
            status: "warn",
            detail: `IngressClass ${controllerClass.name}, but no Deployment with ${AWS_LOAD_BALANCER_CONTROLLER_SELECTOR}`,
            hint: "Ingresses of that class are never served: install (or repair) the AWS Load Balancer Controller.",
        };
    }
    return {
        check,
        status: "ok",
        detail: `IngressClass ${controllerClass.name}, served by ${controllers.map((c) => `${c.namespace}/${c.name}`).join(", ")}`,
    };
}

/** The EKS rows, read from the cluster; never throws for a failed check. */
export async function verifyEks(reader: ClusterReader, outputs: EksOutputs): Promise<CheckResult[]> {
    const identity = outputs.eksIdentity as EksIdentity;
    const nodes = await reader.nodes();
    const results = [await autoModeCheck(reader, nodes, outputs)];
    if (identity === EksIdentity.PodIdentity) {
        results.push(await podIdentityAgentCheck(reader, nodes));
    }
    results.push(...(await efsDriverChecks(reader, identity)));
    if (outputs.efsMountTargetZones !== undefined && outputs.efsMountTargetZones.length > 0) {
        results.push(mountTargetsCheck(nodes, outputs.efsMountTargetZones));
    }
    results.push(await loadBalancerCheck(reader));
    return results;
}
