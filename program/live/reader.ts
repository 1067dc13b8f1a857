/**
 * Read-only access to a live cluster, for auto-configuration and verification. Only get and list
 * calls, and server-side dry runs that persist nothing; the interface lets tests inject a fake cluster.
 */
import type * as K8s from "@kubernetes/client-node";
import * as zlib from "zlib";
import { ApiError, apiRequest, ApiRequest, ApiServer, isNotFound } from "./apiServer";

export interface StorageClassInfo {
    name: string;
    provisioner: string;
    labels: Record<string, string>;
}

export interface ServiceInfo {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ports: { name?: string; port: number }[];
}

export interface PodInfo {
    name: string;
    phase: string;
    ready: boolean;
    labels: Record<string, string>;
    /** Names of the environment variables its containers set, where EKS injects AWS credentials. */
    envNames?: string[];
    /** The node it was scheduled to, undefined while Pending. */
    nodeName?: string;
    /** Its containers (init containers first) that restarted, wait or ended with an error; absent when none did. */
    troubled?: ContainerTrouble[];
}

/** A container that restarted, waits (`CrashLoopBackOff`, `ImagePullBackOff`, …) or ended with a non-zero exit. */
export interface ContainerTrouble {
    container: string;
    restarts: number;
    /** Why it waits, as the kubelet reports it. */
    waiting?: string;
    /** Its current or, when it runs again or waits, last termination with a non-zero exit code. */
    failedExit?: { code: number; reason?: string };
}

/** A Job, with the Helm hook it runs for, if any. */
export interface JobInfo {
    name: string;
    annotations: Record<string, string>;
    /** Its `Failed` condition's reason (`BackoffLimitExceeded`, `DeadlineExceeded`), undefined while it has none. */
    failedReason?: string;
    succeeded: number;
    failedPods: number;
}

export interface DeploymentInfo {
    desired: number;
    ready: number;
}

export interface DisruptionBudgetInfo {
    name: string;
    /** Evictions the budget allows now. */
    disruptionsAllowed: number;
    /** Pods the budget covers. */
    expectedPods: number;
}

export interface NamespaceInfo {
    labels: Record<string, string>;
    /** Being deleted: its content is going and it cannot be created again until it is gone. */
    terminating: boolean;
}

export interface NodeInfo {
    name: string;
    ready: boolean;
    /** Cordoned (`spec.unschedulable`). */
    unschedulable: boolean;
    /** Allocatable `nvidia.com/gpu`, 0 on a node without GPUs. */
    gpus: number;
    /** Its labels (zone, EKS compute type, ...). */
    labels: Record<string, string>;
}

