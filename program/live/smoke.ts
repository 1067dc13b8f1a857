/**
 * The smoke test: proof that the platform serves a model, not only that it is installed. It deploys
 * a GPU-free graph (a frontend and a `dynamo.mocker` worker, as upstream's mocker examples) into a
 * scratch namespace, through the platform's image mirror and pull secret, waits until the operator
 * reports it ready, sends one chat completion through the frontend's Service, and always removes
 * the namespace again. Each step is a verify row; the first that fails ends the test.
 */
import { formatImageReference, mirroredImage, parseImageReference } from "../../components/core/images";
import { ApiError, apiRequest, ApiServer, isNotFound } from "./apiServer";
import { CheckResult } from "./verify/types";

/** What the smoke test deploys and where; see `smokeOptions` for the defaults. */
export interface SmokeOptions {
    /** The scratch namespace: created and removed by the test, refused when it exists and is not the test's. */
    namespace: string;
    /** The image of both components, already mirrored. */
    image: string;
    /** A pull secret in the platform namespace to copy into the scratch namespace, if any. */
    pullSecret?: { namespace: string; name: string };
    /** How long the graph may take to become ready. */
    timeoutSeconds: number;
    /** Whether to send the chat completion (the cluster runs containers and the frontend is reachable). */
    request: boolean;
    /** How long the request is retried while the worker registers with the frontend. */
    requestTimeoutSeconds: number;
}

/** What the smoke test needs of a stack's outputs: its namespace, release, mirror and pull secret. */
export interface SmokeStackOutputs {
    namespace: string;
    platformReleaseVersion?: string;
    imageRegistry?: string;
    imagePullSecretName?: string;
}

/** The smoke test's options for a stack: its release's image through its mirror, its pull secret, the default waits; `overrides` win. */
export function smokeOptionsFor(outputs: SmokeStackOutputs, overrides: Partial<SmokeOptions> = {}): SmokeOptions {
    if (!outputs.platformReleaseVersion && overrides.image === undefined) {
        throw new Error(
            "the stack has no platformReleaseVersion output to choose the smoke image by: give the image (verify: --smoke-image)",
        );
    }
    return {
        namespace: "dynamo-smoke",
        image: overrides.image ?? smokeImage(outputs.platformReleaseVersion!, outputs.imageRegistry ?? ""),
        pullSecret: outputs.imagePullSecretName ? { namespace: outputs.namespace, name: outputs.imagePullSecretName } : undefined,
        timeoutSeconds: 600,
        request: true,
        requestTimeoutSeconds: 60,
        ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
    };
}

/** The label the scratch namespace carries, so a later run knows it may remove it. */
export const SMOKE_LABEL = { "app.kubernetes.io/managed-by": "dynamo-verify-smoke" };
export const SMOKE_GRAPH = "dynamo-smoke";
/** The model the mocker pretends to serve: upstream's example, a tokenizer the worker downloads. */
export const SMOKE_MODEL = "Qwen/Qwen3-0.6B";
/** The frontend's HTTP port, as the operator configures it. */
export const FRONTEND_PORT = 8000;

/**
 * The image upstream's mocker examples run, for a release: `dynamo-planner` of the same version
 * (without a -postN suffix, which only charts have), through the mirror when there is one.
 */
export function smokeImage(releaseVersion: string, imageRegistry: string): string {
    const image = parseImageReference(`nvcr.io/nvidia/ai-dynamo/dynamo-planner:${releaseVersion.replace(/-post\d+$/, "")}`)!;
    return formatImageReference(imageRegistry ? mirroredImage(image, imageRegistry) : image);
}

/** The graph in the API version the cluster serves: `v1beta1` components where served, else `v1alpha1` services. */
export function smokeGraph(version: string, namespace: string, image: string, pullSecretName?: string): Record<string, unknown> {
    const frontend = ["python3", "-m", "dynamo.frontend", "--http-port", String(FRONTEND_PORT)];
    const worker = ["python3", "-m", "dynamo.mocker", "--model-path", SMOKE_MODEL];
    const pullSecrets = pullSecretName ? { imagePullSecrets: [{ name: pullSecretName }] } : {};
    const metadata = { name: SMOKE_GRAPH, namespace, labels: SMOKE_LABEL };
    if (version === "v1beta1") {
        const component = (name: string, type: string, command: string[]) => ({
            name,
            type,
            replicas: 1,
            podTemplate: { spec: { ...pullSecrets, containers: [{ name: "main", image, command }] } },
        });
        return {
            apiVersion: "nvidia.com/v1beta1",
            kind: "DynamoGraphDeployment",
            metadata,
            spec: { components: [component("Frontend", "frontend", frontend), component("decode", "worker", worker)] },
        };
    }
    const service = (componentType: string, command: string[]) => ({
        componentType,
        replicas: 1,
        extraPodSpec: { ...pullSecrets, mainContainer: { image, command } },
    });
    return {
        apiVersion: `nvidia.com/${version}`,
        kind: "DynamoGraphDeployment",
        metadata,
        spec: { services: { Frontend: service("frontend", frontend), decode: service("worker", worker) } },
    };
}

