/** The Prometheus endpoint the operator is given: explicit config, else a monitoring stack's output. */
import * as pulumi from "@pulumi/pulumi";
import { checkedFor, DynamoConfigError } from "../core/errors";
import { checkField, checkValue, otherStackOutput } from "../core/check";
import { PLATFORM_ARGS_SHAPE } from "../core/schema";

/** The output a monitoring stack exports for this package to read. */
export const MONITORING_STACK_OUTPUT = "prometheusEndpoint";

/** Where the endpoint came from, exported so users can see which source won. */
export enum PrometheusEndpointSource {
    Explicit = "explicit",
    MonitoringStack = "monitoringStack",
    None = "none",
}

export interface PrometheusEndpoint {
    /** The URL, or an empty string when monitoring is not hooked up. */
    url: pulumi.Output<string>;
    source: PrometheusEndpointSource;
}

/**
 * The monitoring stack's endpoint, checked like `prometheusEndpoint` itself, with messages that name
 * the stack and `monitoringStack`.
 */
export function checkMonitoringStackOutput(keyPrefix: string, monitoringStack: string, value: unknown): string {
    const stackKey = `${keyPrefix}monitoringStack`;
    if (value === undefined || value === null || value === "") {
        throw new DynamoConfigError(
            stackKey,
            `Stack "${monitoringStack}" (${stackKey}) has no output "${MONITORING_STACK_OUTPUT}"; export the Prometheus URL there or set ${keyPrefix}prometheusEndpoint.`,
        );
    }
    const place = otherStackOutput(stackKey, monitoringStack, MONITORING_STACK_OUTPUT);
    return checkValue(place, value, PLATFORM_ARGS_SHAPE.prometheusEndpoint, "args") as string;
}

/**
 * Resolves the endpoint. An explicit endpoint wins; otherwise the monitoring stack's output is read
 * through a StackReference (a child of `parent`). Values that are Outputs are checked when they
 * resolve; `keyPrefix` names the keys in messages.
 */
export function resolvePrometheusEndpoint(
    name: string,
    explicit: pulumi.Input<string> | undefined,
    monitoringStack: string | undefined,
    keyPrefix: string,
    parent: pulumi.Resource,
): PrometheusEndpoint {
    if (explicit !== undefined) {
        return {
            url: pulumi
                .output(explicit)
                .apply((url) => checkedFor(parent, () => checkField(keyPrefix, "prometheusEndpoint", url) as string)),
            source: PrometheusEndpointSource.Explicit,
        };
    }
    if (monitoringStack === undefined) {
        return { url: pulumi.output(""), source: PrometheusEndpointSource.None };
    }
    const reference = new pulumi.StackReference(`${name}-monitoring`, { name: monitoringStack }, { parent });
    const url = reference
        .getOutput(MONITORING_STACK_OUTPUT)
        .apply((value: unknown) => checkedFor(parent, () => checkMonitoringStackOutput(keyPrefix, monitoringStack, value)));
    return { url, source: PrometheusEndpointSource.MonitoringStack };
}