/** A cluster-scoped or namespaced object's identity and Helm ownership, as the preflight reads it. */
export interface ObjectInfo {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

/** One webhook of a validating or mutating webhook configuration, with the Service it calls. */
export interface WebhookInfo {
    kind: "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration";
    configuration: string;
    webhook: string;
    failurePolicy?: string;
    /** The Service it calls, `<namespace>/<name>`; undefined for a URL webhook. */
    service?: string;
}

/** A custom object to create in a dry run: where, and the object itself. */
export interface DryRunObject {
    group: string;
    version: string;
    plural: string;
    namespace: string;
    body: object;
}

/** One permission to ask the API server about, in every namespace. */
export interface AccessCheck {
    group: string;
    resource: string;
    verb: string;
}

/** What auto-configuration and `verify` read from a cluster. */
export interface ClusterReader {
    /** The server's version; also proves the cluster answers. */
    serverVersion(): Promise<string>;
    storageClasses(): Promise<StorageClassInfo[]>;
    /** A CRD's state, undefined when it does not exist. */
    crd(name: string): Promise<{ established: boolean } | undefined>;
    /** Services of every namespace that match a label selector. */
    services(labelSelector: string): Promise<ServiceInfo[]>;
    /** Whether a Service exists. */
    serviceExists(namespace: string, name: string): Promise<boolean>;
    ingressClasses(): Promise<{ name: string; controller: string }[]>;
    csiDrivers(): Promise<string[]>;
    /** A namespace, undefined when it does not exist. */
    namespace(name: string): Promise<NamespaceInfo | undefined>;
    /** Objects of a cluster-scoped custom resource, as name and `status.state`. */
    clusterCustomObjects(group: string, version: string, plural: string): Promise<{ name: string; state?: string }[]>;
    pods(namespace: string, labelSelector?: string): Promise<PodInfo[]>;
    /** The Jobs of a namespace; none when it does not exist. */
    jobs(namespace: string): Promise<JobInfo[]>;
    deployment(namespace: string, name: string): Promise<DeploymentInfo | undefined>;
    /** A DaemonSet's scheduled (`desired`) and ready pods, undefined when it does not exist. */
    daemonSet(namespace: string, name: string): Promise<DeploymentInfo | undefined>;
    /** A StatefulSet's wanted and ready replicas, undefined when it does not exist. */
    statefulSet(namespace: string, name: string): Promise<DeploymentInfo | undefined>;
    podDisruptionBudgets(namespace: string): Promise<DisruptionBudgetInfo[]>;
    /** The last lines of one container's log (pods of the real charts run sidecars, so the container is named). */
    podLogTail(namespace: string, pod: string, container: string, lines: number): Promise<string>;
    nodes(): Promise<NodeInfo[]>;
    clusterRoles(): Promise<ObjectInfo[]>;
    webhooks(): Promise<WebhookInfo[]>;
    /** Deployments of every namespace that match a label selector. */
    deployments(labelSelector: string): Promise<ObjectInfo[]>;
    /**
     * Creates `object` as a server-side dry run (`dryRun=All`: admitted through every admission
     * webhook, then discarded). Undefined when admitted, else the API server's refusal message.
     */
    dryRunCreate(object: DryRunObject): Promise<string | undefined>;
    /**
     * Whether the caller may do it in every namespace, as the API server's SelfSubjectAccessReview
     * answers (it persists nothing); undefined when the server cannot answer.
     */
    allowed(check: AccessCheck): Promise<boolean | undefined>;
    /** The chart version of a Helm release's deployed revision (from Helm's secret), undefined when none is deployed. */
    helmReleaseChartVersion(namespace: string, release: string): Promise<string | undefined>;
    /** A Helm release's newest revision, what Helm recorded of it, and its last deployed one; undefined when it has none. */
    helmReleaseLatest(namespace: string, release: string): Promise<HelmRevisionInfo | undefined>;
}

/** A release's newest revision as Helm recorded it. */
export interface HelmRevisionInfo {
    revision: number;
    /** `deployed`, `pending-install`, `failed`, … */
    status: string;
    /** Helm's own line on it, e.g. `Upgrade "dynamo-platform" failed: pre-upgrade hooks failed: …`. */
    description?: string;
    /** The newest revision whose status is `deployed`, if any. */
    lastDeployed?: number;
}

/** What Helm records of one release revision: the chart it installed and the values it was given. */
export interface HelmRecord {
    chart?: { metadata?: { version?: string } };
    config?: Record<string, unknown>;
    /** The rendered manifests Helm applied, hooks apart. */
    manifest?: string;
    hooks?: { manifest: string }[];
    info?: { description?: string };
}

/** A Helm release secret's `release` field, decoded (Helm stores base64 of gzipped JSON). */
export function helmRecordOf(encodedRelease: string): HelmRecord {
    return JSON.parse(zlib.gunzipSync(Buffer.from(encodedRelease, "base64")).toString()) as HelmRecord;
}

function objectInfo(metadata: K8s.V1ObjectMeta | undefined): ObjectInfo {
    return {
        name: metadata?.name ?? "",
        namespace: metadata?.namespace,
        labels: metadata?.labels ?? {},
        annotations: metadata?.annotations ?? {},
    };
}

/** The answer of a read, undefined when the object does not exist (404). */
export async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw error;
    }
}

/** A path of the API: its segments joined, each one encoded. */
function apiPath(...segments: string[]): string {
    return segments.map((segment) => `/${encodeURIComponent(segment)}`).join("");
}

