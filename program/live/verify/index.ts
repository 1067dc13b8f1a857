/**
 * The product's verification checklist, run against a live cluster from a stack's outputs:
 * namespace, CRDs, nodes and GPUs, the Dynamo pods, etcd and NATS pods, the operator and its recent
 * logs, and whether its admission webhook lets a DynamoGraphDeployment in; on EKS also the rows
 * of {@link verifyEks}.
 */
import { Profile } from "../../../components/core/args";
import {
    ETCD_STATEFUL_SET,
    NATS_STATEFUL_SET,
    OPERATOR_CONTAINER,
    OPERATOR_DEPLOYMENT,
    OPERATOR_DISRUPTION_BUDGET,
    POD_LABELS,
} from "../../../components/core/names";
import { HA_REPLICAS } from "../../../components/core/placement";
import { ClusterReader, DeploymentInfo, DryRunObject, NodeInfo, PodInfo } from "../reader";
import { describeFailedHook, failedHooks, failedUpgradeFix, interruptedReleaseFix } from "../releaseState";
import { verifyEks } from "./eks";
import { CheckResult, VerifiedOutputs } from "./types";

const LOG_LINES = 5;
/** The operator's pods, of every chart line. */
export const OPERATOR_POD_SELECTOR = `app.kubernetes.io/name=${POD_LABELS.operator["app.kubernetes.io/name"]}`;

/** The object verify asks the API server to admit, in a dry run: the smallest DynamoGraphDeployment. */
export function admissionProbe(namespace: string): DryRunObject {
    return {
        group: "nvidia.com",
        version: "v1alpha1",
        plural: "dynamographdeployments",
        namespace,
        body: {
            apiVersion: "nvidia.com/v1alpha1",
            kind: "DynamoGraphDeployment",
            metadata: { name: "dynamo-verify-admission-probe", namespace },
            spec: { services: {} },
        },
    };
}

function nodesCheck(nodes: NodeInfo[]): CheckResult {
    const usable = nodes.filter((n) => n.ready && !n.unschedulable);
    const check = "nodes";
    if (usable.length === 0) {
        return {
            check,
            status: "fail",
            detail: nodes.length === 0 ? "none" : `none ready and schedulable of ${nodes.length}`,
            hint: "No pod can start: `kubectl get nodes` (NotReady or cordoned: `kubectl uncordon <node>`).",
        };
    }
    const gpuNodes = usable.filter((n) => n.gpus > 0);
    const counts = `${usable.length} ready and schedulable of ${nodes.length}`;
    if (gpuNodes.length === 0) {
        return {
            check,
            status: "warn",
            detail: `${counts}; none offers nvidia.com/gpu`,
            hint: "Model workers request nvidia.com/gpu and stay Pending: install the NVIDIA device plugin or GPU Operator, or add GPU nodes.",
        };
    }
    const gpus = gpuNodes.reduce((sum, n) => sum + n.gpus, 0);
    return {
        check,
        status: "ok",
        detail: `${counts}; ${gpus} GPUs on ${gpuNodes.length}: ${gpuNodes.map((n) => `${n.name} (${n.gpus})`).join(", ")}`,
    };
}

/** What the API server's answer to the admission probe says about the operator's webhook. */
export function admissionCheck(refusal: string | undefined): CheckResult {
    const check = "admission webhook";
    if (refusal === undefined) {
        return { check, status: "ok", detail: "a DynamoGraphDeployment is admitted (dry run)" };
    }
    // An admission webhook, or from 1.4 the CRDs' conversion webhook (the probe is v1alpha1, stored as v1beta1).
    const unreachable = /failed calling webhook "([^"]+)"/.exec(refusal) ?? /(conversion webhook for [^ ]+ Kind=\w+) failed/.exec(refusal);
    if (unreachable) {
        return {
            check,
            status: "fail",
            detail: `${unreachable[1]} cannot be called: ${refusal.slice(unreachable.index + unreachable[0].length).replace(/^[:\s]+/, "")}`,
            hint:
                "Every DynamoGraphDeployment create or update is refused until the operator's webhook answers (failurePolicy Fail). " +
                "Check the operator pod and `kubectl get endpoints` of its webhook Service; on 0.9.x also that the webhook-ca-inject Job completed. " +
                'To admit objects unchecked while it is down: dynamo:helmValues {"dynamo-operator":{"webhook":{"failurePolicy":"Ignore"}}}.',
        };
    }
    if (/denied the request/.test(refusal)) {
        return { check, status: "ok", detail: `answers (it refused the empty probe object: ${refusal})` };
    }
    return {
        check,
        status: "warn",
        detail: `the dry-run probe was refused: ${refusal}`,
        hint: "Verify needs permission to create dynamographdeployments (dry run only, nothing is stored).",
    };
}

