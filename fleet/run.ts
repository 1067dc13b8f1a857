/**
 * What the fleet commands do, over injected stacks and gates so that every rule is tested without a
 * Pulumi engine or a cluster:
 *
 * - `plan`: every cluster previewed, bounded; refused when any would be;
 * - `up`: wave by wave (the canary first), each cluster preview → up → gates; a failure halts the
 *   rollout (by default) and leaves later clusters untouched; a run again resumes, since a cluster
 *   whose stack already holds the target previews no change and only passes its gates again;
 * - `status`: per cluster the release the stack and the cluster hold, verify, and drift;
 * - `destroy`: the reverse order.
 */
import { Fleet, FleetCluster, fleetClusters, FleetWave } from "./file";
import { ClusterGates, GateResult } from "./gates";
import { acquire, checkHeld, LockOptions, release, RunOwner } from "./lock";
import { ClusterStack, StackState } from "./stacks";

export type Command = "plan" | "up" | "status" | "destroy";

export type Result =
    /** plan: the preview passed. */
    | "planned"
    /** plan: the program refused, or the preview failed. */
    | "refused"
    /** up: updated and through its gates. */
    | "done"
    /** up: already at the target (no change), and through its gates. */
    | "unchanged"
    | "failed"
    /** up, destroy: not started, after a failure halted the rollout. */
    | "untouched"
    /** status: at the release, verify green, no drift. */
    | "ok"
    /** status: a preview would change it, or Helm changed it outside the stack. */
    | "drift"
    /** status: verify fails. */
    | "failing"
    /** status, destroy: no stack, or a stack with nothing in it. */
    | "absent"
    | "destroyed";

export interface ClusterRow {
    cluster: string;
    wave: string;
    stack: string;
    /** The release the cluster runs before (plan, up) or what the stack recorded (status). */
    from?: string;
    /** The release the fleet rolls it to (plan, up) or the one the cluster's Helm release runs (status). */
    to?: string;
    result: Result;
    /** Resources changed (up, destroy) or to change (plan, status). */
    changes?: number;
    seconds?: number;
    /** What happened, in one line: the verdict, the gate, or the error. */
    detail: string;
    /** Warnings of the preview worth a look (preflight, auto-configuration). */
    findings: string[];
}

export interface FleetReport {
    command: Command;
    fleet: string;
    ok: boolean;
    /** Why the rollout stopped early, when it did. */
    halted?: string;
    /** What to do next, when something failed. */
    next?: string;
    rows: ClusterRow[];
    seconds: number;
}

export interface FleetDeps {
    stackOf(cluster: FleetCluster): ClusterStack;
    gates: ClusterGates;
    owner: RunOwner;
    lock: Omit<LockOptions, "onNote">;
    sleep(ms: number): Promise<void>;
    now(): number;
    /** A progress line (with the time and cluster in front), as the run goes. */
    progress(line: string): void;
    /** Aborted when the run is interrupted (SIGINT, SIGTERM): no cluster starts after it. */
    interrupted?: AbortSignal;
}

