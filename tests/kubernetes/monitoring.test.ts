import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PrometheusEndpoint, PrometheusEndpointSource, resolvePrometheusEndpoint } from "../../components/kubernetes/monitoring";
import { runWithMocks, settle } from "../harness";

const STACK = "acme/monitoring/prod";

async function resolveWith(
    explicit: pulumi.Input<string> | undefined,
    monitoringStack: string | undefined,
    outputs: Record<string, unknown> = {},
): Promise<{ endpoint: PrometheusEndpoint; references: string[] }> {
    let endpoint: PrometheusEndpoint | undefined;
    const recording = await runWithMocks(
        () => {
            const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
            endpoint = resolvePrometheusEndpoint("dynamo", explicit, monitoringStack, "args.", parent);
        },
        { stackOutputs: { [STACK]: outputs } },
    );
    return { endpoint: endpoint!, references: recording.ofType("pulumi:pulumi:StackReference").map((r) => r.inputs.name) };
}

describe("monitoring", () => {
    it("reads prometheusEndpoint from the monitoring stack", async () => {
        const url = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
        const { endpoint, references } = await resolveWith(undefined, STACK, { prometheusEndpoint: url });
        assert.deepEqual(references, [STACK]);
        assert.equal(endpoint.source, PrometheusEndpointSource.MonitoringStack);
        assert.equal(await settle(endpoint.url), url);
    });

    it("uses an explicit endpoint without reading any stack", async () => {
        const { endpoint, references } = await resolveWith(pulumi.output("https://prom.example"), STACK, {
            prometheusEndpoint: "http://other:9090",
        });
        assert.deepEqual(references, []);
        assert.equal(endpoint.source, PrometheusEndpointSource.Explicit);
        assert.equal(await settle(endpoint.url), "https://prom.example");
    });

    it("checks an explicit endpoint that arrives as an Output", async () => {
        const { endpoint } = await resolveWith(pulumi.output("prometheus:9090"), undefined);
        await assert.rejects(settle(endpoint.url), /Invalid args.prometheusEndpoint "prometheus:9090"/);
    });

    it("is empty without either", async () => {
        const { endpoint, references } = await resolveWith(undefined, undefined);
        assert.deepEqual(references, []);
        assert.equal(endpoint.source, PrometheusEndpointSource.None);
        assert.equal(await settle(endpoint.url), "");
    });

    it("fails when the stack's output is not an http(s) URL", async () => {
        const { endpoint } = await resolveWith(undefined, STACK, { prometheusEndpoint: "prometheus:9090" });
        await assert.rejects(
            settle(endpoint.url),
            /Invalid output "prometheusEndpoint" of stack "acme\/monitoring\/prod" \(args.monitoringStack\) "prometheus:9090"/,
        );
    });

    it("fails when the stack has no such output", async () => {
        const { endpoint } = await resolveWith(undefined, STACK, {});
        await assert.rejects(settle(endpoint.url), /has no output "prometheusEndpoint"/);
    });
});
