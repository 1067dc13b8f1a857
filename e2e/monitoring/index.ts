/**
 * The monitoring stack of the end-to-end test: the real kube-prometheus-stack chart, installed with
 * Helm waiting for its workloads, exporting the in-cluster Prometheus URL for the Dynamo stack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const namespace = new k8s.core.v1.Namespace("monitoring", { metadata: { name: "monitoring" } });

const release = new k8s.helm.v3.Release("kube-prometheus-stack", {
    name: "prometheus",
    namespace: namespace.metadata.name,
    chart: config.require("chart"),
    timeout: 600,
});

export const prometheusEndpoint = pulumi.interpolate`http://${release.name}-kube-prometheus-prometheus.${release.namespace}.svc.cluster.local:9090`;
