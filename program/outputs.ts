/** The program's stack outputs: the component's own, and what only the program knows. */
import type * as pulumi from "@pulumi/pulumi";
import type { DynamoPlatform } from "../components/platform";
import type { Decision } from "./live/detect/types";

/** The plain values of a component's outputs (its `pulumi.Output` properties other than the URN). */
type OutputValues<C> = { [K in keyof C as C[K] extends pulumi.Output<unknown> ? Exclude<K, "urn"> : never]: pulumi.Unwrap<C[K]> };

type ComponentOutputs = OutputValues<DynamoPlatform>;
/** Outputs the program exports on EKS stacks only. */
type EksOutputs = "efsFileSystemId" | "efsMountTargetZones" | "eksIdentity" | "eksAutoMode";

export type StackOutputs = Omit<ComponentOutputs, EksOutputs | "prometheusEndpointSource"> &
    Partial<Pick<ComponentOutputs, EksOutputs>> & {
        /** `explicit`, `monitoringStack`, `detected` (auto-configuration found it) or `none`. */
        prometheusEndpointSource: string;
        /** Set when this stack created the EKS cluster, so other stacks can reach it. */
        eksClusterName?: string;
        kubeconfig?: string;
        /** Why auto-configuration installed or skipped what it did. */
        detected?: Decision[];
    };

/** The outputs as the program returns them, each a value or an Output of it. */
export type StackOutputInputs = { [K in keyof Required<StackOutputs>]: pulumi.Input<Required<StackOutputs>[K]> | undefined };
