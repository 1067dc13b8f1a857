/**
 * The gates a cluster passes after its `up`: verify (the checks of `npm run verify`) and the smoke
 * test, against the cluster the fleet file names (or the kubeconfig an EKS stack exports); and what
 * `status` reads of the live Helm release.
 */
import { providerApiServer } from "../program/live/apiServer";
import { kubernetesClusterReader } from "../program/live/reader";
import { kubernetesSmokeCluster, smokeOptionsFor, smokeTest } from "../program/live/smoke";
import { verifyPlatform } from "../program/live/verify";
import { CheckResult, VerifiedOutputs } from "../program/live/verify/types";
import { FleetCluster } from "./file";

export interface GateResult {
    ok: boolean;
    /** One line: how many checks passed, or the first that failed and why. */
    detail: string;
}

/** The live Helm release of the platform: its chart version and newest revision. */
export interface LiveRelease {
    chartVersion?: string;
    revision?: number;
    status?: string;
}

export interface ClusterGates {
    verify(cluster: FleetCluster, outputs: Record<string, unknown>): Promise<GateResult>;
    smoke(cluster: FleetCluster, outputs: Record<string, unknown>): Promise<GateResult>;
    liveRelease(cluster: FleetCluster, outputs: Record<string, unknown>): Promise<LiveRelease>;
}

/** A gate's verdict from check rows: ok when none failed; else the first failure with its hint. */
export function verdict(results: CheckResult[], what: string): GateResult {
    const failed = results.filter((r) => r.status === "fail");
    if (failed.length === 0) {
        const warned = results.filter((r) => r.status === "warn").length;
        return { ok: true, detail: `${what}: ${results.length} checks passed${warned > 0 ? ` (${warned} warnings)` : ""}` };
    }
    const first = failed[0];
    const detail = first.detail.split("\n")[0];
    return {
        ok: false,
        detail: `${what}: ${failed.length} of ${results.length} checks failed; ${first.check}: ${detail}${first.hint ? ` (${first.hint})` : ""}`,
    };
}

function hasPlatformOutputs(outputs: Record<string, unknown>): outputs is Record<string, unknown> & VerifiedOutputs {
    return typeof outputs.namespace === "string" && typeof outputs.platformReleaseName === "string" && Array.isArray(outputs.crdNames);
}

/** The cluster's API server: the fleet file's kubeconfig and context, else the kubeconfig an EKS stack exports. */
function apiServerOf(cluster: FleetCluster, outputs: Record<string, unknown>) {
    const exported = typeof outputs.kubeconfig === "string" ? outputs.kubeconfig : undefined;
    return providerApiServer(cluster.kubeconfig ?? exported, cluster.context);
}

/** The gates on the real clusters. */
export const liveGates: ClusterGates = {
    async verify(cluster, outputs) {
        if (!hasPlatformOutputs(outputs)) {
            return { ok: false, detail: "verify: the stack has no platform outputs (namespace, platformReleaseName, crdNames)" };
        }
        const results = await verifyPlatform(kubernetesClusterReader(apiServerOf(cluster, outputs)), outputs);
        return verdict(results, "verify");
    },
    async smoke(cluster, outputs) {
        if (!hasPlatformOutputs(outputs)) {
            return { ok: false, detail: "smoke: the stack has no platform outputs" };
        }
        const results = await smokeTest(kubernetesSmokeCluster(await apiServerOf(cluster, outputs)), smokeOptionsFor(outputs));
        return verdict(results, "smoke");
    },
    async liveRelease(cluster, outputs) {
        if (!hasPlatformOutputs(outputs)) {
            return {};
        }
        const reader = kubernetesClusterReader(apiServerOf(cluster, outputs));
        const [chartVersion, latest] = await Promise.all([
            reader.helmReleaseChartVersion(outputs.namespace, outputs.platformReleaseName),
            reader.helmReleaseLatest(outputs.namespace, outputs.platformReleaseName),
        ]);
        return { chartVersion, revision: latest?.revision, status: latest?.status };
    },
};
