/** Every policy of the pack. Kept apart from index.ts, which starts the policy server. */
import { Policies } from "@pulumi/policy";
import { efsCsiRoleUsesManagedPolicy, efsEncrypted, noWildcardIamActions, noWorldOpenIngress } from "./awsPolicies";
import { noLatestImageTags } from "./imagePolicies";
import {
    crdsVersionMatchesPlatform,
    discoveryBackendEtcd,
    dynamoChartVersionPinned,
    platformAfterCrdsAndStorage,
    platformReleaseName,
} from "./platformPolicies";
import { modelCacheReadWriteMany, persistenceNotOnNetworkStorage } from "./storagePolicies";

export const policies: Policies = [
    discoveryBackendEtcd,
    platformReleaseName,
    dynamoChartVersionPinned,
    crdsVersionMatchesPlatform,
    platformAfterCrdsAndStorage,
    modelCacheReadWriteMany,
    persistenceNotOnNetworkStorage,
    efsEncrypted,
    noWorldOpenIngress,
    noWildcardIamActions,
    efsCsiRoleUsesManagedPolicy,
    noLatestImageTags,
];