/** Runs `task` over `items`, at most `limit` at once, in order; `stop` ends the starting of new ones. */
export async function forEachBounded<T, R>(
    items: T[],
    limit: number,
    task: (item: T) => Promise<R>,
    skipped: (item: T) => R,
    stop: () => boolean = () => false,
): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        for (let index = next++; index < items.length; index = next++) {
            results[index] = stop() ? skipped(items[index]) : await task(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

function waveOf(fleet: Fleet, cluster: FleetCluster): FleetWave {
    return fleet.waves.find((wave) => wave.clusters.includes(cluster))!;
}

function row(wave: FleetWave, cluster: FleetCluster, fields: Partial<ClusterRow> & Pick<ClusterRow, "result" | "detail">): ClusterRow {
    return { cluster: cluster.name, wave: wave.name, stack: cluster.stack, findings: [], ...fields };
}

function releaseOutput(state: StackState): string | undefined {
    const version = state.outputs.platformReleaseVersion;
    return typeof version === "string" && version !== "" ? version : undefined;
}

class Run {
    private readonly started: number;
    private readonly stacks = new Map<FleetCluster, ClusterStack>();

    constructor(
        readonly fleet: Fleet,
        readonly deps: FleetDeps,
    ) {
        this.started = deps.now();
    }

    stack(cluster: FleetCluster): ClusterStack {
        let stack = this.stacks.get(cluster);
        if (stack === undefined) {
            stack = this.deps.stackOf(cluster);
            this.stacks.set(cluster, stack);
        }
        return stack;
    }

    say(cluster: FleetCluster | undefined, message: string): void {
        this.deps.progress(cluster === undefined ? message : `${waveOf(this.fleet, cluster).name}/${cluster.name}: ${message}`);
    }

    seconds(since: number): number {
        return Math.round((this.deps.now() - since) / 100) / 10;
    }

    /** Takes every stack of the fleet for this run, runs `body`, and gives them back whatever happens. */
    async locked<T>(body: () => Promise<T>): Promise<T> {
        const stacks = fleetClusters(this.fleet).map((cluster) => this.stack(cluster));
        await acquire(stacks, this.deps.owner, { ...this.deps.lock, onNote: (line) => this.say(undefined, line) });
        try {
            return await body();
        } finally {
            await release(stacks, this.deps.owner);
        }
    }

    async held(cluster: FleetCluster): Promise<void> {
        await checkHeld(this.stack(cluster), this.deps.owner, this.deps.lock.unlockCommand);
    }

    report(command: Command, rows: ClusterRow[], failedResults: Result[], halted?: string, next?: string): FleetReport {
        const ok = !rows.some((r) => failedResults.includes(r.result));
        return { command, fleet: this.fleet.name, ok, halted, next: ok ? undefined : next, rows, seconds: this.seconds(this.started) };
    }
}

/** The widest wave's concurrency: how many clusters plan and status read at once. */
function readConcurrency(fleet: Fleet): number {
    return Math.max(...fleet.waves.map((wave) => wave.concurrency));
}

export async function plan(fleet: Fleet, deps: FleetDeps): Promise<FleetReport> {
    const run = new Run(fleet, deps);
    const rows = await run.locked(() =>
        forEachBounded(
            fleetClusters(fleet),
            readConcurrency(fleet),
            async (cluster) => {
                const start = deps.now();
                const stack = run.stack(cluster);
                run.say(cluster, "preview");
                await stack.prepare();
                const [preview, state] = await Promise.all([stack.preview(), stack.state()]);
                const wave = waveOf(fleet, cluster);
                const from = preview.plan ? preview.plan.from : releaseOutput(state);
                const seconds = run.seconds(start);
                if (preview.error !== undefined) {
                    return row(wave, cluster, {
                        from,
                        to: cluster.release,
                        result: "refused",
                        seconds,
                        detail: preview.error,
                        findings: preview.findings,
                    });
                }
                const kind = preview.plan?.kind ?? "unchanged";
                return row(wave, cluster, {
                    from: from ?? (kind === "unchanged" ? cluster.release : undefined),
                    to: cluster.release,
                    result: "planned",
                    changes: preview.changes,
                    seconds,
                    detail: kind,
                    findings: preview.findings,
                });
            },
            () => {
                throw new Error("plan skips no cluster");
            },
        ),
    );
    return run.report("plan", rows, ["refused"], undefined, "fix what each refused cluster names, then run plan again");
}

/** One cluster's rollout: config, preview, up when it changes anything, then its gates. */
async function rollOut(run: Run, wave: FleetWave, cluster: FleetCluster): Promise<ClusterRow> {
    const start = run.deps.now();
    const stack = run.stack(cluster);
    const done = (fields: Partial<ClusterRow> & Pick<ClusterRow, "result" | "detail">) =>
        row(wave, cluster, { to: cluster.release, seconds: run.seconds(start), ...fields });
    await run.held(cluster);
    await stack.prepare();
    run.say(cluster, "preview");
    const preview = await stack.preview();
    const before = await stack.state();
    const from = preview.plan ? preview.plan.from : releaseOutput(before);
    const findings = preview.findings;
    if (preview.error !== undefined) {
        run.say(cluster, `refused: ${preview.error}`);
        return done({ from, result: "failed", detail: `preview: ${preview.error}`, findings });
    }
    const unchanged = preview.changes === 0 && before.lastUpdate?.result === "succeeded";
    let changes = 0;
    if (unchanged) {
        run.say(cluster, `already at ${cluster.release}: no change`);
    } else {
        await run.held(cluster);
        run.say(
            cluster,
            `up: ${preview.changes} changes (${preview.plan ? `${preview.plan.from ?? "nothing"} → ${preview.plan.to}, ${preview.plan.kind}` : "same release"})`,
        );
        const up = await stack.up((line) => run.say(cluster, line));
        if (up.error !== undefined) {
            run.say(cluster, `up failed: ${up.error}`);
            return done({ from, result: "failed", changes: up.changes, detail: `up: ${up.error}`, findings });
        }
        changes = up.changes;
        run.say(cluster, `up done: ${changes} changes`);
    }
    // After an up the outputs may have changed; unchanged, they are the ones read before it.
    const gate = await passGates(run, wave, cluster, unchanged ? before.outputs : (await stack.state()).outputs);
    const result = unchanged ? "unchanged" : "done";
    if (!gate.ok) {
        run.say(cluster, `gate failed: ${gate.detail}`);
        return done({ from: unchanged ? cluster.release : from, result: "failed", changes, detail: gate.detail, findings });
    }
    run.say(cluster, gate.detail);
    return done({ from: unchanged ? cluster.release : from, result, changes, detail: gate.detail, findings });
}

/** The cluster's gates, in order: verify, then the smoke test; the first that fails decides. */
async function passGates(run: Run, wave: FleetWave, cluster: FleetCluster, outputs: Record<string, unknown>): Promise<GateResult> {
    const passed: string[] = [];
    for (const [enabled, gate] of [
        [wave.gates.verify, run.deps.gates.verify],
        [wave.gates.smoke, run.deps.gates.smoke],
    ] as const) {
        if (!enabled) {
            continue;
        }
        let result: GateResult;
        try {
            result = await gate(cluster, outputs);
        } catch (error) {
            result = { ok: false, detail: `the cluster cannot be checked: ${(error as Error).message}` };
        }
        if (!result.ok) {
            return result;
        }
        passed.push(result.detail);
    }
    return { ok: true, detail: passed.length > 0 ? passed.join("; ") : "no gates" };
}

/** After a wave: its soak time, then verify again on each of its clusters. */
async function soak(run: Run, wave: FleetWave, rows: ClusterRow[]): Promise<void> {
    if (wave.gates.soakSeconds === 0) {
        return;
    }
    run.say(undefined, `wave ${wave.name}: soaking ${wave.gates.soakSeconds}s before the next wave`);
    await run.deps.sleep(wave.gates.soakSeconds * 1000);
    for (const [index, cluster] of wave.clusters.entries()) {
        const { outputs } = await run.stack(cluster).state();
        const gate = await passGates(run, { ...wave, gates: { ...wave.gates, smoke: false } }, cluster, outputs);
        if (!gate.ok) {
            rows[index] = { ...rows[index], result: "failed", detail: `after the ${wave.gates.soakSeconds}s soak: ${gate.detail}` };
            run.say(cluster, rows[index].detail);
        }
    }
}

/** A command stopped before it changed anything: a wave run out of order. */
export class FleetOrderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FleetOrderError";
    }
}

