/**
 * The teardown before an opt-in destroy (`removeCrdsOnDestroy`), run by `npm run teardown`: delete
 * every Dynamo custom resource while the operator still runs to clear their finalizers, wait a
 * bounded time, and name what is left, so that deleting the CRDs afterwards cannot hang on them.
 */
import * as k8s from "@kubernetes/client-node";

/** The API group of every Dynamo kind. */
const DYNAMO_GROUP = "nvidia.com";

/** The Dynamo kinds by plural, every chart line's. */
export const DYNAMO_CUSTOM_RESOURCES = [
    "dynamographdeployments",
    "dynamographdeploymentrequests",
    "dynamographdeploymentscalingadapters",
    "dynamocomponentdeployments",
    "dynamomodels",
    "dynamocheckpoints",
    "dynamoworkermetadatas",
];

export interface CustomResourceRef {
    plural: string;
    namespace: string;
    name: string;
    finalizers: string[];
}

/** The calls the teardown makes; the interface lets tests inject a fake cluster. */
export interface ClusterCleaner {
    /** Every object of a kind, in all namespaces; none when the CRD is not served. */
    list(plural: string): Promise<CustomResourceRef[]>;
    delete(ref: CustomResourceRef): Promise<void>;
}

export interface TeardownOptions {
    timeoutSeconds: number;
    pollMs?: number;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

/** Every Dynamo custom resource of the cluster, of every kind. */
export async function listCustomResources(cleaner: ClusterCleaner): Promise<CustomResourceRef[]> {
    return (await Promise.all(DYNAMO_CUSTOM_RESOURCES.map((plural) => cleaner.list(plural)))).flat();
}

/** Deletes every Dynamo custom resource and waits for them to go; returns what is still there at the deadline. */
export async function deleteCustomResources(cleaner: ClusterCleaner, options: TeardownOptions): Promise<CustomResourceRef[]> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const now = options.now ?? Date.now;
    const deadline = now() + options.timeoutSeconds * 1000;
    for (const ref of await listCustomResources(cleaner)) {
        await cleaner.delete(ref);
    }
    let left = await listCustomResources(cleaner);
    while (left.length > 0 && now() < deadline) {
        await sleep(options.pollMs ?? 1000);
        left = await listCustomResources(cleaner);
    }
    return left;
}

/** The message a teardown stops with: each leftover by name with its finalizers, and what to do. */
export function leftoverMessage(left: CustomResourceRef[], timeoutSeconds: number): string {
    const names = left.map((r) => `${r.plural}/${r.namespace}/${r.name} (finalizers: ${r.finalizers.join(", ") || "none"})`);
    return [
        `${left.length} Dynamo custom resource(s) still exist ${timeoutSeconds}s after their deletion, so the CRDs cannot be removed without hanging: ${names.join("; ")}.`,
        "The operator (still installed) clears their finalizers: check its logs, or remove the finalizers yourself",
        `(kubectl patch <kind> <name> -n <namespace> --type=merge -p '{"metadata":{"finalizers":null}}'), then run the teardown again.`,
    ].join(" ");
}

/**
 * A cleaner over the Kubernetes API for the given kubeconfig. It reads and deletes each kind at the
 * version its CRD stores, so no object is converted: from 1.4 the conversion webhook is the
 * operator's, and a teardown must also work while the operator is down.
 */
export function kubernetesClusterCleaner(kubeconfig: k8s.KubeConfig): ClusterCleaner {
    const custom = kubeconfig.makeApiClient(k8s.CustomObjectsApi);
    const extensions = kubeconfig.makeApiClient(k8s.ApiextensionsV1Api);
    const storedVersions = new Map<string, Promise<string | undefined>>();
    const addressOf = async (plural: string) => {
        if (!storedVersions.has(plural)) {
            const read = extensions
                .readCustomResourceDefinition({ name: `${plural}.${DYNAMO_GROUP}` })
                .then((crd) => crd.spec.versions.find((version) => version.storage)?.name)
                .catch((error: unknown) => {
                    if (error instanceof k8s.ApiException && error.code === 404) {
                        return undefined;
                    }
                    throw error;
                });
            storedVersions.set(plural, read);
        }
        const version = await storedVersions.get(plural);
        return version === undefined ? undefined : { group: DYNAMO_GROUP, version, plural };
    };
    return {
        list: async (plural) => {
            const address = await addressOf(plural);
            if (address === undefined) {
                return [];
            }
            try {
                const list = (await custom.listClusterCustomObject(address)) as {
                    items?: { metadata?: { name?: string; namespace?: string; finalizers?: string[] } }[];
                };
                return (list.items ?? []).map((o) => ({
                    plural,
                    namespace: o.metadata?.namespace ?? "",
                    name: o.metadata?.name ?? "",
                    finalizers: o.metadata?.finalizers ?? [],
                }));
            } catch (error) {
                if (error instanceof k8s.ApiException && error.code === 404) {
                    return [];
                }
                throw error;
            }
        },
        delete: async ({ plural, namespace, name }) => {
            const address = await addressOf(plural);
            if (address === undefined) {
                return;
            }
            try {
                await custom.deleteNamespacedCustomObject({ ...address, namespace, name });
            } catch (error) {
                if (!(error instanceof k8s.ApiException && error.code === 404)) {
                    throw error;
                }
            }
        },
    };
}
