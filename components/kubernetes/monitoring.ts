/** The Prometheus endpoint the operator is given: explicit config, else a monitoring stack's output. */
import * as pulumi from "@pulumi/pulumi";
import { checkHttpUrl } from "../core/settings";

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
 * Resolves the endpoint. An explicit endpoint wins; otherwise the monitoring stack's output is read
 * through a StackReference (a child of `parent`) and must be an http(s) URL.
 */
export function resolvePrometheusEndpoint(
    name: string,
    explicit: pulumi.Input<string> | undefined,
    monitoringStack: string | undefined,
    parent: pulumi.Resource,
): PrometheusEndpoint {
    if (explicit !== undefined) {
        return {
            url: pulumi.output(explicit).apply((url) => checkHttpUrl("prometheusEndpoint", url)),
            source: PrometheusEndpointSource.Explicit,
        };
    }
    if (monitoringStack === undefined) {
        return { url: pulumi.output(""), source: PrometheusEndpointSource.None };
    }
    const reference = new pulumi.StackReference(`${name}-monitoring`, { name: monitoringStack }, { parent });
    const url = reference.getOutput(MONITORING_STACK_OUTPUT).apply((value: unknown) => {
        if (value === undefined || value === null || value === "") {
            throw new pulumi.ResourceError(
                `Stack "${monitoringStack}" (monitoringStack) has no output "${MONITORING_STACK_OUTPUT}"; export the Prometheus URL there or set prometheusEndpoint.`,
                parent,
            );
        }
        return checkHttpUrl(`output "${MONITORING_STACK_OUTPUT}" of stack "${monitoringStack}"`, value);
    });
    return { url, source: PrometheusEndpointSource.MonitoringStack };
}
