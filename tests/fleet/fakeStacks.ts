/**
 * Stacks and gates for the fleet's unit tests: each stack keeps its release, resources, last update
 * and tags in memory, shared by every run over the same `FakeBackend`, and records the calls made to it.
 */
import * as yaml from "js-yaml";
import { Fleet, FleetCluster, parseFleet } from "../../fleet/file";
import { ClusterGates, GateResult } from "../../fleet/gates";
import { RunOwner } from "../../fleet/lock";
import { FleetDeps } from "../../fleet/run";
import { ClusterStack, OperationReport, PreviewReport, StackState } from "../../fleet/stacks";

/** What one stack holds, as a backend would keep it between runs. */
export interface FakeStackRecord {
    exists: boolean;
    release?: string;
    resources: number;
    lastResult?: string;
    helmRevision: number;
    tags: Record<string, string>;
    config: Record<string, string>;
}

/** How the fake cluster behind a stack answers. */
export interface FakeClusterBehaviour {
    /** The preview's refusal, when the program would refuse. */
    refusal?: string;
    /** The up's error, when it fails. */
    upError?: string;
    /** verify's verdict after the up. */
    verify?: GateResult;
    /** Helm's live revision, when something changed the release outside the stack. */
    liveRevision?: number;
}

export class FakeBackend {
    readonly stacks = new Map<string, FakeStackRecord>();
    readonly behaviour = new Map<string, FakeClusterBehaviour>();
    /** Every call, as `<cluster>: <operation>`, in order. */
    readonly calls: string[] = [];

    record(stack: string): FakeStackRecord {
        let record = this.stacks.get(stack);
        if (record === undefined) {
            record = { exists: false, resources: 0, helmRevision: 0, tags: {}, config: {} };
            this.stacks.set(stack, record);
        }
        return record;
    }

    set(cluster: string, behaviour: FakeClusterBehaviour): void {
        this.behaviour.set(cluster, behaviour);
    }

    stackOf = (cluster: FleetCluster): ClusterStack => new FakeStack(this, cluster);
}

class FakeStack implements ClusterStack {
    constructor(
        private readonly backend: FakeBackend,
        readonly cluster: FleetCluster,
    ) {}

    private get record(): FakeStackRecord {
        return this.backend.record(this.cluster.stack);
    }

    private get behaviour(): FakeClusterBehaviour {
        return this.backend.behaviour.get(this.cluster.name) ?? {};
    }

    private call(operation: string): void {
        this.backend.calls.push(`${this.cluster.name}: ${operation}`);
    }

    async state(): Promise<StackState> {
        const record = this.record;
        return {
            exists: record.exists,
            outputs: record.release
                ? {
                      platformReleaseVersion: record.release,
                      platformReleaseName: "dynamo-platform",
                      namespace: "dynamo-system",
                      crdNames: [],
                  }
                : {},
            lastUpdate: record.lastResult ? { kind: "update", result: record.lastResult } : undefined,
            resources: record.resources,
            helmReleases: record.release ? [{ name: "dynamo-platform", namespace: "dynamo-system", revision: record.helmRevision }] : [],
        };
    }

    async prepare(): Promise<void> {
        this.call("prepare");
        this.record.exists = true;
        this.record.config = { ...this.cluster.stackConfig };
    }

    async preview(options: { refresh?: boolean } = {}): Promise<PreviewReport> {
        this.call(options.refresh ? "preview --refresh" : "preview");
        const { release } = this.record;
        const target = this.record.config["dynamo:releaseVersion"];
        if (this.behaviour.refusal !== undefined) {
            return { changes: 0, findings: [], error: this.behaviour.refusal };
        }
        const drifted = this.behaviour.liveRevision !== undefined && options.refresh;
        if (release === target && this.record.lastResult === "succeeded") {
            return { changes: drifted ? 1 : 0, findings: [] };
        }
        return {
            changes: release === undefined ? 12 : 2,
            plan: { from: release, to: target, kind: release === undefined ? "install" : "patch" },
            findings: ["auto-configuration: gpuNodes: none -> models stay Pending"],
        };
    }

    async up(onProgress: (line: string) => void): Promise<OperationReport> {
        this.call("up");
        onProgress("up running");
        if (this.behaviour.upError !== undefined) {
            this.record.lastResult = "failed";
            return { changes: 1, error: this.behaviour.upError };
        }
        const changes = this.record.release === undefined ? 12 : 2;
        this.record.release = this.record.config["dynamo:releaseVersion"];
        this.record.resources = 12;
        this.record.helmRevision += 1;
        this.record.lastResult = "succeeded";
        return { changes };
    }

    async destroy(): Promise<OperationReport> {
        this.call("destroy");
        const changes = this.record.resources;
        Object.assign(this.record, { release: undefined, resources: 0, lastResult: "succeeded", helmRevision: 0 });
        return { changes };
    }

    async tag(key: string): Promise<string | undefined> {
        return this.record.exists ? this.record.tags[key] : undefined;
    }

    async setTag(key: string, value: string): Promise<void> {
        this.record.exists = true;
        this.record.tags[key] = value;
    }
}

/** Gates that answer from the backend's behaviours: verify green unless a cluster says otherwise. */
export function fakeGates(backend: FakeBackend): ClusterGates {
    return {
        verify: async (cluster) => {
            backend.calls.push(`${cluster.name}: verify`);
            return backend.behaviour.get(cluster.name)?.verify ?? { ok: true, detail: "verify: 16 checks passed" };
        },
        smoke: async (cluster) => {
            backend.calls.push(`${cluster.name}: smoke`);
            return { ok: true, detail: "smoke: 4 checks passed" };
        },
        liveRelease: async (cluster) => {
            const record = backend.record(cluster.stack);
            return { chartVersion: record.release, revision: backend.behaviour.get(cluster.name)?.liveRevision ?? record.helmRevision };
        },
    };
}

export const OWNER: RunOwner = { fleet: "inference", run: "run-1", host: "ci-1", pid: 100, since: "2026-12-07T00:00:00Z" };

/** Dependencies over `backend`, with a clock that only moves when the run sleeps. */
export function fakeDeps(backend: FakeBackend, owner: RunOwner = OWNER, alive: (pid: number) => boolean = () => true) {
    let clock = 0;
    const progress: string[] = [];
    const slept: number[] = [];
    const deps: FleetDeps = {
        stackOf: backend.stackOf,
        gates: fakeGates(backend),
        owner,
        lock: { alive, settleMs: 5, sleep: async () => undefined, unlockCommand: "`npm run fleet -- unlock --fleet fleet.yaml`" },
        sleep: async (ms) => {
            slept.push(ms);
            clock += ms;
        },
        now: () => clock,
        progress: (line) => progress.push(line),
    };
    return { deps, progress, slept };
}

/** A fleet of four clusters: canary `staging`, wave `east` (two at once), wave `west`. */
export function fourClusters(extra: Record<string, unknown> = {}): Fleet {
    const document = {
        name: "inference",
        release: "0.9.1",
        config: { platform: "k8s" },
        canary: "staging",
        waves: [
            { name: "east", clusters: ["east-1", "east-2"], concurrency: 2 },
            { name: "west", clusters: ["west-1"] },
        ],
        clusters: ["staging", "east-1", "east-2", "west-1"].map((name) => ({ name, context: name })),
        ...extra,
    };
    return parseFleet(yaml.dump(document), "/fleets/fleet.yaml", "/project");
}
