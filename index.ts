import * as pulumi from "@pulumi/pulumi";
import { connectEksCluster, DynamoPlatform } from "./components";
import { autoConfigure } from "./components/live/autoConfigure";
import { applyDetection } from "./components/live/detection";
import { CONFIG_NAMESPACE, loadStackConfig } from "./stackConfig";

// Config is validated while the program loads, so bad input stops it at once.
const config = new pulumi.Config(CONFIG_NAMESPACE);
const kubernetesConfig = new pulumi.Config("kubernetes");
const stack = loadStackConfig({ get: (key) => config.get(key), getSecret: (key) => config.getSecret(key) });

export = async () => {
    const detection = stack.autoConfigure
        ? await autoConfigure({ ...stack, kubeconfig: kubernetesConfig.get("kubeconfig"), context: kubernetesConfig.get("context") })
        : undefined;
    const args = detection ? applyDetection(stack.args, detection) : stack.args;

    const cluster = stack.eksCluster && args.eks ? connectEksCluster("dynamo", stack.eksCluster, args.eks) : undefined;
    const platform = new DynamoPlatform("dynamo", { ...args, eks: cluster?.eks ?? args.eks }, { provider: cluster?.provider });

    return {
        namespace: platform.namespace,
        crdsReleaseName: platform.crdsReleaseName,
        crdsReleaseVersion: platform.crdsReleaseVersion,
        platformReleaseName: platform.platformReleaseName,
        platformReleaseVersion: platform.platformReleaseVersion,
        crdNames: platform.crdNames,
        etcdEndpoint: platform.etcdEndpoint,
        natsEndpoint: platform.natsEndpoint,
        prometheusEndpoint: platform.prometheusEndpoint,
        prometheusEndpointSource:
            args.prometheusEndpoint !== stack.args.prometheusEndpoint ? "detected" : platform.prometheusEndpointSource,
        modelCacheStorageClass: platform.modelCacheStorageClass,
        persistenceStorageClass: platform.persistenceStorageClass,
        efsFileSystemId: stack.eksCluster ? platform.efsFileSystemId : undefined,
        // Set when this stack created the EKS cluster, so other stacks can reach it.
        eksClusterName: cluster?.created?.clusterName,
        kubeconfig: cluster?.created?.kubeconfig,
        // Why auto-configuration installed or skipped what it did.
        detected: detection?.decisions,
    };
};