/** A graph's status as the operators of every line report it. */
export interface GraphStatus {
    state?: string;
    conditions?: { type: string; status: string; message?: string }[];
}

/** Whether the operator reports the graph ready: condition Ready True (1.x), or state `successful` (0.9.x). */
export function graphReady(status: GraphStatus | undefined): boolean {
    return (status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") || status?.state === "successful";
}

/** What the graph is waiting for, in the operator's words. */
export function graphProgress(status: GraphStatus | undefined): string {
    const ready = (status?.conditions ?? []).find((c) => c.type === "Ready");
    return [status?.state, ready?.message].filter(Boolean).join(": ") || "no status yet";
}

/** What the smoke test needs of the cluster; `kubernetesSmokeCluster` is the real one. */
export interface SmokeCluster {
    /** The served versions of a CRD, undefined when it is not installed. */
    servedVersions(crd: string): Promise<string[] | undefined>;
    /** The labels of a namespace, undefined when it does not exist. */
    namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
    createNamespace(name: string, labels: Record<string, string>): Promise<void>;
    /** Copies a Secret (type and data) into another namespace. */
    copySecret(from: { namespace: string; name: string }, toNamespace: string): Promise<void>;
    /** Creates a namespaced custom object; rejects with the API server's message when refused. */
    createGraph(graph: Record<string, unknown>): Promise<void>;
    graphStatus(version: string, namespace: string, name: string): Promise<GraphStatus | undefined>;
    /** The Services of a namespace by name. */
    serviceNames(namespace: string): Promise<string[]>;
    /** POSTs JSON to a Service port through the API server's proxy; resolves to the answer's text. */
    postThroughService(namespace: string, service: string, port: number, path: string, body: unknown): Promise<string>;
    deleteNamespace(name: string): Promise<void>;
}

const GRAPH_CRD = "dynamographdeployments.nvidia.com";

/** The smoke test's clock and pauses, injectable so that tests need not wait. */
export interface SmokeClock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

const realClock: SmokeClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** Runs the smoke test; the rows say what passed and, for the first that failed, why and what to look at. */
export async function smokeTest(cluster: SmokeCluster, options: SmokeOptions, clock: SmokeClock = realClock): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    const { namespace } = options;
    const versions = await cluster.servedVersions(GRAPH_CRD);
    if (versions === undefined || versions.length === 0) {
        return [
            { check: "smoke: graph API", status: "fail", detail: `${GRAPH_CRD} is not installed`, hint: "Run `pulumi up` for this stack." },
        ];
    }
    const version = versions.includes("v1beta1") ? "v1beta1" : versions[0];
    const existing = await cluster.namespaceLabels(namespace);
    if (existing !== undefined && existing["app.kubernetes.io/managed-by"] !== SMOKE_LABEL["app.kubernetes.io/managed-by"]) {
        return [
            {
                check: "smoke: scratch namespace",
                status: "fail",
                detail: `namespace ${namespace} exists and is not the smoke test's`,
                hint: "Name another with --smoke-namespace; the smoke test never touches a namespace it did not create.",
            },
        ];
    }
    try {
        if (existing === undefined) {
            await cluster.createNamespace(namespace, SMOKE_LABEL);
        }
        if (options.pullSecret) {
            await cluster.copySecret(options.pullSecret, namespace);
        }
        const graph = smokeGraph(version, namespace, options.image, options.pullSecret?.name);
        const started = clock.now();
        try {
            await cluster.createGraph(graph);
        } catch (error) {
            results.push({
                check: "smoke: graph admitted",
                status: "fail",
                detail: messageOf(error),
                hint: "The operator's admission webhook or the API server refused the graph; see the admission webhook row.",
            });
            return results;
        }
        results.push({ check: "smoke: graph admitted", status: "ok", detail: `${version} ${SMOKE_GRAPH} (${options.image})` });

        let status: GraphStatus | undefined;
        while (!graphReady((status = await cluster.graphStatus(version, namespace, SMOKE_GRAPH)))) {
            if (clock.now() - started > options.timeoutSeconds * 1000) {
                results.push({
                    check: "smoke: graph ready",
                    status: "fail",
                    detail: `not ready after ${options.timeoutSeconds} s: ${graphProgress(status)}`,
                    hint: `\`kubectl get pods -n ${namespace}\` and \`kubectl describe pods -n ${namespace}\` (image pulls from the mirror, the pull secret, GPU-free nodes); the operator's logs.`,
                });
                return results;
            }
            await clock.sleep(2000);
        }
        results.push({
            check: "smoke: graph ready",
            status: "ok",
            detail: `in ${Math.round((clock.now() - started) / 1000)} s: ${graphProgress(status)}`,
        });

        if (options.request) {
            results.push(await chatCompletion(cluster, namespace, options.requestTimeoutSeconds, clock));
        }
        return results;
    } finally {
        await cluster.deleteNamespace(namespace).then(
            () => results.push({ check: "smoke: cleanup", status: "ok", detail: `namespace ${namespace} deleted` }),
            (error) =>
                results.push({
                    check: "smoke: cleanup",
                    status: "fail",
                    detail: `namespace ${namespace} not deleted: ${messageOf(error)}`,
                    hint: `\`kubectl delete namespace ${namespace}\``,
                }),
        );
    }
}

