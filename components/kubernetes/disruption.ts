/**
 * The operator's PodDisruptionBudget under the `ha` profile: the operator chart has no key for one
 * (etcd and NATS charts have theirs, set through the values; see core/placement.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ownedLabels } from "../core/labels";
import { OPERATOR_DISRUPTION_BUDGET, POD_LABELS } from "../core/names";

/** Lets a drain evict one operator replica at a time; the other keeps reconciling. */
export function createOperatorDisruptionBudget(
    name: string,
    namespace: pulumi.Input<string>,
    parent: pulumi.Resource,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        `${name}-operator-disruption-budget`,
        {
            metadata: { name: OPERATOR_DISRUPTION_BUDGET, namespace, labels: ownedLabels() },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...POD_LABELS.operator } } },
        },
        { parent },
    );
}
