/**
 * The fleet's clusters as stacks of the project, through the Pulumi Automation API: a
 * `LocalWorkspace` on the project folder (its Pulumi.yaml and program), each cluster's stack
 * created or selected, its config set from the fleet file, then preview, up, destroy, outputs and
 * tags. The backend is the file's, else the environment's, else the project's: any backend works.
 */
import { EngineEvent, LocalWorkspace, OpMap, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { PLATFORM_COMPONENT_TYPE } from "../components/core/names";
import { parseUpgradePlanHead, UpgradePlanHead } from "../components/core/upgrades";
import { CONFIG_NAMESPACE } from "../program/configKeys";
import { AUTO_CONFIGURATION_PREFIX } from "../program/live/autoConfigure";
import { Fleet, FleetCluster, KUBERNETES_KEYS } from "./file";

/** What a preview found: the changes, the upgrade plan, the findings worth a look, and a refusal. */
export interface PreviewReport {
    /** Resources to create, update, replace or delete. */
    changes: number;
    /** The upgrade plan the program printed; undefined when the release is unchanged. */
    plan?: UpgradePlanHead;
    /** Warnings: preflight and auto-configuration findings the user should act on. */
    findings: string[];
    /** Why the run was refused or failed, when it was. */
    error?: string;
}

/** What an up or destroy did. */
export interface OperationReport {
    changes: number;
    error?: string;
}

/** A Helm release as the stack's state recorded it. */
export interface RecordedRelease {
    name: string;
    namespace: string;
    revision: number;
    chartVersion?: string;
}

/** What the stack holds, read without running the program. */
export interface StackState {
    exists: boolean;
    /** Its outputs (plain values; secrets stay hidden). */
    outputs: Record<string, unknown>;
    /** The newest update's kind and result (`succeeded`, `failed`, `in-progress`), when it has one. */
    lastUpdate?: { kind: string; result: string };
    /** How many resources its state holds. */
    resources: number;
    helmReleases: RecordedRelease[];
}

/** One cluster's stack: every operation the fleet runs on it. */
export interface ClusterStack {
    readonly cluster: FleetCluster;
    state(): Promise<StackState>;
    /** Creates or selects the stack and sets the fleet's config on it (and removes the fleet-owned keys the file no longer sets). */
    prepare(): Promise<void>;
    preview(options?: { refresh?: boolean }): Promise<PreviewReport>;
    up(onProgress: (line: string) => void): Promise<OperationReport>;
    destroy(onProgress: (line: string) => void): Promise<OperationReport>;
    tag(key: string): Promise<string | undefined>;
    setTag(key: string, value: string): Promise<void>;
}

/** The operations that change resources, as Pulumi counts them. */
const CHANGING_OPS = ["create", "update", "replace", "delete", "create-replacement", "delete-replaced", "import"] as const;

export function changeCount(summary: OpMap | Record<string, number | undefined> | undefined): number {
    const counts = (summary ?? {}) as Record<string, number | undefined>;
    return CHANGING_OPS.reduce((total, op) => total + (counts[op] ?? 0), 0);
}

/** Engine messages that only repeat that an operation failed; the diagnostic before them says why. */
const GENERIC_ERRORS = [
    /^update failed$/i,
    /^preview failed$/i,
    /^an unhandled error occurred/i,
    /^Program exited with non-zero exit code/i,
];

/**
 * Whether a warning is the program's (auto-configuration and preflight, or the component's, logged
 * against it) rather than the engine's (plugin versions, undefined outputs).
 */
function isFinding(message: string, urn: string | undefined): boolean {
    return message.startsWith(AUTO_CONFIGURATION_PREFIX) || (urn ?? "").includes(`::${PLATFORM_COMPONENT_TYPE}::`);
}

/** The diagnostics of a run, as the fleet reports them: the first real error, and the findings. */
export class Diagnostics {
    /** The program's warnings: auto-configuration's and preflight's findings, the component's own. */
    readonly findings: string[] = [];
    readonly errors: string[] = [];
    readonly infos: string[] = [];

    readonly onEvent = (event: EngineEvent): void => {
        const diagnostic = event.diagnosticEvent;
        if (diagnostic === undefined || diagnostic.ephemeral) {
            return;
        }
        const message = diagnostic.message.trim();
        if (message === "") {
            return;
        }
        if (diagnostic.severity === "error" && !GENERIC_ERRORS.some((generic) => generic.test(message))) {
            this.errors.push(message);
        } else if (diagnostic.severity === "warning" && isFinding(message, diagnostic.urn)) {
            this.findings.push(message);
        } else if (diagnostic.severity === "info") {
            this.infos.push(...message.split("\n"));
        }
    };

    /** The error to report: the first diagnostic, else the command's own message (its last lines). */
    error(fallback?: unknown): string | undefined {
        if (this.errors.length > 0) {
            return this.errors[0];
        }
        if (fallback === undefined) {
            return undefined;
        }
        const text = fallback instanceof Error ? fallback.message : String(fallback);
        const lines = text.split("\n").filter((line) => /error/i.test(line));
        return (lines.length > 0 ? lines.slice(-3) : text.split("\n").slice(-3)).join(" ").trim();
    }
}

/** Counts the resources a running up or destroy has finished, for the progress lines. */
function progressCounter(onProgress: (line: string) => void, verb: string): { onEvent: (event: EngineEvent) => void; stop: () => void } {
    let done = 0;
    const started = Date.now();
    const timer = setInterval(
        () => onProgress(`${verb} running ${Math.round((Date.now() - started) / 1000)}s, ${done} resources done`),
        30_000,
    );
    return {
        onEvent: (event) => {
            if (event.resOutputsEvent !== undefined) {
                done += 1;
            }
        },
        stop: () => clearInterval(timer),
    };
}

function plainOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.secret ? "[secret]" : output.value]));
}