/** One chat completion through the frontend's Service; the worker registers with it a little after it is ready. */
async function chatCompletion(cluster: SmokeCluster, namespace: string, timeoutSeconds: number, clock: SmokeClock): Promise<CheckResult> {
    const check = "smoke: chat completion";
    const frontend = (await cluster.serviceNames(namespace)).find((name) => name.endsWith("frontend"));
    if (frontend === undefined) {
        return { check, status: "fail", detail: `no frontend Service in ${namespace}`, hint: `\`kubectl get services -n ${namespace}\`` };
    }
    const body = { model: SMOKE_MODEL, messages: [{ role: "user", content: "Say hello." }], max_tokens: 8, stream: false };
    const deadline = clock.now() + timeoutSeconds * 1000;
    for (;;) {
        try {
            const answer = JSON.parse(
                await cluster.postThroughService(namespace, frontend, FRONTEND_PORT, "/v1/chat/completions", body),
            ) as { choices?: { message?: { content?: string } }[] };
            const content = answer.choices?.[0]?.message?.content;
            if (typeof content === "string") {
                return { check, status: "ok", detail: `${frontend}:${FRONTEND_PORT} answered: ${JSON.stringify(content.slice(0, 60))}` };
            }
            throw new Error(`an answer without choices: ${JSON.stringify(answer).slice(0, 200)}`);
        } catch (error) {
            if (clock.now() > deadline) {
                return {
                    check,
                    status: "fail",
                    detail: `${frontend}:${FRONTEND_PORT} /v1/chat/completions: ${messageOf(error)}`,
                    hint:
                        `The frontend's and the worker's logs (\`kubectl get pods -n ${namespace}\`); the worker downloads ${SMOKE_MODEL}'s tokenizer from Hugging Face. ` +
                        "Where the API server cannot reach pods, or no container runs, skip this step with --no-request.",
                };
            }
            await clock.sleep(3000);
        }
    }
}

/** The smoke test's cluster through the API server, as the person or CI running verify. */
export function kubernetesSmokeCluster(server: ApiServer): SmokeCluster {
    const get = async <T>(path: string): Promise<T | undefined> => {
        try {
            return JSON.parse(await apiRequest(server, { path })) as T;
        } catch (error) {
            if (isNotFound(error)) {
                return undefined;
            }
            throw error;
        }
    };
    return {
        async servedVersions(crd) {
            const found = await get<{ spec: { versions: { name: string; served: boolean }[] } }>(
                `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`,
            );
            return found?.spec.versions.filter((v) => v.served).map((v) => v.name);
        },
        async namespaceLabels(name) {
            const found = await get<{ metadata: { labels?: Record<string, string> } }>(`/api/v1/namespaces/${name}`);
            return found === undefined ? undefined : (found.metadata.labels ?? {});
        },
        async createNamespace(name, labels) {
            await apiRequest(server, { method: "POST", path: "/api/v1/namespaces", body: { metadata: { name, labels } } });
        },
        async copySecret(from, toNamespace) {
            const secret = await get<{ type?: string; data?: Record<string, string> }>(
                `/api/v1/namespaces/${from.namespace}/secrets/${from.name}`,
            );
            if (secret === undefined) {
                throw new Error(`the pull secret ${from.namespace}/${from.name} does not exist`);
            }
            await apiRequest(server, {
                method: "POST",
                path: `/api/v1/namespaces/${toNamespace}/secrets`,
                body: { metadata: { name: from.name, labels: SMOKE_LABEL }, type: secret.type, data: secret.data },
            });
        },
        async createGraph(graph) {
            const { apiVersion, metadata } = graph as { apiVersion: string; metadata: { namespace: string } };
            await apiRequest(server, {
                method: "POST",
                path: `/apis/${apiVersion}/namespaces/${metadata.namespace}/dynamographdeployments`,
                body: graph,
            });
        },
        async graphStatus(version, namespace, name) {
            const found = await get<{ status?: GraphStatus }>(
                `/apis/nvidia.com/${version}/namespaces/${namespace}/dynamographdeployments/${name}`,
            );
            return found?.status;
        },
        async serviceNames(namespace) {
            const list = await get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${namespace}/services`);
            return (list?.items ?? []).map((s) => s.metadata.name);
        },
        postThroughService(namespace, service, port, path, body) {
            return apiRequest(server, {
                method: "POST",
                path: `/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${path}`,
                body,
            });
        },
        async deleteNamespace(name) {
            await apiRequest(server, { method: "DELETE", path: `/api/v1/namespaces/${name}` }).catch((error: unknown) => {
                if (!(error instanceof ApiError && error.code === 404)) {
                    throw error;
                }
            });
        },
    };
}
