/**
 * Values the program takes from other stacks (`dynamo:monitoringStack`, `dynamo:eks.clusterStack`):
 * read first, checked with the same rules as the keys they stand for, and only then built on.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs, EksArgs } from "../components/core/args";
import { PlatformSettings } from "../components/core/settings/types";
import { EksClusterSource, readClusterStack, withClusterStackOutputs } from "../components/eks/cluster";
import { checkMonitoringStackOutput, MONITORING_STACK_OUTPUT, PrometheusEndpointSource } from "../components/kubernetes/monitoring";
import { CONFIG_NAMESPACE } from "./configKeys";
import { StackConfig, validateStackArgs } from "./stackConfig";

/** The stack config with every other stack's outputs read, checked and merged in. */
export interface ResolvedStackConfig {
    args: DynamoPlatformArgs;
    settings: PlatformSettings;
    eksCluster?: EksClusterSource;
    autoConfigure: boolean;
    /** Where the Prometheus endpoint came from, when the program itself read it. */
    prometheusEndpointSource?: PrometheusEndpointSource;
}

/** Reads a monitoring stack's Prometheus URL (a StackReference read, nothing created). */
async function readMonitoringStack(stack: string): Promise<string> {
    const reference = new pulumi.StackReference(`${CONFIG_NAMESPACE}-monitoring`, { name: stack });
    const details = await reference.getOutputDetails(MONITORING_STACK_OUTPUT);
    return checkMonitoringStackOutput(`${CONFIG_NAMESPACE}:`, stack, details.value ?? details.secretValue);
}

/** Reads the other stacks the config names, then validates the whole config again with their values. */
export async function readOtherStacks(stack: StackConfig): Promise<ResolvedStackConfig> {
    const { monitoringStack, ...args } = stack.args;
    const [prometheusEndpoint, clusterOutputs] = await Promise.all([
        monitoringStack !== undefined && args.prometheusEndpoint === undefined ? readMonitoringStack(monitoringStack) : undefined,
        stack.eksCluster?.kind === "stack"
            ? readClusterStack(CONFIG_NAMESPACE, stack.eksCluster.stack, `${CONFIG_NAMESPACE}:eks.clusterStack`)
            : undefined,
    ]);
    if (prometheusEndpoint === undefined && clusterOutputs === undefined) {
        return { ...stack, eksCluster: stack.eksCluster as Exclude<EksClusterSource, { kind: "stack" }> | undefined };
    }
    const resolved: DynamoPlatformArgs = {
        ...args,
        ...(prometheusEndpoint !== undefined ? { prometheusEndpoint } : { monitoringStack }),
    };
    let eksCluster = stack.eksCluster as EksClusterSource | undefined;
    if (clusterOutputs !== undefined && stack.eksCluster?.kind === "stack") {
        eksCluster = { kind: "stack", stack: stack.eksCluster.stack, outputs: clusterOutputs };
        resolved.eks = withClusterStackOutputs(args.eks ?? ({} as EksArgs), clusterOutputs);
    }
    return {
        args: resolved,
        settings: validateStackArgs(resolved),
        eksCluster,
        autoConfigure: stack.autoConfigure,
        prometheusEndpointSource: prometheusEndpoint !== undefined ? PrometheusEndpointSource.MonitoringStack : undefined,
    };
}
