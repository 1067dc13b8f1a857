/**
 * Deletes every Dynamo custom resource of a cluster while the operator still runs, before an opt-in
 * destroy (`dynamo:removeCrdsOnDestroy`) removes the CRDs:
 *
 *   npm run teardown -- [--yes] [--timeout <seconds>] [--context <kube context>] [--kubeconfig <path>]
 *
 * Without --yes it only lists them. With --yes it deletes them, waits up to --timeout (default 120)
 * for their finalizers to clear, and exits 1 naming what is left; 0 when none is left.
 */
import { apiServerOf } from "../program/live/apiServer";
import { leftoverWebhookLines, leftoverWebhooks } from "../program/live/detect/preflight";
import { kubernetesClusterReader } from "../program/live/reader";
import { deleteCustomResources, kubernetesClusterCleaner, leftoverMessage, listCustomResources } from "../program/live/teardown";
import { flag, kubeConfigFromOptions, option } from "./cli";

async function main(): Promise<number> {
    const timeoutSeconds = Number(option("timeout") ?? 120);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
        console.error(`teardown: --timeout ${option("timeout")}: expected a whole number of seconds, 1 or more`);
        return 2;
    }
    try {
        const kubeconfig = kubeConfigFromOptions();
        const cleaner = kubernetesClusterCleaner(kubeconfig);
        const found = await listCustomResources(cleaner);
        for (const ref of found) {
            console.log(`${ref.plural}/${ref.namespace}/${ref.name}`);
        }
        if (!flag("yes")) {
            console.log(`${found.length} Dynamo custom resource(s). Run again with --yes to delete them all, with every model they run.`);
            return 0;
        }
        const left = await deleteCustomResources(cleaner, { timeoutSeconds });
        if (left.length > 0) {
            console.error(`teardown: ${leftoverMessage(left, timeoutSeconds)}`);
            return 1;
        }
        console.log(`${found.length} Dynamo custom resource(s) deleted; none left. pulumi destroy can now remove the CRDs.`);
        for (const line of leftoverWebhookLines(await leftoverWebhooks(kubernetesClusterReader(apiServerOf(kubeconfig))))) {
            console.log(`leftover webhook: ${line}`);
        }
        return 0;
    } catch (error) {
        console.error(`teardown: ${(error as Error).message}`);
        return 2;
    }
}

main().then((code) => process.exit(code));
