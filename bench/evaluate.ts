/**
 * Times the program's evaluation under the mock engine for the k8s stack: how long `program/index.ts` takes
 * to register its resource graph, without the CLI or a cluster, as on a day-2 run. Not a test: it
 * prints figures.
 *
 *   npm run bench            (default 20 iterations)
 *   npm run bench -- 50
 */
import { performance } from "perf_hooks";
import { runProgram, stackFileConfig } from "../tests/harness";

async function main(): Promise<void> {
    const iterations = Number(process.argv[2] ?? 20);
    if (!Number.isInteger(iterations) || iterations < 1) {
        throw new Error(`iterations must be a positive integer, got ${process.argv[2]}`);
    }
    // A day-2 run: auto-configuration, which cannot read a cluster here, would find the CRDs owned by
    // their release and hand nothing over.
    const config = { ...stackFileConfig("k8s"), "dynamo:crdsHandOver": "false" };
    const timings: number[] = [];
    let resources = 0;
    for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        const recording = await runProgram({ config, stack: "k8s" });
        timings.push(performance.now() - start);
        resources = recording.resources.length;
    }
    const [first, ...rest] = timings;
    const sorted = [...rest].sort((a, b) => a - b);
    const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)] : first;
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    console.log(`k8s stack: ${resources} resources registered per evaluation, ${iterations} evaluations`);
    console.log(`first evaluation (module loading included): ${first.toFixed(1)} ms`);
    console.log(`later evaluations: median ${median.toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? first).toFixed(1)} ms`);
    console.log(`peak memory (max RSS): ${peakRssMiB.toFixed(1)} MiB`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
