import * as pulumi from "@pulumi/pulumi";
import { connectEksCluster, DynamoPlatform } from "./components";
import { CONFIG_NAMESPACE, loadStackConfig } from "./components/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
const { args, eksCluster } = loadStackConfig({ get: (key) => config.get(key), getSecret: (key) => config.getSecret(key) });

const cluster = eksCluster && args.eks ? connectEksCluster("dynamo", eksCluster, args.eks) : undefined;
const platform = new DynamoPlatform("dynamo", { ...args, eks: cluster?.eks ?? args.eks }, { provider: cluster?.provider });

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
export const efsFileSystemId = eksCluster ? platform.efsFileSystemId : undefined;
/** Set when this stack created the EKS cluster, so other stacks can reach it. */
export const eksClusterName = cluster?.created?.clusterName;
export const kubeconfig = cluster?.created?.kubeconfig;