function podSummary(pods: PodInfo[]): string {
    return pods.map((p) => `${p.name} ${p.ready ? "Ready" : p.phase}`).join(", ");
}

function podsCheck(check: string, pods: PodInfo[], namespace: string, selector?: string): CheckResult {
    const where = selector ? `pods -n ${namespace} -l ${selector}` : `pods -n ${namespace}`;
    if (pods.length === 0) {
        return {
            check,
            status: "fail",
            detail: `no pods in ${namespace}${selector ? ` with ${selector}` : ""}`,
            hint: `Nothing is running: does the cluster have schedulable nodes? \`kubectl get nodes\`, \`kubectl get events -n ${namespace}\`.`,
        };
    }
    const notReady = pods.filter((p) => !p.ready);
    if (notReady.length > 0) {
        return {
            check,
            status: "fail",
            detail: `${pods.length - notReady.length}/${pods.length} ready: ${podSummary(notReady)}`,
            hint: `\`kubectl describe ${where}\` shows why (image pulls, pending volumes, taints).`,
        };
    }
    return { check, status: "ok", detail: `${pods.length}/${pods.length} ready` };
}

/** Ready replicas of a StatefulSet against what it wants and what the profile asks for. */
function replicasCheck(
    check: string,
    name: string,
    found: DeploymentInfo | undefined,
    haReplicas: number,
    ha: boolean,
    namespace: string,
): CheckResult {
    if (found === undefined) {
        return {
            check,
            status: "fail",
            detail: `${name} missing`,
            hint: "The platform release did not create it: run `pulumi up` for this stack.",
        };
    }
    const detail = `${found.ready}/${found.desired} ready`;
    if (found.ready < found.desired) {
        return { check, status: "fail", detail, hint: `\`kubectl describe statefulset ${name} -n ${namespace}\` and its pods' events.` };
    }
    if (ha && found.desired < haReplicas) {
        return {
            check,
            status: "warn",
            detail: `${detail}, fewer than the ${haReplicas} of the ha profile`,
            hint: "dynamo:helmValues overrides the replica count; remove that override, or run `pulumi up` if the StatefulSet was scaled by hand.",
        };
    }
    return { check, status: "ok", detail };
}

/**
 * Replicas ready per component, the disruption budgets (all three required under `ha`), and platform
 * pods on GPU nodes while CPU nodes could take them.
 */
