/**
 * Grove's operator Deployment gets the platform's node affinity by a server-side patch: no Grove
 * chart line has an affinity key (1.5 only adds `nodeSelector`). Helm's three-way merge on upgrade
 * leaves the patched field alone, since neither the old nor the new manifest sets it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GROVE_OPERATOR_DEPLOYMENT } from "../core/names";
import { Values } from "../core/valueTree";

/** Patches the node affinity into Grove's operator; `namespace` comes from the release, so the patch follows it. */
export function placeGroveOperator(
    name: string,
    namespace: pulumi.Input<string>,
    nodeAffinity: Values,
    skipAwait: boolean,
    parent: pulumi.Resource,
): k8s.apps.v1.DeploymentPatch {
    return new k8s.apps.v1.DeploymentPatch(
        `${name}-grove-placement`,
        {
            metadata: {
                name: GROVE_OPERATOR_DEPLOYMENT,
                namespace,
                annotations: {
                    // The release owns the rest of the Deployment; this patch owns only the affinity.
                    "pulumi.com/patchForce": "true",
                    ...(skipAwait ? { "pulumi.com/skipAwait": "true" } : {}),
                },
            },
            spec: { template: { spec: { affinity: { nodeAffinity } } } },
        },
        { parent },
    );
}
