import * as pulumi from "@pulumi/pulumi";
import { connectEksCluster, DynamoPlatform } from "./components";
import { fromStackConfig } from "./components/core/errors";
import { autoConfigure } from "./components/live/autoConfigure";
import { applyDetection } from "./components/live/detection";
import { readOtherStacks } from "./otherStacks";
import { CONFIG_NAMESPACE, loadStackConfig } from "./stackConfig";

// Config is validated while the program loads, so bad input stops it at once.
const config = new pulumi.Config(CONFIG_NAMESPACE);
const kubernetesConfig = new pulumi.Config("kubernetes");
const stack = loadStackConfig({
    get: (key) => config.get(key),
    getSecret: (key) => config.getSecret(key),
    keys: () =>
        Object.keys(pulumi.runtime.allConfig())
            .filter((key) => key.startsWith(`${CONFIG_NAMESPACE}:`))
            .map((key) => key.slice(CONFIG_NAMESPACE.length + 1)),
});

export = async () => {
    // Other stacks' outputs are read and checked before anything is built.
    const resolved = await readOtherStacks(stack);
    const detection = resolved.autoConfigure
        ? await autoConfigure({ ...resolved, kubeconfig: kubernetesConfig.get("kubeconfig"), context: kubernetesConfig.get("context") })
        : undefined;
    const args = detection ? applyDetection(resolved.args, detection) : resolved.args;

    const cluster = resolved.eksCluster && args.eks ? connectEksCluster("dynamo", resolved.eksCluster, args.eks) : undefined;
    const platform = new DynamoPlatform("dynamo", fromStackConfig({ ...args, eks: cluster?.eks ?? args.eks }), {
        provider: cluster?.provider,
    });

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
            args.prometheusEndpoint !== resolved.args.prometheusEndpoint
                ? "detected"
                : (resolved.prometheusEndpointSource ?? platform.prometheusEndpointSource),
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
