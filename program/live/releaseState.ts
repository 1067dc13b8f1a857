/**
 * What an earlier run left in the platform release, as preflight and verify report it: a revision
 * Helm still holds `pending-*` after an interrupted run, a failed upgrade whose changes are in the
 * cluster, and hook Jobs that failed.
 */
import { ClusterReader, HelmRevisionInfo, JobInfo } from "./reader";

/** The annotations Helm reads on a hook's objects. */
const HOOK_ANNOTATION = "helm.sh/hook";
const HOOK_DELETE_POLICY_ANNOTATION = "helm.sh/hook-delete-policy";
/** The delete policy under which Helm deletes a hook's old object before creating it again. */
const BEFORE_HOOK_CREATION = "before-hook-creation";

/** A Helm hook Job of the release's namespace that failed, with the pod that says why. */
export interface FailedHook {
    job: string;
    /** When Helm runs it: `pre-upgrade`, `pre-install,pre-upgrade`, … */
    hook: string;
    /** Whether Helm deletes it before creating it again; if not, the next install or upgrade fails on it. */
    replacedByNextRun: boolean;
    /** The Job's `Failed` reason; undefined while it still retries (Helm stopped waiting). */
    jobReason?: string;
    /** A pod of it whose container exited non-zero, if one is left. */
    failedPod?: { name: string; container: string; exitCode: number; reason?: string };
}

/** The hooks Helm runs on an install or upgrade; a failed test, delete or rollback hook is no run's business. */
const INSTALL_OR_UPGRADE_HOOK = /\b(pre|post)-(install|upgrade)\b/;

function hasFailed(job: JobInfo): boolean {
    return (
        INSTALL_OR_UPGRADE_HOOK.test(job.annotations[HOOK_ANNOTATION] ?? "") &&
        (job.failedReason !== undefined || (job.failedPods > 0 && job.succeeded === 0))
    );
}

/** The release namespace's Helm hook Jobs that failed, each with a pod that shows why. */
export async function failedHooks(reader: ClusterReader, namespace: string): Promise<FailedHook[]> {
    const failed = (await reader.jobs(namespace)).filter(hasFailed);
    return Promise.all(
        failed.map(async (job) => {
            const pods = await reader.pods(namespace, `job-name=${job.name}`);
            const failedPod = pods.flatMap((pod) =>
                (pod.troubled ?? []).flatMap((trouble) =>
                    trouble.failedExit
                        ? [
                              {
                                  name: pod.name,
                                  container: trouble.container,
                                  exitCode: trouble.failedExit.code,
                                  reason: trouble.failedExit.reason,
                              },
                          ]
                        : [],
                ),
            )[0];
            const policies = (job.annotations[HOOK_DELETE_POLICY_ANNOTATION] ?? "").split(",").map((p) => p.trim());
            return {
                job: job.name,
                hook: job.annotations[HOOK_ANNOTATION],
                replacedByNextRun: policies.includes(BEFORE_HOOK_CREATION),
                jobReason: job.failedReason,
                failedPod,
            };
        }),
    );
}

/** One line on a failed hook: the Job, why it failed, and the command that shows its log. */
export function describeFailedHook(hook: FailedHook, namespace: string): string {
    const state =
        hook.jobReason !== undefined ? `failed (${hook.jobReason})` : "has failed pods and was still retrying when Helm stopped waiting";
    const pod = hook.failedPod;
    const why =
        pod === undefined
            ? `its log: \`kubectl logs -n ${namespace} job/${hook.job}\``
            : `pod ${pod.name} exited ${pod.exitCode}${pod.reason ? ` (${pod.reason})` : ""}; its log: \`kubectl logs -n ${namespace} ${pod.name} -c ${pod.container}\``;
    return `the ${hook.hook} hook Job ${namespace}/${hook.job} ${state}: ${why}`;
}

/** The command that clears a release an interrupted run left `pending-*`, and what it does; undefined for any other status. */
export function interruptedReleaseFix(status: string, release: string, namespace: string): { command: string; effect: string } | undefined {
    if (status === "pending-install") {
        return {
            command: `helm uninstall ${release} -n ${namespace} --no-hooks`,
            effect: "the install never finished, so nothing of yours is in it (volumes and CRDs are not Helm's to delete)",
        };
    }
    if (status.startsWith("pending-")) {
        return {
            command: `helm rollback ${release} -n ${namespace}`,
            effect: "this returns the platform to the revision that was running before",
        };
    }
    return undefined;
}

/** Helm's description of a revision whose pre-install or pre-upgrade hook failed: nothing of it was applied. */
const FAILED_BEFORE_APPLYING = /pre-(install|upgrade) hooks failed/;

/**
 * The rollback a failed upgrade needs before the next one, undefined when it needs none. Helm
 * computes an upgrade against the last deployed revision and merges it three ways with the live
 * objects, so a change the failed revision applied and the corrected config leaves out (an
 * environment variable that crashes the operator) would stay. A revision that failed in a
 * pre-upgrade hook applied nothing, and one without a deployed revision before it has nothing to
 * go back to.
 */
export function failedUpgradeFix(
    latest: HelmRevisionInfo,
    release: string,
    namespace: string,
): { command: string; lastDeployed: number } | undefined {
    if (latest.status !== "failed" || latest.lastDeployed === undefined || FAILED_BEFORE_APPLYING.test(latest.description ?? "")) {
        return undefined;
    }
    return { command: `helm rollback ${release} ${latest.lastDeployed} -n ${namespace}`, lastDeployed: latest.lastDeployed };
}
