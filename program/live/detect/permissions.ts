/**
 * The deployer's permissions, checked before anything else is read or changed: every permission of
 * the deployer role (components/core/deployerRole.ts) the current identity lacks, asked of the API
 * server itself (SelfSubjectAccessReview, which every authorizer answers, EKS access entries too).
 */
import {
    DEPLOYER_ROLE_DOC,
    DEPLOYER_ROLE_FILE,
    DEPLOYER_ROLE_NAME,
    DeployerRule,
    deployerFeatures,
    rulesFor,
} from "../../../components/core/deployerRole";
import { PlatformSettings } from "../../../components/core/settings/types";
import { configSetCommand, DynamoConfigError } from "../../../components/core/errors";
import { AccessCheck, ClusterReader } from "../reader";

/** A permission as `kubectl auth can-i` takes it: `create customresourcedefinitions.apiextensions.k8s.io`. */
export function permissionText(check: AccessCheck): string {
    return `${check.verb} ${check.resource}${check.group ? `.${check.group}` : ""}`;
}

/** Every permission of `rules`, one check each. */
export function accessChecks(rules: readonly DeployerRule[]): AccessCheck[] {
    return rules.flatMap((rule) =>
        rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb })))),
    );
}

/**
 * Stops before anything changes when the identity the stack runs as lacks any permission of the
 * deployer role these settings need, naming each; passes when all are granted or the server cannot say.
 */
export async function checkDeployerPermissions(reader: ClusterReader, settings: PlatformSettings): Promise<void> {
    const checks = accessChecks(rulesFor(deployerFeatures(settings)));
    const answers = await Promise.all(checks.map((check) => reader.allowed(check)));
    const missing = checks.filter((_, index) => answers[index] === false).map(permissionText);
    if (missing.length === 0) {
        return;
    }
    throw new DynamoConfigError(
        "dynamo:autoConfigure",
        `The identity this stack runs as lacks ${missing.length} permission${missing.length === 1 ? "" : "s"} the platform's install, upgrade, verify and destroy need, so nothing was changed: ${missing.join(", ")} (cluster-wide). Bind it to the ClusterRole ${DEPLOYER_ROLE_NAME} (\`kubectl apply -f ${DEPLOYER_ROLE_FILE}\`, see ${DEPLOYER_ROLE_DOC}), or ask your cluster admin for these; \`kubectl auth can-i <verb> <resource>\` checks one. To run without reading the cluster first, this check included: ${configSetCommand("dynamo:autoConfigure", "false")}.`,
    );
}
