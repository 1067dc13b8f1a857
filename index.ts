import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatform } from "./components";
import { CONFIG_NAMESPACE, loadStackConfig } from "./components/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
const { args } = loadStackConfig({ get: (key) => config.get(key), getSecret: (key) => config.getSecret(key) });

const platform = new DynamoPlatform("dynamo", args);

export const namespace = platform.namespace;
export const crdsReleaseName = platform.crdsReleaseName;
export const crdsReleaseVersion = platform.crdsReleaseVersion;
export const platformReleaseName = platform.platformReleaseName;
export const platformReleaseVersion = platform.platformReleaseVersion;
export const crdNames = platform.crdNames;
export const etcdEndpoint = platform.etcdEndpoint;
export const natsEndpoint = platform.natsEndpoint;
export const prometheusEndpoint = platform.prometheusEndpoint;
export const prometheusEndpointSource = platform.prometheusEndpointSource;
export const modelCacheStorageClass = platform.modelCacheStorageClass;
export const persistenceStorageClass = platform.persistenceStorageClass;