interface StateResource {
    type: string;
    outputs?: { status?: { name?: string; namespace?: string; revision?: number; version?: string } };
}

/** The Helm releases a stack's state records, with the revision each reached. */
export function recordedReleases(resources: StateResource[]): RecordedRelease[] {
    return resources
        .filter((resource) => resource.type === "kubernetes:helm.sh/v3:Release" && resource.outputs?.status?.name !== undefined)
        .map((resource) => {
            const status = resource.outputs!.status!;
            return { name: status.name!, namespace: status.namespace ?? "", revision: status.revision ?? 0, chartVersion: status.version };
        });
}

/** The fleet's stacks on one Automation API workspace. */
export class AutomationStacks {
    private constructor(
        private readonly workspace: LocalWorkspace,
        private readonly interrupted?: AbortSignal,
    ) {}

    /**
     * The commands inherit this process's environment (backend, passphrase, kubeconfig); the file's
     * backend wins. When `interrupted` aborts, each running preview, up or destroy gets SIGINT, so
     * Pulumi lets its in-flight resource operations finish, saves the state and stops.
     */
    static async open(fleet: Fleet, interrupted?: AbortSignal): Promise<AutomationStacks> {
        const envVars: Record<string, string> = fleet.backend === undefined ? {} : { PULUMI_BACKEND_URL: fleet.backend };
        return new AutomationStacks(await LocalWorkspace.create({ workDir: fleet.project, envVars }), interrupted);
    }

    for(cluster: FleetCluster): ClusterStack {
        return new AutomationClusterStack(this.workspace, cluster, this.interrupted);
    }
}

class AutomationClusterStack implements ClusterStack {
    private selected?: Stack;

    constructor(
        private readonly workspace: LocalWorkspace,
        readonly cluster: FleetCluster,
        private readonly signal?: AbortSignal,
    ) {}

    /** The stack, when it exists (never created here). */
    private async existing(): Promise<Stack | undefined> {
        if (this.selected !== undefined) {
            return this.selected;
        }
        try {
            this.selected = await Stack.select(this.cluster.stack, this.workspace);
            return this.selected;
        } catch (error) {
            if (error instanceof StackNotFoundError) {
                return undefined;
            }
            throw error;
        }
    }

    private async stack(): Promise<Stack> {
        this.selected ??= await Stack.createOrSelect(this.cluster.stack, this.workspace);
        return this.selected;
    }

