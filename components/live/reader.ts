/**
 * Read-only access to a live cluster, for auto-configuration and verification. Only get and list
 * calls, and server-side dry runs that persist nothing; the interface lets tests inject a fake cluster.
 */
import type * as K8s from "@kubernetes/client-node";
import * as zlib from "zlib";
import { lazyModule } from "../core/lazy";

const k8s = lazyModule<typeof K8s>("@kubernetes/client-node");

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
    /** The chart version of a Helm release's deployed revision (from Helm's secret), undefined when none is deployed. */
    helmReleaseChartVersion(namespace: string, release: string): Promise<string | undefined>;
}

/** What Helm records of one release revision: the chart it installed and the values it was given. */
export interface HelmRecord {
    chart?: { metadata?: { version?: string } };
    config?: Record<string, unknown>;
    /** The rendered manifests Helm applied, hooks apart. */
    manifest?: string;
    hooks?: { manifest: string }[];
}

/** A Helm release secret's `release` field, decoded (Helm stores base64 of gzipped JSON). */
export function helmRecordOf(encodedRelease: string): HelmRecord {
    return JSON.parse(zlib.gunzipSync(Buffer.from(encodedRelease, "base64")).toString()) as HelmRecord;
}

/** The message of a refusal from the API server: its Status body's, else the error's own. */
function refusalMessage(error: unknown): string {
    if (error instanceof k8s.ApiException) {
        const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body);
        try {
            return (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {
            return body;
        }
    }
    return (error as Error).message;
}

function objectInfo(metadata: K8s.V1ObjectMeta | undefined): ObjectInfo {
    return {
        name: metadata?.name ?? "",
        namespace: metadata?.namespace,
        labels: metadata?.labels ?? {},
        annotations: metadata?.annotations ?? {},
    };
}

function isNotFound(error: unknown): boolean {
    return error instanceof k8s.ApiException && error.code === 404;
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

/** A reader over the Kubernetes API for the given kubeconfig. */
export function kubernetesClusterReader(kubeconfig: K8s.KubeConfig): ClusterReader {
    const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
    const storage = kubeconfig.makeApiClient(k8s.StorageV1Api);
    const apiextensions = kubeconfig.makeApiClient(k8s.ApiextensionsV1Api);
    const networking = kubeconfig.makeApiClient(k8s.NetworkingV1Api);
    const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);
    const custom = kubeconfig.makeApiClient(k8s.CustomObjectsApi);
    const version = kubeconfig.makeApiClient(k8s.VersionApi);
    const rbac = kubeconfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    const admission = kubeconfig.makeApiClient(k8s.AdmissionregistrationV1Api);
    const policy = kubeconfig.makeApiClient(k8s.PolicyV1Api);
    return {
        serverVersion: async () => (await version.getCode()).gitVersion,
        storageClasses: async () =>
            (await storage.listStorageClass()).items.map((c) => ({
                name: c.metadata?.name ?? "",
                provisioner: c.provisioner,
                labels: c.metadata?.labels ?? {},
            })),
        crd: async (name) => {
            const found = await orUndefined(() => apiextensions.readCustomResourceDefinition({ name }));
            return found && { established: (found.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True") };
        },
        services: async (labelSelector) =>
            (await core.listServiceForAllNamespaces({ labelSelector })).items.map((s) => ({
                name: s.metadata?.name ?? "",
                namespace: s.metadata?.namespace ?? "",
                labels: s.metadata?.labels ?? {},
                ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port })),
            })),
        serviceExists: async (namespace, name) => (await orUndefined(() => core.readNamespacedService({ namespace, name }))) !== undefined,
        ingressClasses: async () =>
            (await networking.listIngressClass()).items.map((c) => ({
                name: c.metadata?.name ?? "",
                controller: c.spec?.controller ?? "",
            })),
        csiDrivers: async () => (await storage.listCSIDriver()).items.map((d) => d.metadata?.name ?? ""),
        namespace: async (name) => {
            const namespace = await orUndefined(() => core.readNamespace({ name }));
            return (
                namespace && { labels: namespace.metadata?.labels ?? {}, terminating: namespace.metadata?.deletionTimestamp !== undefined }
            );
        },
        clusterCustomObjects: async (group, version, plural) => {
            const list = (await orUndefined(() => custom.listClusterCustomObject({ group, version, plural }))) as
                { items?: { metadata?: { name?: string }; status?: { state?: string } }[] } | undefined;
            return (list?.items ?? []).map((o) => ({ name: o.metadata?.name ?? "", state: o.status?.state }));
        },
        pods: async (namespace, labelSelector) =>
            (await core.listNamespacedPod({ namespace, labelSelector })).items.map((p) => ({
                name: p.metadata?.name ?? "",
                phase: p.status?.phase ?? "Unknown",
                ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
                labels: p.metadata?.labels ?? {},
                envNames: [...new Set((p.spec?.containers ?? []).flatMap((c) => (c.env ?? []).map((e) => e.name)))],
                nodeName: p.spec?.nodeName,
            })),
        deployment: async (namespace, name) => {
            const found = await orUndefined(() => apps.readNamespacedDeployment({ namespace, name }));
            return found && { desired: found.spec?.replicas ?? 1, ready: found.status?.readyReplicas ?? 0 };
        },
        daemonSet: async (namespace, name) => {
            const found = await orUndefined(() => apps.readNamespacedDaemonSet({ namespace, name }));
            return found && { desired: found.status?.desiredNumberScheduled ?? 0, ready: found.status?.numberReady ?? 0 };
        },
        statefulSet: async (namespace, name) => {
            const found = await orUndefined(() => apps.readNamespacedStatefulSet({ namespace, name }));
            return found && { desired: found.spec?.replicas ?? 1, ready: found.status?.readyReplicas ?? 0 };
        },
        podDisruptionBudgets: async (namespace) =>
            (await policy.listNamespacedPodDisruptionBudget({ namespace })).items.map((b) => ({
                name: b.metadata?.name ?? "",
                disruptionsAllowed: b.status?.disruptionsAllowed ?? 0,
                expectedPods: b.status?.expectedPods ?? 0,
            })),
        podLogTail: async (namespace, pod, container, lines) =>
            core.readNamespacedPodLog({ namespace, name: pod, container, tailLines: lines }),
        clusterRoles: async () => (await rbac.listClusterRole()).items.map((r) => objectInfo(r.metadata)),
        webhooks: async () => {
            const [validating, mutating] = await Promise.all([
                admission.listValidatingWebhookConfiguration(),
                admission.listMutatingWebhookConfiguration(),
            ]);
            const flatten = (
                kind: WebhookInfo["kind"],
                items: {
                    metadata?: K8s.V1ObjectMeta;
                    webhooks?: { name: string; failurePolicy?: string; clientConfig: { service?: { namespace: string; name: string } } }[];
                }[],
            ): WebhookInfo[] =>
                items.flatMap((c) =>
                    (c.webhooks ?? []).map((w) => ({
                        kind,
                        configuration: c.metadata?.name ?? "",
                        webhook: w.name,
                        failurePolicy: w.failurePolicy,
                        service: w.clientConfig.service ? `${w.clientConfig.service.namespace}/${w.clientConfig.service.name}` : undefined,
                    })),
                );
            return [
                ...flatten("ValidatingWebhookConfiguration", validating.items),
                ...flatten("MutatingWebhookConfiguration", mutating.items),
            ];
        },
        deployments: async (labelSelector) =>
            (await apps.listDeploymentForAllNamespaces({ labelSelector })).items.map((d) => objectInfo(d.metadata)),
        nodes: async () =>
            (await core.listNode()).items.map((n) => ({
                name: n.metadata?.name ?? "",
                ready: (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
                unschedulable: n.spec?.unschedulable === true,
                gpus: Number(n.status?.allocatable?.["nvidia.com/gpu"] ?? 0),
                labels: n.metadata?.labels ?? {},
            })),
        helmReleaseChartVersion: async (namespace, release) => {
            const secrets = await core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${release},status=deployed` });
            const newest = secrets.items.sort((a, b) => Number(b.metadata?.labels?.version) - Number(a.metadata?.labels?.version))[0];
            // The Secret's data is base64 of what Helm stored, itself base64 of gzipped JSON.
            const stored = newest?.data?.release;
            return stored === undefined ? undefined : helmRecordOf(Buffer.from(stored, "base64").toString()).chart?.metadata?.version;
        },
        dryRunCreate: async ({ group, version, plural, namespace, body }) => {
            try {
                await custom.createNamespacedCustomObject({ group, version, plural, namespace, body, dryRun: "All" });
                return undefined;
            } catch (error) {
                // A webhook that cannot be called is reported as an internal error (500), not a 4xx.
                if (error instanceof k8s.ApiException) {
                    return refusalMessage(error);
                }
                throw error;
            }
        },
    };
}

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

/**
 * The kubeconfig the Kubernetes provider would use: `kubernetes:kubeconfig` (a path or the file's
 * content), else KUBECONFIG or ~/.kube/config, with `kubernetes:context` selecting the context.
 */
export function providerKubeConfig(kubeconfig: string | undefined, context: string | undefined): K8s.KubeConfig {
    const config = new k8s.KubeConfig();
    if (kubeconfig === undefined) {
        config.loadFromDefault();
    } else if (/^\s*(apiVersion|kind|clusters|\{)/m.test(kubeconfig)) {
        config.loadFromString(kubeconfig);
    } else {
        config.loadFromFile(kubeconfig);
    }
    if (context !== undefined) {
        config.setCurrentContext(context);
    }
    return config;
}
