/**
 * Inputs a careless user or an attacker would try, and unusual ones that must work, as stack config
 * of the two committed stacks. The program test runs each; the policy-pack test runs the pack over
 * every valid one.
 *
 * The cases live by key, one file per `dynamo:` key or key family, so everything about a key is
 * found in one place; a case that spans several keys goes with the key its error names. A test
 * checks that each bad case's key belongs to the file it is declared in.
 */
import { CHART_INPUTS } from "./charts";
import { EFS_INPUTS } from "./efs";
import { EKS_INPUTS } from "./eks";
import { EKS_CLUSTER_INPUTS } from "./eksCluster";
import { HELM_INPUTS } from "./helm";
import { IMAGE_INPUTS } from "./images";
import { INGRESS_INPUTS } from "./ingress";
import { MONITORING_INPUTS } from "./monitoring";
import { NAMESPACE_INPUTS } from "./namespace";
import { PLACEMENT_INPUTS } from "./placement";
import { PLATFORM_INPUTS } from "./platform";
import { RELEASE_INPUTS } from "./release";
import { STORAGE_INPUTS } from "./storage";
import { UNKNOWN_KEY_INPUTS } from "./unknownKeys";
import { BadInput, InputGroup, ValidInput } from "./cases";

export { bad, configFor, eks, newCluster, runOptions } from "./cases";
export type { BadInput, ConfigChange, InputClass, InputGroup, StackName, ValidInput } from "./cases";

/** Each file's cases, by the file's name in `tests/inputs/`. */
export const INPUT_GROUPS = {
    release: RELEASE_INPUTS,
    namespace: NAMESPACE_INPUTS,
    platform: PLATFORM_INPUTS,
    charts: CHART_INPUTS,
    images: IMAGE_INPUTS,
    storage: STORAGE_INPUTS,
    ingress: INGRESS_INPUTS,
    placement: PLACEMENT_INPUTS,
    helm: HELM_INPUTS,
    monitoring: MONITORING_INPUTS,
    eks: EKS_INPUTS,
    eksCluster: EKS_CLUSTER_INPUTS,
    efs: EFS_INPUTS,
    unknownKeys: UNKNOWN_KEY_INPUTS,
} as const satisfies Record<string, InputGroup>;

export const BAD_INPUTS: BadInput[] = Object.values(INPUT_GROUPS).flatMap((group) => group.bad);

export const VALID_INPUTS: ValidInput[] = Object.values(INPUT_GROUPS).flatMap((group) => group.valid);