    async state(): Promise<StackState> {
        const stack = await this.existing();
        if (stack === undefined) {
            return { exists: false, outputs: {}, resources: 0, helmReleases: [] };
        }
        const [outputs, history, deployment] = await Promise.all([stack.outputs(), stack.history(1), stack.exportStack()]);
        const resources = ((deployment.deployment as { resources?: StateResource[] } | undefined)?.resources ?? []) as StateResource[];
        const last = history[0];
        return {
            exists: true,
            outputs: plainOutputs(outputs),
            lastUpdate: last === undefined ? undefined : { kind: last.kind, result: last.result },
            resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:")).length,
            helmReleases: recordedReleases(resources),
        };
    }

    async prepare(): Promise<void> {
        const stack = await this.stack();
        const desired = this.cluster.stackConfig;
        // Set first: `pulumi config` refuses to list a stack that lacks a required key (Pulumi.yaml's releaseVersion).
        await stack.setAllConfig(Object.fromEntries(Object.entries(desired).map(([key, value]) => [key, { value, secret: false }])));
        const current = await stack.getAllConfig();
        const owned = (key: string) => key.startsWith(`${CONFIG_NAMESPACE}:`) || KUBERNETES_KEYS.includes(key);
        const stale = Object.entries(current)
            .filter(([key, value]) => owned(key) && !value.secret && !(key in desired))
            .map(([key]) => key);
        if (stale.length > 0) {
            await stack.removeAllConfig(stale);
        }
    }

    async preview(options: { refresh?: boolean } = {}): Promise<PreviewReport> {
        const stack = await this.stack();
        const diagnostics = new Diagnostics();
        try {
            const result = await stack.preview({
                onEvent: diagnostics.onEvent,
                refresh: options.refresh,
                color: "never",
                signal: this.signal,
            });
            return this.report(diagnostics, changeCount(result.changeSummary));
        } catch (error) {
            return this.report(diagnostics, 0, diagnostics.error(error));
        }
    }

    private report(diagnostics: Diagnostics, changes: number, error?: string): PreviewReport {
        const plan = diagnostics.infos.map(parseUpgradePlanHead).find((head) => head !== undefined);
        return { changes, plan, findings: diagnostics.findings, error };
    }

    async up(onProgress: (line: string) => void): Promise<OperationReport> {
        return this.operation(onProgress, "up", (stack, onEvent) =>
            stack.up({ onEvent, color: "never", signal: this.signal }).then((result) => changeCount(result.summary.resourceChanges)),
        );
    }

    async destroy(onProgress: (line: string) => void): Promise<OperationReport> {
        return this.operation(onProgress, "destroy", (stack, onEvent) =>
            stack.destroy({ onEvent, color: "never", signal: this.signal }).then((result) => changeCount(result.summary.resourceChanges)),
        );
    }

    private async operation(
        onProgress: (line: string) => void,
        verb: string,
        run: (stack: Stack, onEvent: (event: EngineEvent) => void) => Promise<number>,
    ): Promise<OperationReport> {
        const stack = await this.stack();
        if (this.signal?.aborted) {
            return { changes: 0, error: `not run: the run was interrupted before its ${verb}` };
        }
        const diagnostics = new Diagnostics();
        const counter = progressCounter(onProgress, verb);
        try {
            const changes = await run(stack, (event) => {
                diagnostics.onEvent(event);
                counter.onEvent(event);
            });
            return { changes };
        } catch (error) {
            if (this.signal?.aborted) {
                return { changes: 0, error: `interrupted: Pulumi stopped once its in-flight operations had finished, and saved the state` };
            }
            return { changes: 0, error: diagnostics.error(error) };
        } finally {
            counter.stop();
        }
    }

    async tag(key: string): Promise<string | undefined> {
        const stack = await this.existing();
        if (stack === undefined) {
            return undefined;
        }
        const tags = await stack.listTags();
        return tags[key];
    }

    async setTag(key: string, value: string): Promise<void> {
        await (await this.stack()).setTag(key, value);
    }
}