/**
 * The fleet cut to one wave, for a CI job per wave (`--wave`). For `up` (`inOrder`), refused unless
 * every cluster of the waves before it is at its release, as the stacks record it.
 */
export async function onlyWave(fleet: Fleet, name: string, deps: Pick<FleetDeps, "stackOf">, inOrder = true): Promise<Fleet> {
    const index = fleet.waves.findIndex((wave) => wave.name === name);
    if (index === -1) {
        throw new FleetOrderError(`no wave ${name} in ${fleet.file}: its waves are ${fleet.waves.map((wave) => wave.name).join(", ")}`);
    }
    for (const wave of inOrder ? fleet.waves.slice(0, index) : []) {
        for (const cluster of wave.clusters) {
            const state = await deps.stackOf(cluster).state();
            const at = releaseOutput(state);
            if (at !== cluster.release || state.lastUpdate?.result !== "succeeded") {
                throw new FleetOrderError(
                    `wave ${name} comes after wave ${wave.name}, whose cluster ${cluster.name} is not at ${cluster.release} yet (${at === undefined ? "nothing installed" : `at ${at}`}${state.lastUpdate?.result === "failed" ? ", its last update failed" : ""}): run up --wave ${wave.name} first`,
                );
            }
        }
    }
    return { ...fleet, waves: [fleet.waves[index]] };
}

