/** The program's auto-configuration step: which cluster to read, reading it, logging each decision. */
import type * as Aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs } from "../../components/core/args";
import { configSetCommand, DynamoConfigError } from "../../components/core/errors";
import { OWNER_LABEL, stackOwner } from "../../components/core/labels";
import { lazyModule } from "../../components/core/lazy";
import { PlatformSettings } from "../../components/core/settings/types";
import { ClusterStackOutputs, EksClusterSource } from "../../components/eks/cluster";
import { providerApiServer } from "./apiServer";
import { AwsReader, awsReader, checkEksReadiness } from "./detect/awsReadiness";
import { podIdentityAgentAssumed } from "./detect/eks";
import { detect, skippedDetection } from "./detect";
import { waitForNamespaceGone } from "./detect/platform";
import { Detection } from "./detect/types";
import { ClusterReader, kubernetesClusterReader, memoizedReader } from "./reader";

const aws = lazyModule<typeof Aws>("@pulumi/aws");

/** How every line auto-configuration logs begins (the fleet picks its findings out by it). */
export const AUTO_CONFIGURATION_PREFIX = "auto-configuration: ";

/** How long the cluster may take to answer every rule's reads before detection is skipped. */
const DETECTION_TIMEOUT_MS = 8000;
/** How long an install waits for this stack's namespace, deleted by a destroy, to be gone. */
const TERMINATING_NAMESPACE_TIMEOUT_SECONDS = 120;

export interface AutoConfigureOptions {
    args: DynamoPlatformArgs;
    settings: PlatformSettings;
    /** Where the EKS cluster comes from; one this run creates is not read, one from a cluster stack is read with its kubeconfig. */
    eksCluster?: { kind: EksClusterSource["kind"]; stack?: string; outputs?: Pick<ClusterStackOutputs, "kubeconfigText"> };
    /** `kubernetes:kubeconfig` and `kubernetes:context`, which the default Kubernetes provider also reads. */
    kubeconfig?: string;
    context?: string;
    /** Injected in tests; the real cluster otherwise. */
    reader?: ClusterReader;
    /** Injected in tests; AWS through the provider's data sources otherwise. */
    aws?: AwsReader;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The owner tag of one of the cluster's EKS add-ons, undefined when it is not an add-on. */
async function addonOwner(clusterName: pulumi.Input<string>, addonName: string): Promise<string | undefined> {
    if (typeof clusterName !== "string") {
        return undefined;
    }
    try {
        const addon = await aws.eks.getAddon({ clusterName, addonName });
        return addon.tags?.[OWNER_LABEL];
    } catch {
        return undefined;
    }
}

/**
 * Whether a failed read means the cluster is not there (refused, unresolvable, unreachable): then
 * every resource would fail too, so the run stops before registering any. Other failures (a read
 * forbidden to this identity, a cluster slower than the detection timeout) only skip auto-configuration.
 */
export function isUnreachable(message: string): boolean {
    return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET/.test(message);
}

/** Why the cluster cannot be read before anything is created, if it cannot. */
function unreadableCluster(eksCluster: AutoConfigureOptions["eksCluster"]): string | undefined {
    if (eksCluster?.kind === "create") {
        return "the EKS cluster is created by this stack";
    }
    if (eksCluster?.kind === "stack" && eksCluster.outputs === undefined) {
        return `the EKS cluster comes from stack ${eksCluster.stack}, whose outputs are not read yet`;
    }
    return undefined;
}

/** The kubeconfig and context the program's Kubernetes provider uses, which detection reads the cluster with. */
function clusterKubeConfig(options: AutoConfigureOptions): [string | undefined, string | undefined] {
    const fromStack = options.eksCluster?.kind === "stack" ? options.eksCluster.outputs?.kubeconfigText : undefined;
    return fromStack !== undefined ? [fromStack, undefined] : [options.kubeconfig, options.context];
}

async function readCluster(options: AutoConfigureOptions): Promise<Detection> {
    const { args, settings } = options;
    const unreadable = unreadableCluster(options.eksCluster);
    if (unreadable !== undefined) {
        return skippedDetection(unreadable);
    }
    let reader = options.reader;
    if (reader === undefined) {
        try {
            reader = kubernetesClusterReader(await providerApiServer(...clusterKubeConfig(options)));
        } catch (error) {
            return skippedDetection(`no usable kubeconfig (${(error as Error).message})`);
        }
    }
    const { reader: readOnce, reads } = memoizedReader(reader);
    const started = Date.now();
    let detection: Detection;
    try {
        const detecting = detect(readOnce, {
            settings,
            args,
            owner: stackOwner(),
            prometheusConfigured: args.prometheusEndpoint !== undefined || args.monitoringStack !== undefined,
            addonOwner: (addonName) => addonOwner(settings.eks?.clusterName ?? "", addonName),
        });
        detection = await withTimeout(detecting, DETECTION_TIMEOUT_MS);
    } catch (error) {
        if (error instanceof DynamoConfigError) {
            throw error;
        }
        const message = (error as Error).message;
        if (isUnreachable(message)) {
            throw new DynamoConfigError(
                "dynamo:autoConfigure",
                `The cluster cannot be reached (${message}), so nothing was changed: check that the kubeconfig and context this stack uses (KUBECONFIG, kubernetes:kubeconfig, kubernetes:context) point at a running cluster, e.g. with \`kubectl cluster-info\`. To run without reading the cluster first: ${configSetCommand("dynamo:autoConfigure", "false")}.`,
            );
        }
        return skippedDetection(`the cluster cannot be read (${message})`);
    } finally {
        pulumi.log.debug(`${AUTO_CONFIGURATION_PREFIX}${reads()} reads of the cluster in ${Date.now() - started} ms`);
    }
    if (detection.terminatingNamespace !== undefined) {
        pulumi.log.info(`${AUTO_CONFIGURATION_PREFIX}waiting for namespace ${detection.terminatingNamespace} to finish terminating`);
        await waitForNamespaceGone(reader, detection.terminatingNamespace, TERMINATING_NAMESPACE_TIMEOUT_SECONDS);
    }
    return detection;
}

/**
 * Reads the target cluster, and on EKS what AWS holds for it, and decides; never changes anything.
 * Logs every decision once.
 */
export async function autoConfigure(options: AutoConfigureOptions): Promise<Detection> {
    const detection = await readCluster(options);
    const { eks, efs } = options.settings;
    const agentAssumed = detection.installPodIdentityAgent === undefined && options.eksCluster?.kind !== "create";
    const assumption = agentAssumed ? podIdentityAgentAssumed(options.settings, options.args) : undefined;
    if (assumption !== undefined) {
        detection.decisions.push(assumption);
    }
    // A cluster this run creates has nothing to read yet, and everything created for it fits.
    if (eks !== undefined && options.eksCluster?.kind !== "create") {
        const findings = await checkEksReadiness(options.aws ?? awsReader, { eks, efs, nodeZones: detection.nodeZones });
        detection.decisions.push(...findings);
    }
    for (const d of detection.decisions) {
        const line = `${AUTO_CONFIGURATION_PREFIX}${d.subject}: ${d.found} -> ${d.decision}`;
        if (d.level === "warn") {
            pulumi.log.warn(line);
        } else {
            pulumi.log.info(line);
        }
    }
    return detection;
}
