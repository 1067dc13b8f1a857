/**
 * Checks a stack's platform in its cluster, like the product's verification section:
 *
 *   npm run verify -- --stack <stack> [--context <kube context>] [--kubeconfig <path>]
 *
 * Reads the stack's outputs with `pulumi stack output --json` (same backend and passphrase
 * environment as `pulumi up`) and the cluster with the current kubeconfig. Exits 1 when a check
 * fails, 2 when the stack or the cluster cannot be read.
 */
import { spawnSync } from "child_process";
import { kubernetesClusterReader } from "../program/live/reader";
import { formatResults, verifyPlatform } from "../program/live/verify";
import { VerifiedOutputs } from "../program/live/verify/types";
import { apiServerFromOptions, option } from "./cli";

function stackOutputs(stack: string): VerifiedOutputs {
    const result = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8", cwd: `${__dirname}/..` });
    if (result.error || result.status !== 0) {
        throw new Error(`cannot read the outputs of stack ${stack}: ${result.error?.message ?? result.stderr.trim()}`);
    }
    const outputs = JSON.parse(result.stdout) as Partial<VerifiedOutputs>;
    if (!outputs.namespace || !outputs.platformReleaseName || !Array.isArray(outputs.crdNames)) {
        throw new Error(`stack ${stack} has no platform outputs (namespace, platformReleaseName, crdNames): has it been deployed?`);
    }
    return outputs as VerifiedOutputs;
}

async function main(): Promise<number> {
    const stack = option("stack");
    if (!stack) {
        console.error("usage: npm run verify -- --stack <stack> [--context <kube context>] [--kubeconfig <path>]");
        return 2;
    }
    try {
        const outputs = stackOutputs(stack);
        const reader = kubernetesClusterReader(apiServerFromOptions());
        const results = await verifyPlatform(reader, outputs);
        console.log(formatResults(results));
        return results.some((r) => r.status === "fail") ? 1 : 0;
    } catch (error) {
        console.error(`verify: ${(error as Error).message}`);
        return 2;
    }
}

main().then((code) => process.exit(code));