/**
 * Runs `perCluster` over the waves in order (each wave bounded by its concurrency), under the run's
 * holds. Once a cluster fails with `onFailure: halt`, or the run is interrupted, no cluster starts:
 * the rest are `untouched`. `afterWave` runs after each wave unless the run stopped, and may fail
 * its rows (the soak).
 */
async function inWaves(
    run: Run,
    waves: FleetWave[],
    verb: string,
    perCluster: (wave: FleetWave, cluster: FleetCluster) => Promise<ClusterRow>,
    afterWave: (wave: FleetWave, rows: ClusterRow[]) => Promise<void> = async () => undefined,
): Promise<{ rows: ClusterRow[]; halted?: string }> {
    let halted: string | undefined;
    const stopped = () => {
        if (run.deps.interrupted?.aborted) {
            halted ??= "the run was interrupted";
        }
        return halted !== undefined;
    };
    const haltOn = (wave: FleetWave, rows: ClusterRow[]) => {
        // An interruption is why its clusters failed: it is the reason the run stopped.
        stopped();
        const failed = rows.find((r) => r.result === "failed");
        if (failed !== undefined && run.fleet.onFailure === "halt") {
            halted ??= `cluster ${failed.cluster} failed in wave ${wave.name}`;
        }
    };
    const rows = await run.locked(async () => {
        const all: ClusterRow[] = [];
        for (const [index, wave] of waves.entries()) {
            const untouched = (cluster: FleetCluster) =>
                row(wave, cluster, { to: cluster.release, result: "untouched", detail: `not started: ${halted}` });
            if (stopped()) {
                all.push(...wave.clusters.map(untouched));
                continue;
            }
            const names = wave.clusters.map((c) => c.name).join(", ");
            run.say(undefined, `${verb} wave ${index + 1}/${waves.length} ${wave.name}: ${names} (${wave.concurrency} at once)`);
            const waveRows = await forEachBounded(
                wave.clusters,
                wave.concurrency,
                async (cluster) => {
                    const result = await perCluster(wave, cluster);
                    haltOn(wave, [result]);
                    return result;
                },
                untouched,
                stopped,
            );
            if (!stopped()) {
                await afterWave(wave, waveRows);
                haltOn(wave, waveRows);
            }
            all.push(...waveRows);
        }
        return all;
    });
    return { rows, halted };
}

export async function up(fleet: Fleet, deps: FleetDeps): Promise<FleetReport> {
    const run = new Run(fleet, deps);
    const { rows, halted } = await inWaves(
        run,
        fleet.waves,
        "up",
        (wave, cluster) => rollOut(run, wave, cluster),
        (wave, waveRows) => soak(run, wave, waveRows),
    );
    return run.report(
        "up",
        rows,
        ["failed", "untouched"],
        halted,
        "fix what the failed cluster names (if one failed), then run up again: it resumes, checking the clusters already at the release without changing them",
    );
}

