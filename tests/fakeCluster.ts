/** An in-memory cluster for the auto-configuration and verification logic. */
import {
    ClusterReader,
    DeploymentInfo,
    DisruptionBudgetInfo,
    HelmRevisionInfo,
    JobInfo,
    NodeInfo,
    ObjectInfo,
    PodInfo,
    ServiceInfo,
    StorageClassInfo,
    WebhookInfo,
} from "../program/live/reader";

export interface FakeCluster {
    version?: string;
    storageClasses?: StorageClassInfo[];
    crds?: Record<string, { established: boolean }>;
    services?: ServiceInfo[];
    ingressClasses?: { name: string; controller: string }[];
    csiDrivers?: string[];
    /** Namespaces by name, with their labels. */
    namespaces?: Record<string, Record<string, string>>;
    /** Namespaces (of `namespaces`) being deleted. */
    terminatingNamespaces?: string[];
    clusterPolicies?: { name: string; state?: string }[];
    /** Pods by namespace; `logError` makes reading the pod's log fail (an unreachable kubelet). */
    pods?: Record<string, (PodInfo & { log?: string; logError?: string })[]>;
    deployments?: Record<string, DeploymentInfo>;
    /** Jobs by namespace. */
    jobs?: Record<string, JobInfo[]>;
    /** DaemonSets by `<namespace>/<name>`. */
    daemonSets?: Record<string, DeploymentInfo>;
    /** StatefulSets by `<namespace>/<name>`. */
    statefulSets?: Record<string, DeploymentInfo>;
    /** PodDisruptionBudgets by namespace. */
    disruptionBudgets?: Record<string, DisruptionBudgetInfo[]>;
    nodes?: NodeInfo[];
    clusterRoles?: ObjectInfo[];
    webhooks?: WebhookInfo[];
    /** Deployments in every namespace, for label-selector lists. */
    deploymentObjects?: ObjectInfo[];
    /** Deployed Helm releases' chart versions, by `<namespace>/<release>`. */
    helmReleases?: Record<string, string>;
    /** Helm releases' newest revision and status, by `<namespace>/<release>`; absent: revision 1, deployed, where `helmReleases` has one. */
    helmReleaseStates?: Record<string, HelmRevisionInfo>;
    /** The API server's refusal of every dry-run create, as its message; absent: admitted. */
    dryRunRefusal?: string;
    /** Permissions the caller lacks, as `<verb> <resource>.<group>`; absent: every one is granted. */
    denied?: string[];
    /** Every call fails with this error (an unreachable or forbidding cluster). */
    failWith?: Error;
}

function matches(labels: Record<string, string>, selector: string | undefined): boolean {
    return (selector ?? "")
        .split(",")
        .filter(Boolean)
        .every((term) => {
            const [key, value] = term.split("=");
            return value === undefined ? key in labels : labels[key] === value;
        });
}

export function fakeReader(cluster: FakeCluster): ClusterReader & { calls: string[] } {
    const calls: string[] = [];
    const answer = async <T>(call: string, value: T): Promise<T> => {
        calls.push(call);
        if (cluster.failWith) {
            throw cluster.failWith;
        }
        return value;
    };
    return {
        calls,
        serverVersion: () => answer("serverVersion", cluster.version ?? "v1.34.4"),
        storageClasses: () => answer("storageClasses", cluster.storageClasses ?? []),
        crd: (name) => answer(`crd ${name}`, cluster.crds?.[name]),
        services: (selector) =>
            answer(
                "services",
                (cluster.services ?? []).filter((s) => matches(s.labels, selector)),
            ),
        serviceExists: (namespace, name) =>
            answer(
                `service ${namespace}/${name}`,
                (cluster.services ?? []).some((s) => s.namespace === namespace && s.name === name),
            ),
        ingressClasses: () => answer("ingressClasses", cluster.ingressClasses ?? []),
        csiDrivers: () => answer("csiDrivers", cluster.csiDrivers ?? []),
        namespace: (name) => {
            const labels = cluster.namespaces?.[name];
            const terminating = cluster.terminatingNamespaces?.includes(name) ?? false;
            return answer(`namespace ${name}`, labels && { labels, terminating });
        },
        clusterCustomObjects: () => answer("clusterCustomObjects", cluster.clusterPolicies ?? []),
        pods: (namespace, selector) =>
            answer(
                `pods ${namespace}`,
                (cluster.pods?.[namespace] ?? []).filter((p) => matches(p.labels, selector)),
            ),
        jobs: (namespace) => answer(`jobs ${namespace}`, cluster.jobs?.[namespace] ?? []),
        deployment: (namespace, name) => answer(`deployment ${namespace}/${name}`, cluster.deployments?.[`${namespace}/${name}`]),
        daemonSet: (namespace, name) => answer(`daemonSet ${namespace}/${name}`, cluster.daemonSets?.[`${namespace}/${name}`]),
        statefulSet: (namespace, name) => answer(`statefulSet ${namespace}/${name}`, cluster.statefulSets?.[`${namespace}/${name}`]),
        podDisruptionBudgets: (namespace) => answer(`podDisruptionBudgets ${namespace}`, cluster.disruptionBudgets?.[namespace] ?? []),
        podLogTail: async (namespace, pod, container) => {
            const found = cluster.pods?.[namespace]?.find((p) => p.name === pod);
            if (found?.logError !== undefined) {
                throw new Error(found.logError);
            }
            return answer(`logs ${pod}/${container}`, found?.log ?? "");
        },
        nodes: () => answer("nodes", cluster.nodes ?? []),
        clusterRoles: () => answer("clusterRoles", cluster.clusterRoles ?? []),
        webhooks: () => answer("webhooks", cluster.webhooks ?? []),
        deployments: (selector) =>
            answer(
                `deployments ${selector}`,
                (cluster.deploymentObjects ?? []).filter((d) => matches(d.labels, selector)),
            ),
        helmReleaseChartVersion: (namespace, release) =>
            answer(`helm release ${namespace}/${release}`, cluster.helmReleases?.[`${namespace}/${release}`]),
        helmReleaseLatest: (namespace, release) =>
            answer(
                `helm release revisions ${namespace}/${release}`,
                cluster.helmReleaseStates?.[`${namespace}/${release}`] ??
                    (cluster.helmReleases?.[`${namespace}/${release}`] === undefined ? undefined : { revision: 1, status: "deployed" }),
            ),
        allowed: (check) => {
            const permission = `${check.verb} ${check.resource}${check.group ? `.${check.group}` : ""}`;
            return answer(`allowed ${permission}`, !(cluster.denied ?? []).includes(permission));
        },
        dryRunCreate: (object) => answer(`dry-run create ${object.plural} in ${object.namespace}`, cluster.dryRunRefusal),
    };
}
