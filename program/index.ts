import * as pulumi from "@pulumi/pulumi";
import { connectEksCluster, DynamoPlatform } from "../components";
import { DynamoConfigError, fromStackConfig } from "../components/core/errors";
import { CONFIG_NAMESPACE } from "./configKeys";
import { autoConfigure } from "./live/autoConfigure";
import { applyDetection } from "./live/detect";
import { readOtherStacks } from "./otherStacks";
import { StackOutputInputs } from "./outputs";
import { loadStackConfig } from "./stackConfig";

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

/** Pulumi's exit code for "the program failed and already told the user why" (`cmd/run` of the Node SDK). */
const EXITED_AFTER_LOGGING = 32;

export = async () => {
    try {
        return await program();
    } catch (error) {
        // Pulumi prints an error that an async program rejects with only once the process ends,
        // which here came some 20 s later. A refusal is printed now and the run ends at once, as
        // the SDK itself does for a program that fails to load.
        // Only under the Pulumi CLI (which sets PULUMI_NODEJS_MONITOR), never in the mock-engine tests.
        const underCli = process.env.PULUMI_NODEJS_MONITOR !== undefined;
        if (underCli && (error instanceof DynamoConfigError || error instanceof pulumi.ResourceError)) {
            await pulumi.log.error(error.message, error instanceof pulumi.ResourceError ? error.resource : undefined);
            process.exit(EXITED_AFTER_LOGGING);
        }
        throw error;
    }
};

async function program(): Promise<StackOutputInputs> {
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
        profile: platform.profile,
        imageRegistry: platform.imageRegistry,
        imagePullSecretName: platform.imagePullSecretName,
        efsFileSystemId: stack.eksCluster ? platform.efsFileSystemId : undefined,
        // What `npm run verify` checks the EKS cluster against.
        efsMountTargetZones: stack.eksCluster ? platform.efsMountTargetZones : undefined,
        eksIdentity: stack.eksCluster ? platform.eksIdentity : undefined,
        eksAutoMode: stack.eksCluster ? platform.eksAutoMode : undefined,
        // Set when this stack created the EKS cluster, so other stacks can reach it.
        eksClusterName: cluster?.created?.clusterName,
        kubeconfig: cluster?.created?.kubeconfig,
        // Why auto-configuration installed or skipped what it did.
        detected: detection?.decisions,
    };
}