export async function status(fleet: Fleet, deps: FleetDeps): Promise<FleetReport> {
    const run = new Run(fleet, deps);
    const rows = await forEachBounded(
        fleetClusters(fleet),
        readConcurrency(fleet),
        async (cluster) => {
            const start = deps.now();
            const wave = waveOf(fleet, cluster);
            const stack = run.stack(cluster);
            const state = await stack.state();
            if (!state.exists || state.resources === 0) {
                return row(wave, cluster, { result: "absent", detail: state.exists ? "the stack holds nothing" : "no stack yet" });
            }
            await stack.prepare();
            const [preview, gate, live] = await Promise.all([
                stack.preview({ refresh: true }),
                deps.gates.verify(cluster, state.outputs).catch((error: Error) => ({ ok: false, detail: `verify: ${error.message}` })),
                deps.gates.liveRelease(cluster, state.outputs).catch(() => ({}) as Awaited<ReturnType<ClusterGates["liveRelease"]>>),
            ]);
            const drift: string[] = [];
            const recorded = state.helmReleases.find((r) => r.name === state.outputs.platformReleaseName);
            if (recorded !== undefined && live.revision !== undefined && live.revision !== recorded.revision) {
                drift.push(
                    `Helm release ${recorded.name} is at revision ${live.revision}, the stack recorded ${recorded.revision}: changed outside Pulumi`,
                );
            }
            if (preview.error !== undefined) {
                drift.push(`preview failed: ${preview.error}`);
            } else if (preview.changes > 0) {
                drift.push(`a preview (refreshed) would change ${preview.changes} resources`);
            }
            const result: Result = !gate.ok ? "failing" : drift.length > 0 ? "drift" : "ok";
            return row(wave, cluster, {
                from: releaseOutput(state),
                to: live.chartVersion,
                result,
                changes: preview.changes,
                seconds: run.seconds(start),
                detail: [...drift, gate.detail].join("; "),
                findings: preview.findings,
            });
        },
        () => {
            throw new Error("status skips no cluster");
        },
    );
    return run.report(
        "status",
        rows,
        ["failing", "drift"],
        undefined,
        "`up` brings drifted clusters back to the fleet file; `npm run verify -- --stack <stack>` details a failing one",
    );
}

export async function destroy(fleet: Fleet, deps: FleetDeps): Promise<FleetReport> {
    const run = new Run(fleet, deps);
    const lastFirst = [...fleet.waves].reverse().map((wave) => ({ ...wave, clusters: [...wave.clusters].reverse() }));
    const { rows, halted } = await inWaves(run, lastFirst, "destroy", async (wave, cluster) => {
        const start = deps.now();
        const stack = run.stack(cluster);
        const state = await stack.state();
        if (!state.exists || state.resources === 0) {
            return row(wave, cluster, { result: "absent", detail: "nothing to destroy" });
        }
        await run.held(cluster);
        await stack.prepare();
        run.say(cluster, `destroy: ${state.resources} resources`);
        const result = await stack.destroy((line) => run.say(cluster, line));
        const seconds = run.seconds(start);
        if (result.error !== undefined) {
            run.say(cluster, `destroy failed: ${result.error}`);
            return row(wave, cluster, { result: "failed", changes: result.changes, seconds, detail: result.error });
        }
        run.say(cluster, `destroyed ${result.changes} resources`);
        return row(wave, cluster, {
            from: releaseOutput(state),
            result: "destroyed",
            changes: result.changes,
            seconds,
            detail:
                cluster.stackConfig["dynamo:removeCrdsOnDestroy"] === "true"
                    ? "CRDs and their objects deleted (dynamo:removeCrdsOnDestroy true)"
                    : "CRDs and models kept",
        });
    });
    return run.report(
        "destroy",
        rows,
        ["failed", "untouched"],
        halted,
        "fix what the failed cluster names (if one failed), then run destroy again: destroyed stacks are skipped",
    );
}