async function availabilityChecks(
    reader: ClusterReader,
    outputs: VerifiedOutputs,
    nodes: NodeInfo[],
    pods: PodInfo[],
): Promise<CheckResult[]> {
    const { namespace } = outputs;
    const ha = outputs.profile === Profile.Ha;
    const results: CheckResult[] = [];
    const statefulSets = [
        ...(outputs.etcdEndpoint ? [{ check: "etcd replicas", name: ETCD_STATEFUL_SET, haReplicas: HA_REPLICAS.etcd }] : []),
        ...(outputs.natsEndpoint ? [{ check: "NATS replicas", name: NATS_STATEFUL_SET, haReplicas: HA_REPLICAS.nats }] : []),
    ];
    for (const { check, name, haReplicas } of statefulSets) {
        results.push(replicasCheck(check, name, await reader.statefulSet(namespace, name), haReplicas, ha, namespace));
    }

    const budgets = await reader.podDisruptionBudgets(namespace);
    const expected = ha ? [...statefulSets.map((s) => s.name), OPERATOR_DISRUPTION_BUDGET] : [];
    const missing = expected.filter((name) => !budgets.some((b) => b.name === name));
    const listed = budgets.map((b) => `${b.name} (${b.disruptionsAllowed} of ${b.expectedPods} pods may be evicted)`).join(", ");
    results.push(
        missing.length > 0
            ? {
                  check: "disruption budgets",
                  status: "fail",
                  detail: `missing under the ha profile: ${missing.join(", ")}${listed ? `; present: ${listed}` : ""}`,
                  hint: "A node drain may evict every replica at once: run `pulumi up` for this stack.",
              }
            : { check: "disruption budgets", status: "ok", detail: listed || `none (profile ${outputs.profile ?? Profile.Dev})` },
    );

    const gpuNodes = new Set(nodes.filter((n) => n.gpus > 0).map((n) => n.name));
    const cpuNodes = nodes.filter((n) => n.gpus === 0 && n.ready && !n.unschedulable);
    const onGpu = pods.filter((p) => p.nodeName !== undefined && gpuNodes.has(p.nodeName));
    results.push(
        onGpu.length > 0 && cpuNodes.length > 0
            ? {
                  check: "placement",
                  status: "warn",
                  detail: `${onGpu.length} platform pod${onGpu.length === 1 ? "" : "s"} on GPU nodes while ${cpuNodes.length} CPU node${cpuNodes.length === 1 ? "" : "s"} could run them: ${onGpu.map((p) => `${p.name} on ${p.nodeName}`).join(", ")}`,
                  hint: "They moved there when the CPU nodes were full or away, and stay until rescheduled: `kubectl delete pod` them, or pin the platform with dynamo:placement.nodeSelector.",
              }
            : {
                  check: "placement",
                  status: "ok",
                  detail: onGpu.length > 0 ? "on GPU nodes only, which are all the cluster has" : "no platform pod on a GPU node",
              },
    );
    return results;
}

/** The platform release's newest revision: deployed, or what an earlier run left and the way out. */
async function releaseCheck(reader: ClusterReader, namespace: string, release: string): Promise<CheckResult> {
    const check = `release ${release}`;
    const latest = await reader.helmReleaseLatest(namespace, release);
    if (latest === undefined) {
        return { check, status: "fail", detail: "not installed", hint: "Run `pulumi up` for this stack." };
    }
    const detail = `revision ${latest.revision} ${latest.status}`;
    if (latest.status === "deployed") {
        return { check, status: "ok", detail };
    }
    const fix = interruptedReleaseFix(latest.status, release, namespace);
    if (fix !== undefined) {
        return {
            check,
            status: "fail",
            detail: `${detail}: a run was interrupted while Helm worked on it`,
            hint: `Helm refuses every change until it is cleared: if no helm or pulumi run is in progress, \`${fix.command}\` (${fix.effect}), then \`pulumi up\`.`,
        };
    }
    const hooks = await failedHooks(reader, namespace);
    const rollback = failedUpgradeFix(latest, release, namespace);
    const why = hooks.length > 0 ? hooks.map((hook) => describeFailedHook(hook, namespace)).join("; ") : latest.description;
    return {
        check,
        status: "fail",
        detail: why ? `${detail}: ${why}` : detail,
        hint:
            rollback === undefined
                ? `The last install or upgrade failed (\`helm history ${release} -n ${namespace}\` has Helm's reason); remove the cause, then \`pulumi up\` runs it again.`
                : `The last upgrade failed after Helm applied it: remove the cause, run \`${rollback.command}\` (the next upgrade would keep what the failed one changed), then \`pulumi up\`.`,
    };
}

