/**
 * One fleet run per stack at a time: a run marks each of its stacks with a tag naming itself, in the
 * stacks' own backend (folder, object storage or Pulumi Cloud alike), checks the mark is still its
 * own before each step that changes a stack, and clears it at the end. The backend's update lock
 * stops two updates of one stack; the tag stops two runs from interleaving their steps. A run killed
 * on this machine leaves a tag whose process is gone: the next run here takes it over.
 */
import { ClusterStack } from "./stacks";

export const LOCK_TAG = "dynamo-fleet-run";
/**
 * The tag's value when no run holds the stack. A run gives its hold back by setting this rather than
 * removing the tag: the folder backend (Pulumi 3.248) keeps a stack's last tag when it is removed.
 */
export const NO_HOLDER = "none";

/** Who holds a stack: the fleet, this run, the machine and process, since when. */
export interface RunOwner {
    fleet: string;
    run: string;
    host: string;
    pid: number;
    since: string;
}

export class FleetLockedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FleetLockedError";
    }
}

export function ownerTag(owner: RunOwner): string {
    return JSON.stringify(owner);
}

export function parseOwnerTag(value: string | undefined): RunOwner | undefined {
    if (value === undefined) {
        return undefined;
    }
    try {
        const parsed = JSON.parse(value) as RunOwner;
        return typeof parsed.run === "string" ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** Whether the process of a tag left on this machine is gone (a killed run). */
export function isStale(holder: RunOwner, here: { host: string; alive: (pid: number) => boolean }): boolean {
    return holder.host === here.host && !here.alive(holder.pid);
}

function describe(holder: RunOwner): string {
    return `fleet ${holder.fleet} (run ${holder.run}, process ${holder.pid} on ${holder.host}, since ${holder.since})`;
}

export interface LockOptions {
    alive: (pid: number) => boolean;
    /** How long to wait before reading every tag back (a run that tagged at the same moment shows up by then). */
    settleMs: number;
    sleep: (ms: number) => Promise<void>;
    /** The command that clears a tag whose run is gone, for the refusal. */
    unlockCommand: string;
    onNote: (line: string) => void;
}

/**
 * Tags every stack for `owner`, or refuses (tagging none) when another run holds one. Read back
 * after `settleMs`, a tag another run overwrote refuses too, and this run's other tags are cleared.
 */
export async function acquire(stacks: ClusterStack[], owner: RunOwner, options: LockOptions): Promise<void> {
    const holders = await Promise.all(stacks.map(async (stack) => parseOwnerTag(await stack.tag(LOCK_TAG))));
    const busy = stacks
        .map((stack, index) => ({ stack, holder: holders[index] }))
        .filter(({ holder }) => holder !== undefined && holder.run !== owner.run);
    const live = busy.filter(({ holder }) => !isStale(holder!, { host: owner.host, alive: options.alive }));
    if (live.length > 0) {
        const { stack, holder } = live[0];
        throw new FleetLockedError(
            `stack ${stack.cluster.stack} (cluster ${stack.cluster.name}) is held by ${describe(holder!)}${live.length > 1 ? ` and ${live.length - 1} more stack(s) too` : ""}: wait for that run to end. If it is gone (a killed run on another machine): ${options.unlockCommand}.`,
        );
    }
    for (const { stack, holder } of busy) {
        options.onNote(`${stack.cluster.name}: taking over the tag of ${describe(holder!)}, whose process is gone`);
    }
    const value = ownerTag(owner);
    await Promise.all(stacks.map((stack) => stack.setTag(LOCK_TAG, value)));
    await options.sleep(options.settleMs);
    try {
        await Promise.all(stacks.map((stack) => checkHeld(stack, owner, options.unlockCommand)));
    } catch (error) {
        await release(stacks, owner);
        throw error;
    }
}

/** Refuses when the stack's tag is no longer this run's (another run overwrote it, or someone cleared it). */
export async function checkHeld(stack: ClusterStack, owner: RunOwner, unlockCommand: string): Promise<void> {
    const holder = parseOwnerTag(await stack.tag(LOCK_TAG));
    if (holder?.run !== owner.run) {
        throw new FleetLockedError(
            holder === undefined
                ? `stack ${stack.cluster.stack} (cluster ${stack.cluster.name}) lost this run's tag (${unlockCommand} ran?): stopping before its next step.`
                : `stack ${stack.cluster.stack} (cluster ${stack.cluster.name}) is now held by ${describe(holder)}: two fleet runs started at once; this one stops before its next step.`,
        );
    }
}

/** Clears this run's hold on each stack that still carries it. */
export async function release(stacks: ClusterStack[], owner: RunOwner): Promise<void> {
    await Promise.all(
        stacks.map(async (stack) => {
            if (parseOwnerTag(await stack.tag(LOCK_TAG))?.run === owner.run) {
                await stack.setTag(LOCK_TAG, NO_HOLDER);
            }
        }),
    );
}