/** A reader over the Kubernetes API of the given server (plain GETs, and POSTs only as dry runs). */
export function kubernetesClusterReader(server: ApiServer | Promise<ApiServer>): ClusterReader {
    const ready = Promise.resolve(server);
    // A kubeconfig that cannot be used fails every read; it is not an unhandled rejection before the first.
    ready.catch(() => undefined);
    const text = async (request: ApiRequest) => apiRequest(await ready, request);
    const get = async <T>(path: string, query?: ApiRequest["query"]) => JSON.parse(await text({ path, query })) as T;
    const list = async <T>(path: string, query?: ApiRequest["query"]) => (await get<{ items?: T[] }>(path, query)).items ?? [];
    const core = (...segments: string[]) => apiPath("api", "v1", ...segments);
    const group = (name: string, version: string, ...segments: string[]) => apiPath("apis", name, version, ...segments);
    const isReady = (conditions: { type: string; status: string }[] | undefined, type = "Ready") =>
        (conditions ?? []).some((c) => c.type === type && c.status === "True");
    return {
        serverVersion: async () => (await get<{ gitVersion: string }>("/version")).gitVersion,
        storageClasses: async () =>
            (await list<K8s.V1StorageClass>(group("storage.k8s.io", "v1", "storageclasses"))).map((c) => ({
                name: c.metadata?.name ?? "",
                provisioner: c.provisioner,
                labels: c.metadata?.labels ?? {},
            })),
        crd: async (name) => {
            const found = await orUndefined(() =>
                get<K8s.V1CustomResourceDefinition>(group("apiextensions.k8s.io", "v1", "customresourcedefinitions", name)),
            );
            return found && { established: isReady(found.status?.conditions, "Established") };
        },
        services: async (labelSelector) =>
            (await list<K8s.V1Service>(core("services"), { labelSelector })).map((s) => ({
                name: s.metadata?.name ?? "",
                namespace: s.metadata?.namespace ?? "",
                labels: s.metadata?.labels ?? {},
                ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port })),
            })),
        serviceExists: async (namespace, name) =>
            (await orUndefined(() => get<K8s.V1Service>(core("namespaces", namespace, "services", name)))) !== undefined,
        ingressClasses: async () =>
            (await list<K8s.V1IngressClass>(group("networking.k8s.io", "v1", "ingressclasses"))).map((c) => ({
                name: c.metadata?.name ?? "",
                controller: c.spec?.controller ?? "",
            })),
        csiDrivers: async () =>
            (await list<K8s.V1CSIDriver>(group("storage.k8s.io", "v1", "csidrivers"))).map((d) => d.metadata?.name ?? ""),
        namespace: async (name) => {
            const namespace = await orUndefined(() => get<K8s.V1Namespace>(core("namespaces", name)));
            return (
                namespace && { labels: namespace.metadata?.labels ?? {}, terminating: namespace.metadata?.deletionTimestamp !== undefined }
            );
        },
        clusterCustomObjects: async (name, version, plural) => {
            const items = await orUndefined(() =>
                list<{ metadata?: { name?: string }; status?: { state?: string } }>(group(name, version, plural)),
            );
            return (items ?? []).map((o) => ({ name: o.metadata?.name ?? "", state: o.status?.state }));
        },
        pods: async (namespace, labelSelector) =>
            (await list<K8s.V1Pod>(core("namespaces", namespace, "pods"), { labelSelector })).map((p) => ({
                name: p.metadata?.name ?? "",
                phase: p.status?.phase ?? "Unknown",
                ready: isReady(p.status?.conditions),
                labels: p.metadata?.labels ?? {},
                envNames: [...new Set((p.spec?.containers ?? []).flatMap((c) => (c.env ?? []).map((e) => e.name)))],
                nodeName: p.spec?.nodeName,
                troubled: containerTroubles([...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]),
            })),
        jobs: async (namespace) =>
            (await list<K8s.V1Job>(group("batch", "v1", "namespaces", namespace, "jobs"))).map((job) => ({
                name: job.metadata?.name ?? "",
                annotations: job.metadata?.annotations ?? {},
                failedReason: job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True")?.reason,
                succeeded: job.status?.succeeded ?? 0,
                failedPods: job.status?.failed ?? 0,
            })),
        deployment: async (namespace, name) => {
            const found = await orUndefined(() => get<K8s.V1Deployment>(group("apps", "v1", "namespaces", namespace, "deployments", name)));
            return found && { desired: found.spec?.replicas ?? 1, ready: found.status?.readyReplicas ?? 0 };
        },
        daemonSet: async (namespace, name) => {
            const found = await orUndefined(() => get<K8s.V1DaemonSet>(group("apps", "v1", "namespaces", namespace, "daemonsets", name)));
            return found && { desired: found.status?.desiredNumberScheduled ?? 0, ready: found.status?.numberReady ?? 0 };
        },
        statefulSet: async (namespace, name) => {
            const found = await orUndefined(() =>
                get<K8s.V1StatefulSet>(group("apps", "v1", "namespaces", namespace, "statefulsets", name)),
            );
            return found && { desired: found.spec?.replicas ?? 1, ready: found.status?.readyReplicas ?? 0 };
        },
        podDisruptionBudgets: async (namespace) =>
            (await list<K8s.V1PodDisruptionBudget>(group("policy", "v1", "namespaces", namespace, "poddisruptionbudgets"))).map((b) => ({
                name: b.metadata?.name ?? "",
                disruptionsAllowed: b.status?.disruptionsAllowed ?? 0,
                expectedPods: b.status?.expectedPods ?? 0,
            })),
        podLogTail: async (namespace, pod, container, lines) =>
            text({ path: core("namespaces", namespace, "pods", pod, "log"), query: { container, tailLines: lines } }),
        clusterRoles: async () =>
            (await list<K8s.V1ClusterRole>(group("rbac.authorization.k8s.io", "v1", "clusterroles"))).map((r) => objectInfo(r.metadata)),
        webhooks: async () => {
            type Configuration = {
                metadata?: K8s.V1ObjectMeta;
                webhooks?: { name: string; failurePolicy?: string; clientConfig: { service?: { namespace: string; name: string } } }[];
            };
            const configurations = (kind: WebhookInfo["kind"], plural: string) =>
                list<Configuration>(group("admissionregistration.k8s.io", "v1", plural)).then((items) =>
                    items.flatMap((c) =>
                        (c.webhooks ?? []).map((w) => ({
                            kind,
                            configuration: c.metadata?.name ?? "",
                            webhook: w.name,
                            failurePolicy: w.failurePolicy,
                            service: w.clientConfig.service
                                ? `${w.clientConfig.service.namespace}/${w.clientConfig.service.name}`
                                : undefined,
                        })),
                    ),
                );
            const [validating, mutating] = await Promise.all([
                configurations("ValidatingWebhookConfiguration", "validatingwebhookconfigurations"),
                configurations("MutatingWebhookConfiguration", "mutatingwebhookconfigurations"),
            ]);
            return [...validating, ...mutating];
        },
        deployments: async (labelSelector) =>
            (await list<K8s.V1Deployment>(group("apps", "v1", "deployments"), { labelSelector })).map((d) => objectInfo(d.metadata)),
        nodes: async () =>
            (await list<K8s.V1Node>(core("nodes"))).map((n) => ({
                name: n.metadata?.name ?? "",
                ready: isReady(n.status?.conditions),
                unschedulable: n.spec?.unschedulable === true,
                gpus: Number(n.status?.allocatable?.["nvidia.com/gpu"] ?? 0),
                labels: n.metadata?.labels ?? {},
            })),
        helmReleaseChartVersion: async (namespace, release) => {
            const secrets = await list<K8s.V1Secret>(core("namespaces", namespace, "secrets"), {
                labelSelector: `owner=helm,name=${release},status=deployed`,
            });
            const newest = secrets.sort((a, b) => Number(b.metadata?.labels?.version) - Number(a.metadata?.labels?.version))[0];
            // The Secret's data is base64 of what Helm stored, itself base64 of gzipped JSON.
            const stored = newest?.data?.release;
            return stored === undefined ? undefined : helmRecordOf(Buffer.from(stored, "base64").toString()).chart?.metadata?.version;
        },
        helmReleaseLatest: async (namespace, release) => {
            const secrets = await list<K8s.V1Secret>(core("namespaces", namespace, "secrets"), {
                labelSelector: `owner=helm,name=${release}`,
            });
            const revisions = secrets
                .map((secret) => ({
                    revision: Number(secret.metadata?.labels?.version),
                    status: secret.metadata?.labels?.status ?? "unknown",
                    stored: secret.data?.release,
                }))
                .sort((a, b) => b.revision - a.revision);
            const newest = revisions[0];
            if (newest === undefined) {
                return undefined;
            }
            // The Secret's data is base64 of what Helm stored, itself base64 of gzipped JSON.
            const description =
                newest.stored === undefined ? undefined : helmRecordOf(Buffer.from(newest.stored, "base64").toString()).info?.description;
            const lastDeployed = revisions.find((revision) => revision.status === "deployed")?.revision;
            return { revision: newest.revision, status: newest.status, description, lastDeployed };
        },
        allowed: async ({ group: apiGroup, resource, verb }) => {
            const [name, subresource] = resource.split("/");
            const request: ApiRequest = {
                method: "POST",
                path: group("authorization.k8s.io", "v1", "selfsubjectaccessreviews"),
                body: {
                    apiVersion: "authorization.k8s.io/v1",
                    kind: "SelfSubjectAccessReview",
                    spec: { resourceAttributes: { group: apiGroup, resource: name, subresource, verb } },
                },
            };
            try {
                return (JSON.parse(await text(request)) as K8s.V1SelfSubjectAccessReview).status?.allowed;
            } catch {
                return undefined;
            }
        },
        dryRunCreate: async ({ group: name, version, plural, namespace, body }) => {
            try {
                await text({ method: "POST", path: group(name, version, "namespaces", namespace, plural), query: { dryRun: "All" }, body });
                return undefined;
            } catch (error) {
                // A webhook that cannot be called is reported as an internal error (500), not a 4xx.
                if (error instanceof ApiError) {
                    return error.message;
                }
                throw error;
            }
        },
    };
}