/** How a pod's troubled container fails, as one phrase: `container manager CrashLoopBackOff, restarted 4 times, last exit 2 (Error)`. */
export function troubleText(pod: PodInfo): string | undefined {
    const trouble = pod.troubled?.[0];
    if (trouble === undefined) {
        return undefined;
    }
    const parts = [
        trouble.waiting,
        trouble.restarts > 0 ? `restarted ${trouble.restarts} time${trouble.restarts === 1 ? "" : "s"}` : undefined,
        trouble.failedExit
            ? `last exit ${trouble.failedExit.code}${trouble.failedExit.reason ? ` (${trouble.failedExit.reason})` : ""}`
            : undefined,
    ].filter(Boolean);
    return `container ${trouble.container} ${parts.join(", ")}`;
}

/**
 * The operator Deployment: ready, scaled to zero, or not ready with the pod that says why (a
 * crash-looping container with its last exit, and the command that shows the log of the run that
 * ended). Also what `npm run teardown` checks before it deletes anything.
 */
export async function operatorCheck(
    reader: ClusterReader,
    namespace: string,
    deploymentName: string,
    context: { release?: string; profile?: string } = {},
): Promise<CheckResult> {
    const check = "operator deployment";
    const operator = await reader.deployment(namespace, deploymentName);
    if (operator === undefined) {
        return {
            check,
            status: "fail",
            detail: `${deploymentName} missing`,
            hint: context.release
                ? `The platform release did not create it: \`helm status ${context.release} -n ${namespace}\`.`
                : `\`kubectl get deployments -n ${namespace}\`.`,
        };
    }
    const detail = `${operator.ready}/${operator.desired} ready`;
    if (operator.desired === 0) {
        return {
            check,
            status: "fail",
            detail: `${detail}: scaled to zero`,
            hint: `Nothing reconciles DynamoGraphDeployments: \`kubectl scale deployment ${deploymentName} -n ${namespace} --replicas=1\`.`,
        };
    }
    if (context.profile === Profile.Ha && operator.ready >= operator.desired && operator.desired < HA_REPLICAS.operator) {
        return {
            check,
            status: "warn",
            detail: `${detail}, fewer than the ${HA_REPLICAS.operator} of the ha profile`,
            hint: "dynamo:helmValues overrides the replica count, or the Deployment was scaled by hand: run `pulumi up` for this stack.",
        };
    }
    if (operator.ready >= operator.desired) {
        return { check, status: "ok", detail };
    }
    const troubled = (await reader.pods(namespace, OPERATOR_POD_SELECTOR)).find((pod) => troubleText(pod) !== undefined);
    const trouble = troubled?.troubled?.[0];
    return troubled === undefined || trouble === undefined
        ? { check, status: "fail", detail, hint: `\`kubectl describe deployment ${deploymentName} -n ${namespace}\`.` }
        : {
              check,
              status: "fail",
              detail: `${detail}: pod ${troubled.name} ${troubleText(troubled)}`,
              hint: `Its webhooks fail closed while it is down, so Dynamo objects can be neither created nor changed. Why it stops: \`kubectl logs -n ${namespace} ${troubled.name} -c ${trouble.container}${trouble.restarts > 0 ? " --previous" : ""}\`; a cause in the stack's config (dynamo:helmValues) is corrected there, then \`pulumi up\` (which first names the rollback a failed upgrade needs).`,
          };
}

