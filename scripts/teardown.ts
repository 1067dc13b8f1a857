/**
 * Deletes every Dynamo custom resource of a cluster while the operator still runs, before an opt-in
 * destroy (`dynamo:removeCrdsOnDestroy`) removes the CRDs:
 *
 *   npm run teardown -- [--yes] [--timeout <seconds>] [--context <kube context>] [--kubeconfig <path>]
 *
 * Without --yes it only lists them. With --yes it deletes them, waits up to --timeout (default 120)
 * for their finalizers to clear, and exits 1 naming what is left; 0 when none is left. It deletes
 * nothing, and exits 1 with the operator's state and the fix, while a Dynamo operator is not ready.
 */
import { apiServerOf } from "../program/live/apiServer";
import { leftoverWebhookLines, leftoverWebhooks } from "../program/live/detect/preflight";
import { ClusterReader, kubernetesClusterReader } from "../program/live/reader";
import { operatorCheck, OPERATOR_POD_SELECTOR } from "../program/live/verify";
import { deleteCustomResources, kubernetesClusterCleaner, leftoverMessage, listCustomResources } from "../program/live/teardown";
import { flag, kubeConfigFromOptions, option } from "./cli";

/**
 * The Dynamo operators of the cluster that do not run, each as the reason and the fix: only a
 * running operator clears the finalizers of what the teardown deletes, and while it is down its
 * webhooks refuse the patch that would remove them by hand, so deleting would leave every model
 * half-deleted.
 */
async function operatorsDown(reader: ClusterReader): Promise<string[]> {
    const operators = await reader.deployments(OPERATOR_POD_SELECTOR);
    const rows = await Promise.all(
        operators.map(async (operator) => ({ operator, row: await operatorCheck(reader, operator.namespace ?? "", operator.name) })),
    );
    return rows
        .filter(({ row }) => row.status === "fail")
        .map(
            ({ operator, row }) =>
                `the Dynamo operator ${operator.namespace}/${operator.name} is not running (${row.detail}), and only it clears the finalizers of the objects to delete. ${row.hint ?? ""} Run the teardown again once it is ready.`,
        );
}

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
        const reader = kubernetesClusterReader(apiServerOf(kubeconfig));
        const down = await operatorsDown(reader);
        if (down.length > 0 && found.length > 0) {
            console.error(`teardown: nothing deleted: ${down.join("; ")}`);
            return 1;
        }
        const left = await deleteCustomResources(cleaner, { timeoutSeconds });
        if (left.length > 0) {
            console.error(`teardown: ${leftoverMessage(left, timeoutSeconds)}`);
            return 1;
        }
        console.log(`${found.length} Dynamo custom resource(s) deleted; none left. pulumi destroy can now remove the CRDs.`);
        for (const line of leftoverWebhookLines(await leftoverWebhooks(reader))) {
            console.log(`leftover webhook: ${line}`);
        }
        return 0;
    } catch (error) {
        console.error(`teardown: ${(error as Error).message}`);
        return 2;
    }
}

main().then((code) => process.exit(code));
