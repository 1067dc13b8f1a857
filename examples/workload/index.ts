import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

// The platform stack, e.g. acme/dynamo/k8s: this stack only reads its outputs.
const platform = new pulumi.StackReference("platform", { name: config.require("platformStack") });
const namespace = platform.requireOutput("namespace") as pulumi.Output<string>;

// What a model deployment needs to find the control plane, as configuration for its pods.
const endpoints = new k8s.core.v1.ConfigMap("dynamo-endpoints", {
    metadata: { name: "dynamo-endpoints", namespace },
    data: {
        ETCD_ENDPOINTS: platform.requireOutput("etcdEndpoint") as pulumi.Output<string>,
        NATS_SERVER: platform.requireOutput("natsEndpoint") as pulumi.Output<string>,
    },
});

export const platformNamespace = namespace;
export const endpointsConfigMap = endpoints.metadata.name;
