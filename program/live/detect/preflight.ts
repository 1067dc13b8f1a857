/**
 * Preflight: what would make the platform chart fail half-way, found before anything changes.
 * Each rule reads the cluster (get and list only) and adds one decision; a blocking finding throws a
 * {@link DynamoConfigError} with the fix.
 */
import { Profile } from "../../../components/core/args";
import { configSetCommand, DynamoConfigError } from "../../../components/core/errors";
import { ETCD_STATEFUL_SET, PLATFORM_RELEASE_NAME } from "../../../components/core/names";
import { HA_REPLICAS, nodeZones } from "../../../components/core/placement";
import { installsEtcd } from "../../../components/core/values";
import { valueAt } from "../../../components/core/valueTree";
import { ValuesLayout } from "../../../components/core/versions";
import { ClusterReader, ObjectInfo, WebhookInfo } from "../reader";
import { describeFailedHook, failedHooks, failedUpgradeFix, interruptedReleaseFix } from "../releaseState";
import { Detection, DetectionInput, DetectionRule } from "./types";

const HELM_RELEASE_NAME = "meta.helm.sh/release-name";
const HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";

/** `v1.29.4-eks-1` → [1, 29]; undefined when the server reports something else. */
export function kubernetesMinor(serverVersion: string): [number, number] | undefined {
    const match = /^v?(\d+)\.(\d+)/.exec(serverVersion);
    return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** The cluster's Kubernetes version against the chart line's minimum (its `kubeVersion`). */
export function checkKubernetesVersion(serverVersion: string, input: DetectionInput, detection: Detection): void {
    const minimum = input.settings.chartLine.minimumKubernetes;
    const release = input.settings.chartLine.platformChartVersion;
    const running = kubernetesMinor(serverVersion);
    if (minimum === undefined || running === undefined) {
        return;
    }
    const [major, minor] = minimum.split(".").map(Number);
    if (running[0] < major || (running[0] === major && running[1] < minor)) {
        throw DynamoConfigError.invalid(
            "dynamo:releaseVersion",
            release,
            `a release whose chart installs on Kubernetes ${serverVersion}`,
            `dynamo-platform ${release} needs Kubernetes ${minimum} or newer and the cluster runs ${serverVersion}; upgrade the cluster first, or stay on the 1.3 line`,
        );
    }
    detection.decisions.push({
        subject: "kubernetesVersion",
        found: serverVersion,
        decision: `meets ${minimum}+, which dynamo-platform ${release} needs`,
        level: "info",
    });
}

/** Whether a ClusterRole is the manager role of a Dynamo operator other than this platform's own. */
export function isOtherOperatorRole(role: ObjectInfo, namespace: string): boolean {
    if (!role.name.includes("-dynamo-operator-") || !role.name.endsWith("-manager-role")) {
        return false;
    }
    const ownName = role.name === `${PLATFORM_RELEASE_NAME}-dynamo-operator-manager-role`;
    const ownNamespace = (role.annotations[HELM_RELEASE_NAMESPACE] ?? namespace) === namespace;
    return !(ownName && ownNamespace);
}

/**
 * A cluster-wide Dynamo operator of another release: the chart's own check (`lookup` of the manager
 * ClusterRoles) would fail the install half-way, and the same release name in another namespace
 * fails on Helm's ownership check. Every ClusterRole is read, as the chart's check matches them by
 * name only: a label selector would miss a role the chart still finds.
 */
export async function checkOtherOperator(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const namespace = input.settings.namespace;
    const other = (await reader.clusterRoles()).find((role) => isOtherOperatorRole(role, namespace));
    if (other === undefined) {
        detection.decisions.push({ subject: "operator", found: "no other Dynamo operator", decision: "install this one", level: "info" });
        return;
    }
    const release = other.annotations[HELM_RELEASE_NAME] ?? other.labels["app.kubernetes.io/instance"] ?? "unknown";
    const where = other.annotations[HELM_RELEASE_NAMESPACE];
    throw DynamoConfigError.invalid(
        "dynamo:namespace",
        namespace,
        `the namespace of the cluster's only Dynamo operator${where ? ` (${where})` : ""}, after uninstalling it, or a cluster without one`,
        `a cluster-wide Dynamo operator already runs (ClusterRole ${other.name}, release ${release}${where ? ` in namespace ${where}` : ""}) and a cluster takes one; manage that installation from its own stack, or remove it first (helm uninstall ${release}${where ? ` -n ${where}` : ""})`,
    );
}

/** Where each scheduler's operator runs, by the labels its chart gives the Deployment. */
const SCHEDULERS = [
    {
        name: "Grove",
        subject: "grove",
        selector: "app.kubernetes.io/name=grove-operator",
        enabled: "groveEnabled",
        install: "installGrove",
    },
    {
        name: "KAI Scheduler",
        subject: "kaiScheduler",
        selector: "app=kai-operator",
        enabled: "kaiSchedulerEnabled",
        install: "installKaiScheduler",
    },
] as const;

/**
 * Grove or KAI Scheduler already running outside the platform's namespace: the 1.x charts then use
 * it (`enabled` without `install`); a 0.9.x chart can only install its own, which would collide.
 */
export async function checkExistingSchedulers(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { settings, args } = input;
    const asked = SCHEDULERS.filter((scheduler) => {
        const enabled = scheduler.subject === "grove" ? settings.groveEnabled : settings.kaiSchedulerEnabled;
        return enabled && args?.[scheduler.install] === undefined;
    });
    const found = await Promise.all(asked.map((scheduler) => reader.deployments(scheduler.selector)));
    asked.forEach((scheduler, i) => {
        const running = found[i].find((d) => d.namespace !== settings.namespace);
        if (running === undefined) {
            return;
        }
        const where = `${scheduler.name} operator ${running.namespace}/${running.name}`;
        if (settings.chartLine.layout === ValuesLayout.SubchartToggles) {
            throw DynamoConfigError.conflict(
                `dynamo:${scheduler.enabled}`,
                "dynamo:releaseVersion",
                `the cluster already runs the ${where}, and a ${settings.chartLine.platformChartVersion} chart can only install its own; turn it off with ${configSetCommand(`dynamo:${scheduler.enabled}`, "false")}, or install a 1.x release, which uses the running one`,
            );
        }
        detection[scheduler.install] = false;
        detection.decisions.push({
            subject: scheduler.subject,
            found: where,
            decision: `use it: ${scheduler.name} enabled, not installed (dynamo:${scheduler.install} false)`,
            level: "info",
        });
    });
}

/** Webhooks whose Service is gone: each refuses what it matches (with `failurePolicy: Fail`) until deleted. */
export async function leftoverWebhooks(reader: ClusterReader): Promise<WebhookInfo[]> {
    const calling = (await reader.webhooks()).filter((w) => w.service !== undefined);
    const called = [...new Set(calling.map((w) => w.service!))];
    const exists = await Promise.all(called.map((service) => reader.serviceExists(...(service.split("/") as [string, string]))));
    const missing = new Set(called.filter((_, i) => !exists[i]));
    return calling.filter((w) => missing.has(w.service!));
}

/** One line per leftover webhook configuration, with the command that removes it. */
export function leftoverWebhookLines(left: WebhookInfo[]): string[] {
    const configurations = [...new Map(left.map((w) => [`${w.kind}/${w.configuration}`, w])).values()];
    return configurations.map(
        (w) =>
            `${w.kind} ${w.configuration} calls the missing Service ${w.service} (failurePolicy ${w.failurePolicy ?? "Fail"}): kubectl delete ${w.kind.toLowerCase()} ${w.configuration}`,
    );
}

/** Leftover webhooks (a platform uninstalled by hand, an old Grove): reported by name, never blocking. */
export async function reportLeftoverWebhooks(reader: ClusterReader, _input: DetectionInput, detection: Detection): Promise<void> {
    for (const line of leftoverWebhookLines(await leftoverWebhooks(reader))) {
        detection.decisions.push({
            subject: "webhooks",
            found: line,
            decision: "report only: it refuses what it matches until deleted",
            level: "warn",
        });
    }
}

/** The GPU nodes the models will need; reported, never blocking. */
export async function reportGpuNodes(reader: ClusterReader, _input: DetectionInput, detection: Detection): Promise<void> {
    const nodes = await reader.nodes();
    const gpuNodes = nodes.filter((n) => n.gpus > 0);
    const gpus = gpuNodes.reduce((sum, n) => sum + n.gpus, 0);
    detection.decisions.push(
        gpuNodes.length > 0
            ? {
                  subject: "gpuNodes",
                  found: `${gpuNodes.length} of ${nodes.length} nodes offer nvidia.com/gpu (${gpus})`,
                  decision: "report only",
                  level: "info",
              }
            : {
                  subject: "gpuNodes",
                  found: `none of ${nodes.length} nodes offers nvidia.com/gpu`,
                  decision: "the platform installs; model workers will stay Pending until GPU nodes join",
                  level: "warn",
              },
    );
}

/**
 * What the profile meets on the cluster. Under `ha`: whether three replicas can spread (at least
 * three schedulable nodes, Ready, not cordoned, matching the placement's node selector, over at least
 * two zones); the spreading is soft, so the install goes on and the warning says what is not
 * protected. Under `dev`: an etcd of several members is not scaled down to one, because the etcd
 * chart removes no member on scale-down (its pre-upgrade Job is off in the platform chart) and the
 * member left would wait for a quorum that never comes back.
 */
export async function checkProfile(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { settings } = input;
    if (settings.placement.profile === Profile.Ha) {
        await checkHighAvailability(reader, input, detection);
        return;
    }
    const explicitMembers = valueAt(settings.helmValues, ["etcd", "replicaCount"]);
    if (!installsEtcd(settings.chartLine, settings.discoveryBackend) || explicitMembers !== undefined) {
        return;
    }
    const etcd = await reader.statefulSet(settings.namespace, ETCD_STATEFUL_SET);
    if (etcd !== undefined && etcd.desired > 1) {
        throw DynamoConfigError.invalid(
            "dynamo:profile",
            settings.placement.profile,
            `"${Profile.Ha}" while etcd runs ${etcd.desired} members, or dev with dynamo:helmValues {"etcd": {"replicaCount": ${etcd.desired}}} to keep them`,
            `the cluster's etcd runs ${etcd.desired} members (StatefulSet ${settings.namespace}/${ETCD_STATEFUL_SET}) and dev would scale it to one: the etcd chart removes no member on scale-down, so the member left loses quorum and workers lose discovery`,
        );
    }
}

async function checkHighAvailability(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const selector = Object.entries(input.args?.placement?.nodeSelector ?? {});
    const nodes = (await reader.nodes()).filter(
        (node) => node.ready && !node.unschedulable && selector.every(([key, value]) => node.labels[key] === value),
    );
    const zones = nodeZones(nodes);
    const where = `${nodes.length} schedulable node${nodes.length === 1 ? "" : "s"}${selector.length > 0 ? " matching dynamo:placement.nodeSelector" : ""} in ${zones.length} zone${zones.length === 1 ? "" : "s"}${zones.length > 0 ? ` (${zones.join(", ")})` : ""}`;
    const shortOf = [
        ...(nodes.length < HA_REPLICAS.etcd
            ? [`fewer than ${HA_REPLICAS.etcd} nodes: replicas share nodes, and losing one node can take etcd's quorum`]
            : []),
        ...(zones.length < 2 ? ["one zone or none: a zone outage takes the whole control plane"] : []),
    ];
    detection.decisions.push({
        subject: "profile",
        found: where,
        decision:
            shortOf.length > 0
                ? `ha installs, but is not highly available here: ${shortOf.join("; ")}`
                : `ha: ${HA_REPLICAS.etcd} etcd members and ${HA_REPLICAS.nats} NATS servers spread over ${zones.length} zones`,
        level: shortOf.length > 0 ? "warn" : "info",
    });
}

/**
 * A platform release that an interrupted run left `pending-install` or `pending-upgrade` (a killed
 * `pulumi up`, a closed laptop, a CI timeout): Helm refuses every install and upgrade of it until
 * it is cleared, and Pulumi cannot tell, so the run would fail half-way with Helm's "another
 * operation is in progress". Stops first with the one command that clears it: an install that
 * never finished holds nothing of the user's and is uninstalled (volumes and CRDs are not Helm's
 * to delete); an upgrade is rolled back to the revision that was running. An upgrade that failed
 * after Helm applied it (a rollout that never got ready) is rolled back too, before the next upgrade
 * would leave its changes in place.
 */
export async function checkInterruptedRelease(reader: ClusterReader, input: DetectionInput): Promise<void> {
    const namespace = input.settings.namespace;
    const latest = await reader.helmReleaseLatest(namespace, PLATFORM_RELEASE_NAME);
    if (latest === undefined) {
        return;
    }
    const rollback = failedUpgradeFix(latest, PLATFORM_RELEASE_NAME, namespace);
    if (rollback !== undefined) {
        throw DynamoConfigError.invalid(
            "dynamo:namespace",
            namespace,
            `a namespace whose ${PLATFORM_RELEASE_NAME} release is not left half-upgraded`,
            `the ${PLATFORM_RELEASE_NAME} release's revision ${latest.revision} failed after Helm applied it (${latest.description ?? "no description"}). Helm computes the next upgrade against revision ${rollback.lastDeployed}, the last that deployed, and keeps what revision ${latest.revision} changed in the cluster where your corrected config leaves it out. Run \`${rollback.command}\` (the platform as revision ${rollback.lastDeployed} ran it; your models and volumes are not Helm's), then pulumi up again`,
        );
    }
    const fix = interruptedReleaseFix(latest.status, PLATFORM_RELEASE_NAME, namespace);
    if (fix === undefined) {
        return;
    }
    throw DynamoConfigError.invalid(
        "dynamo:namespace",
        namespace,
        `a namespace whose ${PLATFORM_RELEASE_NAME} release is not in the middle of an operation`,
        `the ${PLATFORM_RELEASE_NAME} release (revision ${latest.revision}) is ${latest.status}: a run was interrupted while Helm worked on it, and Helm refuses every change to it until that is cleared. If no other helm or pulumi run is in progress, run \`${fix.command}\` (${fix.effect}), then pulumi up again`,
    );
}

/**
 * Hook Jobs of the platform release that failed in an earlier run (a pre-upgrade Job that exited
 * non-zero: Helm marks the release `failed` and leaves the Job). Reported with the pod's exit and
 * the command that shows its log. Helm deletes a hook Job whose delete policy has
 * `before-hook-creation` before running it again, so this run proceeds; any other failed hook Job
 * would make Helm's create of it fail half-way, so the run stops first with the one command that
 * removes it.
 */
export async function checkFailedHooks(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const namespace = input.settings.namespace;
    const hooks = await failedHooks(reader, namespace);
    const blocking = hooks.find((hook) => !hook.replacedByNextRun);
    if (blocking !== undefined) {
        throw DynamoConfigError.invalid(
            "dynamo:namespace",
            namespace,
            "a namespace without a failed hook Job that Helm would have to create again",
            `${describeFailedHook(blocking, namespace)}. Helm creates that Job again on the next install or upgrade and fails while the failed one exists (its delete policy has no before-hook-creation): read its log, remove the cause, run \`kubectl delete job ${blocking.job} -n ${namespace}\`, then pulumi up again`,
        );
    }
    if (hooks.length > 0) {
        detection.decisions.push({
            subject: "hooks",
            found: hooks.map((hook) => describeFailedHook(hook, namespace)).join("; "),
            decision:
                "an earlier run failed in this hook; Helm replaces the Job and runs it again now, and it fails the same way until its cause is removed",
            level: "warn",
        });
    }
}

/** The preflight rules, in the order their findings are reported. */
export const PREFLIGHT_RULES: DetectionRule[] = [
    checkInterruptedRelease,
    checkFailedHooks,
    checkOtherOperator,
    checkExistingSchedulers,
    reportGpuNodes,
    checkProfile,
    reportLeftoverWebhooks,
];
