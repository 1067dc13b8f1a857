import { DiscoveryBackend, DynamoPlatform } from "@dynamo-pulumi/dynamo";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

// Your own provider: the component installs wherever it points.
const cluster = new k8s.Provider("cluster", { kubeconfig: config.get("kubeconfig"), context: config.get("context") });

const dynamo = new DynamoPlatform(
    "dynamo",
    {
        releaseVersion: config.get("releaseVersion") ?? "1.6.1",
        namespace: "dynamo-ts",
        discoveryBackend: DiscoveryBackend.Etcd,
        storageClass: config.get("modelCacheStorageClass") ?? "nfs",
        persistenceStorageClass: config.get("persistenceStorageClass"),
        chartRepository: config.get("chartRepository"),
        skipAwait: config.getBoolean("skipAwait"),
    },
    { provider: cluster },
);

export const namespace = dynamo.namespace;
export const etcdEndpoint = dynamo.etcdEndpoint;
export const natsEndpoint = dynamo.natsEndpoint;
