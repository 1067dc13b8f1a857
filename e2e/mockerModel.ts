/**
 * What the files that run the real operator share (e2e/operator.test.ts, e2e/faults.test.ts): the
 * platform config on the 1.x builds, and the user's model, the smoke test's GPU-free mocker graph
 * as `models/mocker`, with its readiness as the operator reports it.
 */
import { smokeGraph, smokeImage } from "../program/live/smoke";
import { core, custom, eventually, MODELS_NAMESPACE, NAMESPACE, PLATFORM_CONFIG, servedCharts } from "./harness";

/** The platform on the 1.x builds: no etcd or NATS (their defaults), KAI off (not built here), the model cache on `nfs`. */
export function operatorConfig(releaseVersion: string, grove = false): Record<string, unknown> {
    return {
        platform: "k8s",
        releaseVersion,
        namespace: NAMESPACE,
        groveEnabled: grove,
        kaiSchedulerEnabled: false,
        storageClass: PLATFORM_CONFIG.storageClass,
        nfs: PLATFORM_CONFIG.nfs,
        chartRepository: servedCharts(),
    };
}

export const MODEL = "mocker";
export const graphAddress = { group: "nvidia.com", version: "v1beta1", namespace: MODELS_NAMESPACE, plural: "dynamographdeployments" };

/** The smoke test's mocker graph, as the user's model `mocker` in the models namespace. */
export function mockerModel(release: string): Record<string, unknown> {
    const graph = smokeGraph("v1beta1", MODELS_NAMESPACE, smokeImage(release, "")) as { metadata: Record<string, unknown> };
    return { ...graph, metadata: { name: MODEL, namespace: MODELS_NAMESPACE } };
}

export interface Graph {
    metadata: { generation?: number };
    spec: { components?: { name: string; replicas?: number }[]; services?: Record<string, unknown> };
    status?: { state?: string; observedGeneration?: number; conditions?: { type: string; status: string; message?: string }[] };
}

export async function readGraph(name = MODEL, version = "v1beta1"): Promise<Graph> {
    return (await custom.getNamespacedCustomObject({ ...graphAddress, version, name })) as Graph;
}

/** Whether the operator has seen the graph's latest spec and reports it Ready. */
export async function graphReady(name = MODEL): Promise<boolean> {
    const graph = await readGraph(name);
    const ready = graph.status?.conditions?.find((c) => c.type === "Ready");
    return ready?.status === "True" && graph.status?.observedGeneration === graph.metadata.generation;
}

/** The models namespace, the mocker model of `release` in it, and the wait until the operator reports it Ready. */
export async function deployMockerModel(release: string, what = "the mocker graph Ready", seconds = 180): Promise<void> {
    await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
    await custom.createNamespacedCustomObject({ ...graphAddress, body: mockerModel(release) });
    await eventually(what, () => graphReady(), seconds);
}
