/**
 * `dynamo:prometheusEndpoint` and `dynamo:monitoringStack`: where the operator finds Prometheus.
 */
import { bad, equal, InputGroup, release } from "./cases";

const MONITORING = "acme/monitoring/prod";

export const MONITORING_INPUTS: InputGroup = {
    keys: ["dynamo:prometheusEndpoint", "dynamo:monitoringStack"],
    bad: [
        // dynamo:prometheusEndpoint
        bad(
            "value",
            "k8s",
            "a Prometheus endpoint without a scheme",
            { "dynamo:prometheusEndpoint": "prometheus:9090" },
            "dynamo:prometheusEndpoint",
            "an http:// or https:// URL",
        ),
        bad(
            "value",
            "k8s",
            "a Prometheus endpoint with a trailing space",
            { "dynamo:prometheusEndpoint": "http://prom:9090 " },
            "dynamo:prometheusEndpoint",
            "an http:// or https:// URL",
        ),
        bad(
            "security",
            "k8s",
            "credentials in the Prometheus URL",
            { "dynamo:prometheusEndpoint": "http://admin:secret@prom:9090" },
            "dynamo:prometheusEndpoint",
            "an http:// or https:// URL",
        ),
        // dynamo:monitoringStack
        bad(
            "value",
            "k8s",
            "a monitoring stack name with a space",
            { "dynamo:monitoringStack": "my monitoring" },
            "dynamo:monitoringStack",
            "a stack name: stack, project/stack or org/project/stack",
        ),
        bad(
            "other-stack",
            "k8s",
            "a monitoring stack whose endpoint is not a URL",
            { "dynamo:monitoringStack": MONITORING },
            "dynamo:monitoringStack",
            "an http:// or https:// URL",
            { [MONITORING]: { prometheusEndpoint: "prometheus:9090" } },
        ),
        bad(
            "other-stack",
            "k8s",
            "a monitoring stack whose endpoint carries credentials",
            { "dynamo:monitoringStack": MONITORING },
            "dynamo:monitoringStack",
            "an http:// or https:// URL",
            { [MONITORING]: { prometheusEndpoint: "http://a:b@prom:9090" } },
        ),
        bad(
            "other-stack",
            "k8s",
            "a monitoring stack without the output",
            { "dynamo:monitoringStack": MONITORING },
            "dynamo:monitoringStack",
            "export the Prometheus URL there or set dynamo:prometheusEndpoint",
            { [MONITORING]: {} },
        ),
    ],
    valid: [
        {
            name: "a Prometheus endpoint on an IPv6 address with a path",
            stack: "k8s",
            set: { "dynamo:prometheusEndpoint": "http://[fd00::9]:9090/prometheus" },
            check: (r) =>
                equal(
                    release(r, "dynamo-platform").values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                    "http://[fd00::9]:9090/prometheus",
                    "endpoint",
                ),
        },
        {
            name: "a monitoring stack read before the build",
            stack: "k8s",
            set: { "dynamo:monitoringStack": MONITORING },
            stackOutputs: { [MONITORING]: { prometheusEndpoint: "https://prom.example/api" } },
            check: (r) => {
                equal(
                    release(r, "dynamo-platform").values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                    "https://prom.example/api",
                    "endpoint",
                );
                equal(r.stackOutputs().prometheusEndpointSource, "monitoringStack", "source");
            },
        },
    ],
};
