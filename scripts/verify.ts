/**
 * Checks a stack's platform in its cluster, like the product's verification section:
 *
 *   npm run verify -- --stack <stack> [--context <kube context>] [--kubeconfig <path>]
 *                     [--smoke [--no-request] [--smoke-timeout <seconds>] [--smoke-request-timeout <seconds>]
 *                      [--smoke-image <image>] [--smoke-namespace <namespace>]]
 *
 * Reads the stack's outputs with `pulumi stack output --json` (same backend and passphrase
 * environment as `pulumi up`) and the cluster with the current kubeconfig. With --smoke, when every
 * check passed, it then deploys a GPU-free graph and sends it one request (program/live/smoke.ts).
 * Exits 1 when a check fails, 2 when the stack or the cluster cannot be read.
 */
import { spawnSync } from "child_process";
import { kubernetesClusterReader } from "../program/live/reader";
import { kubernetesSmokeCluster, SmokeOptions, smokeOptionsFor, smokeTest } from "../program/live/smoke";
import { formatResults, verifyPlatform } from "../program/live/verify";
import { VerifiedOutputs } from "../program/live/verify/types";
import { apiServerFromOptions, flag, option } from "./cli";

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

const USAGE =
    "usage: npm run verify -- --stack <stack> [--context <kube context>] [--kubeconfig <path>]\n" +
    "         [--smoke [--no-request] [--smoke-timeout <seconds>] [--smoke-request-timeout <seconds>] [--smoke-image <image>]\n" +
    "          [--smoke-namespace <namespace>]]";

/** A `--<name> <seconds>` option: a whole number above 0, undefined when absent. */
function seconds(name: string): number | undefined {
    const given = option(name);
    if (given === undefined) {
        return undefined;
    }
    const value = Number(given);
    if (!Number.isInteger(value) || value <= 0) {
        throw new Error(`--${name} ${given} is not a whole number of seconds above 0`);
    }
    return value;
}

/** The smoke test's options: the stack's (its release, mirror and pull secret), then the command line's. */
function smokeOptions(outputs: VerifiedOutputs): SmokeOptions {
    return smokeOptionsFor(outputs, {
        namespace: option("smoke-namespace"),
        image: option("smoke-image"),
        timeoutSeconds: seconds("smoke-timeout"),
        request: flag("no-request") ? false : undefined,
        requestTimeoutSeconds: seconds("smoke-request-timeout"),
    });
}

async function main(): Promise<number> {
    const stack = option("stack");
    if (!stack) {
        console.error(USAGE);
        return 2;
    }
    try {
        const outputs = stackOutputs(stack);
        const smoke = flag("smoke") ? smokeOptions(outputs) : undefined;
        const server = apiServerFromOptions();
        const results = await verifyPlatform(kubernetesClusterReader(server), outputs);
        if (smoke && results.every((r) => r.status !== "fail")) {
            results.push(...(await smokeTest(kubernetesSmokeCluster(await server), smoke)));
        }
        console.log(formatResults(results));
        return results.some((r) => r.status === "fail") ? 1 : 0;
    } catch (error) {
        console.error(`verify: ${(error as Error).message}`);
        return 2;
    }
}

main().then((code) => process.exit(code));