/** Runs every check; never throws for a failed check, only for a cluster that cannot be read. */
export async function verifyPlatform(reader: ClusterReader, outputs: VerifiedOutputs): Promise<CheckResult[]> {
    const { namespace, platformReleaseName: release } = outputs;
    const results: CheckResult[] = [];

    const namespaceFound = (await reader.namespace(namespace)) !== undefined;
    results.push(
        namespaceFound
            ? { check: `namespace ${namespace}`, status: "ok", detail: "exists" }
            : {
                  check: `namespace ${namespace}`,
                  status: "fail",
                  detail: "missing",
                  hint: "The platform is not installed here: run `pulumi up` for this stack.",
              },
    );

    results.push(await releaseCheck(reader, namespace, release));

    for (const name of outputs.crdNames) {
        const crd = await reader.crd(name);
        results.push(
            crd?.established
                ? { check: `CRD ${name}`, status: "ok", detail: "Established" }
                : {
                      check: `CRD ${name}`,
                      status: "fail",
                      detail: crd ? "not Established" : "missing",
                      hint: "The CRDs come from the dynamo-crds chart (from 1.0 the platform chart and the operator): `pulumi up` applies them again.",
                  },
        );
    }

    const nodes = await reader.nodes();
    const pods = await reader.pods(namespace);
    results.push(nodesCheck(nodes));
    results.push(podsCheck("Dynamo pods", pods, namespace));
    if (outputs.etcdEndpoint) {
        const selector = "app.kubernetes.io/name=etcd";
        results.push(podsCheck("etcd pods", await reader.pods(namespace, selector), namespace, selector));
    }
    if (outputs.natsEndpoint) {
        const selector = "app.kubernetes.io/name=nats";
        results.push(podsCheck("NATS pods", await reader.pods(namespace, selector), namespace, selector));
    }
    results.push(...(await availabilityChecks(reader, outputs, nodes, pods)));
    if (outputs.eksIdentity) {
        results.push(...(await verifyEks(reader, { ...outputs, eksIdentity: outputs.eksIdentity })));
    }

    results.push(await operatorCheck(reader, namespace, OPERATOR_DEPLOYMENT, { release, profile: outputs.profile }));

    if (namespaceFound) {
        results.push(admissionCheck(await reader.dryRunCreate(admissionProbe(namespace))));
    }

    const operatorPods = await reader.pods(namespace, OPERATOR_POD_SELECTOR);
    if (operatorPods.length === 0) {
        results.push({
            check: "operator logs",
            status: "fail",
            detail: "no operator pod to read logs from",
            hint: "See the operator deployment check above.",
        });
    } else {
        const log = await reader.podLogTail(namespace, operatorPods[0].name, OPERATOR_CONTAINER, LOG_LINES).catch((error: Error) => error);
        if (log instanceof Error) {
            // The API server fetches logs from the node's kubelet: a node it cannot reach says nothing about the platform.
            results.push({
                check: "operator logs",
                status: "warn",
                detail: `cannot be read: ${log.message}`,
                hint: `\`kubectl logs -n ${namespace} ${operatorPods[0].name} -c ${OPERATOR_CONTAINER}\` from where the node's kubelet is reachable.`,
            });
            return results;
        }
        const lines = log.trim().split("\n").filter(Boolean);
        const errors = lines.filter((line) => /\berror\b/i.test(line));
        results.push({
            check: "operator logs",
            status: errors.length > 0 ? "warn" : "ok",
            detail: lines.length > 0 ? lines.join("\n") : "no log lines yet",
            hint: errors.length > 0 ? `\`kubectl logs -n ${namespace} ${operatorPods[0].name}\` for the full log.` : undefined,
        });
    }
    return results;
}

/** The results as a table (check, status, detail), then a hint for each failure. */
export function formatResults(results: CheckResult[]): string {
    const width = Math.max(...results.map((r) => r.check.length), "check".length);
    const rows = results.map((r) => {
        const [first, ...more] = r.detail.split("\n");
        const indent = " ".repeat(width + 10);
        return [`${r.check.padEnd(width)}  ${r.status.toUpperCase().padEnd(6)}  ${first}`, ...more.map((line) => `${indent}${line}`)].join(
            "\n",
        );
    });
    const hints = results.filter((r) => r.status !== "ok" && r.hint).map((r) => `- ${r.check}: ${r.hint}`);
    const failed = results.filter((r) => r.status === "fail").length;
    return [
        `${"check".padEnd(width)}  status  detail`,
        ...rows,
        "",
        failed === 0 ? `All ${results.length} checks passed.` : `${failed} of ${results.length} checks failed.`,
        ...(hints.length > 0 ? ["", "Hints:", ...hints] : []),
    ].join("\n");
}