/** The containers that restarted, wait or failed, as `PodInfo.troubled` has them; undefined when none did. */
export function containerTroubles(statuses: K8s.V1ContainerStatus[]): ContainerTrouble[] | undefined {
    const troubles = statuses.flatMap((status) => {
        const terminated = status.state?.terminated ?? status.lastState?.terminated;
        const failedExit = terminated && terminated.exitCode !== 0 ? { code: terminated.exitCode, reason: terminated.reason } : undefined;
        const waiting = status.state?.waiting?.reason;
        const troubled = status.restartCount > 0 || failedExit !== undefined || (waiting !== undefined && !STARTING.includes(waiting));
        return troubled ? [{ container: status.name, restarts: status.restartCount, waiting, failedExit }] : [];
    });
    return troubles.length > 0 ? troubles : undefined;
}

/** What a container waits for while it starts normally. */
const STARTING = ["ContainerCreating", "PodInitializing"];

/** A reader that asks the cluster each question once, however many rules ask it, and counts what it asked. */
export function memoizedReader(reader: ClusterReader): { reader: ClusterReader; reads: () => number } {
    const answers = new Map<string, Promise<unknown>>();
    const memoized = Object.fromEntries(
        Object.entries(reader)
            .filter((entry): entry is [string, (...args: unknown[]) => Promise<unknown>] => typeof entry[1] === "function")
            .map(([method, read]) => [
                method,
                (...args: unknown[]) => {
                    const key = JSON.stringify([method, ...args]);
                    if (!answers.has(key)) {
                        answers.set(key, read(...args));
                    }
                    return answers.get(key);
                },
            ]),
    ) as unknown as ClusterReader;
    return { reader: memoized, reads: () => answers.size };
}
