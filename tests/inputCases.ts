/**
 * Inputs a careless user or an attacker would try, and unusual ones that must work, as stack config
 * of the two committed stacks. The program test runs each; the policy-pack test runs the pack over
 * every valid one.
 */
import { strict as assert } from "assert";
import { awsCalls, eksClusterState, OIDC_PROVIDER_ARN } from "./awsMocks";
import { MockOptions, Recording, stackFileConfig } from "./harness";
import { T } from "./types";

export type StackName = "k8s" | "eks";

/** A config change: `dynamo:` keys to set (objects as YAML would give them) or to remove (null). */
export type ConfigChange = Record<string, unknown>;

/** The class of mistake a bad input stands for. */
export type InputClass = "type" | "value" | "security" | "cross-key" | "other-stack";

export interface BadInput {
    name: string;
    class: InputClass;
    stack: StackName;
    set: ConfigChange;
    /** The `dynamo:` key the one error must name. */
    key: string;
    /** A fragment of the accepted form the message must state. */
    accepted: string;
    stackOutputs?: MockOptions["stackOutputs"];
}

export interface ValidInput {
    name: string;
    stack: StackName;
    set: ConfigChange;
    stackOutputs?: MockOptions["stackOutputs"];
    /** Asserts that the value reached what was registered, untouched. */
    check(recording: Recording): void | Promise<void>;
}

const NFS = { server: "10.0.0.5", share: "/exports/models" };
const MONITORING = "acme/monitoring/prod";
const CLUSTER = "acme/eks/prod";
const CLUSTER_OUTPUTS = {
    clusterName: "prod-gpu",
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    oidcProviderArn: OIDC_PROVIDER_ARN,
    kubeconfig: '{"apiVersion":"v1","kind":"Config"}',
};

/** The committed `dynamo:eks` of the eks stack with some fields changed (undefined removes one). */
export function eks(fields: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...JSON.parse(stackFileConfig("eks")["dynamo:eks"]), ...fields };
    return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

/** `dynamo:eks` for a new cluster. */
function created(fields: Record<string, unknown> = {}): Record<string, unknown> {
    return { create: true, clusterName: "dynamo-dev", installEbsCsiDriver: true, ...fields };
}

/** The program's config strings for a stack with a change applied, the way Pulumi hands them over. */
export function configFor(stack: StackName, set: ConfigChange): Record<string, string> {
    const config = stackFileConfig(stack);
    for (const [key, value] of Object.entries(set)) {
        if (value === null) {
            delete config[key];
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}

/** Mock options for running the program on a stack. */
export function runOptions(stack: StackName, set: ConfigChange, stackOutputs?: MockOptions["stackOutputs"]): MockOptions {
    return { config: configFor(stack, set), stack, calls: awsCalls, resourceState: eksClusterState, stackOutputs };
}

const bad = (
    klass: InputClass,
    stack: StackName,
    name: string,
    set: ConfigChange,
    key: string,
    accepted: string,
    stackOutputs?: MockOptions["stackOutputs"],
): BadInput => ({ name, class: klass, stack, set, key, accepted, stackOutputs });

export const BAD_INPUTS: BadInput[] = [
    // A value of the wrong type, a list for a map, a misspelt field.
    bad("type", "k8s", "a flag that is not a boolean", { "dynamo:groveEnabled": "yes" }, "dynamo:groveEnabled", "true or false"),
    bad(
        "type",
        "k8s",
        "an NFS export as one string",
        { "dynamo:nfs": "10.0.0.5:/exports" },
        "dynamo:nfs",
        "an object with the fields server, share",
    ),
    bad(
        "type",
        "k8s",
        "a list where the NFS object belongs",
        { "dynamo:nfs": ["10.0.0.5", "/exports"] },
        "dynamo:nfs",
        "an object with the fields",
    ),
    bad("type", "k8s", "tolerations as a map", { "dynamo:tolerations": { key: "dedicated" } }, "dynamo:tolerations", "a list such as"),
    bad("value", "k8s", "a profile that does not exist", { "dynamo:profile": "production" }, "dynamo:profile", `one of "dev", "ha"`),
    bad(
        "value",
        "k8s",
        "a node selector label key with a space",
        { "dynamo:placement": { nodeSelector: { "node group": "system" } } },
        'dynamo:placement.nodeSelector key "node group"',
        "a node label key",
    ),
    bad(
        "type",
        "k8s",
        "a node affinity term list given as one object",
        { "dynamo:placement": { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } } } },
        "dynamo:placement.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
        "a list such as",
    ),
    bad(
        "cross-key",
        "k8s",
        "a node affinity beside a node selector",
        { "dynamo:placement": { nodeSelector: { pool: "system" }, nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } } },
        "dynamo:placement.nodeAffinity",
        "dynamo:placement.nodeSelector",
    ),
    bad("type", "k8s", "helm values as a list", { "dynamo:helmValues": [{ etcd: {} }] }, "dynamo:helmValues", "a map of chart values"),
    bad(
        "type",
        "k8s",
        "mount options as one string",
        { "dynamo:nfs": { ...NFS, mountOptions: "nfsvers=4.1" } },
        "dynamo:nfs.mountOptions",
        "a list such as",
    ),
    bad(
        "type",
        "k8s",
        "a quoted boolean that is not one",
        { "dynamo:localPath": { install: "yes" } },
        "dynamo:localPath.install",
        "true or false",
    ),
    bad("type", "eks", "dynamo:eks as a list", { "dynamo:eks": ["my-eks-cluster"] }, "dynamo:eks", "an object with the fields clusterName"),
    bad("type", "eks", "tags as a list", { "dynamo:eks": eks({ tags: ["team=ml"] }) }, "dynamo:eks.tags", "a map of names to text values"),
    bad(
        "type",
        "eks",
        "a Kubernetes version YAML read as a number",
        { "dynamo:eks": created({ kubernetesVersion: 1.3 }) },
        "dynamo:eks.kubernetesVersion",
        'a Kubernetes minor version as a quoted string, e.g. "1.34"',
    ),
    bad(
        "type",
        "eks",
        "directory permissions YAML read as a number",
        { "dynamo:efs": { directoryPerms: 700 } },
        "dynamo:efs.directoryPerms",
        'an octal mode as a string, e.g. "700"',
    ),
    bad("type", "eks", "a negative uid", { "dynamo:efs": { uid: -1 } }, "dynamo:efs.uid", "a whole number of a user id, at least 0"),
    bad("type", "eks", "a fractional gid", { "dynamo:efs": { gid: 1.5 } }, "dynamo:efs.gid", "a whole number"),
    bad(
        "type",
        "eks",
        "a node count in words",
        { "dynamo:eks": created({ desiredNodes: "two" }) },
        "dynamo:eks.desiredNodes",
        "a whole number of nodes",
    ),
    bad(
        "type",
        "eks",
        "throughput as a word",
        { "dynamo:efs": { throughputMode: "provisioned", provisionedThroughputMibps: "fast" } },
        "dynamo:efs.provisionedThroughputMibps",
        "a number of MiB/s",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt NFS field",
        { "dynamo:nfs": { sever: "10.0.0.5", share: "/exports" } },
        "dynamo:nfs.sever",
        "did you mean dynamo:nfs.server?",
    ),
    bad(
        "type",
        "eks",
        "a misspelt EKS field",
        { "dynamo:eks": eks({ vpcid: "vpc-0123456789abcdef0" }) },
        "dynamo:eks.vpcid",
        "did you mean dynamo:eks.vpcId?",
    ),
    bad(
        "type",
        "eks",
        "a misspelt EFS field",
        { "dynamo:efs": { throughput: "elastic" } },
        "dynamo:efs.throughput",
        "did you mean dynamo:efs.throughputMode?",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt ingress field",
        { "dynamo:ingress": { classname: "nginx" } },
        "dynamo:ingress.classname",
        "did you mean dynamo:ingress.className?",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt local-path field",
        { "dynamo:localPath": { install: true, nodepath: "/data" } },
        "dynamo:localPath.nodepath",
        "did you mean dynamo:localPath.nodePath?",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt toleration field",
        { "dynamo:tolerations": [{ key: "dedicated", efect: "NoSchedule" }] },
        "dynamo:tolerations[0].efect",
        "did you mean dynamo:tolerations[0].effect?",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt pull-secret field",
        { "dynamo:imagePullSecret": { user: "me" } },
        "dynamo:imagePullSecret.user",
        "did you mean dynamo:imagePullSecret.username?",
    ),
    bad(
        "type",
        "k8s",
        "a misspelt top-level key",
        { "dynamo:releaseVerison": "0.9.1" },
        "dynamo:releaseVerison",
        "did you mean dynamo:releaseVersion?",
    ),
    bad(
        "type",
        "k8s",
        "a key that does not exist",
        { "dynamo:prometheusUrl": "http://prom:9090" },
        "dynamo:prometheusUrl",
        "Unknown config key",
    ),

    // A value of the right type that is not a valid one.
    bad(
        "value",
        "k8s",
        "a tag as release version",
        { "dynamo:releaseVersion": "latest" },
        "dynamo:releaseVersion",
        "an exact published version such as 0.9.1",
    ),
    bad(
        "value",
        "k8s",
        "a release older than the supported line",
        { "dynamo:releaseVersion": "0.8.1" },
        "dynamo:releaseVersion",
        "0.9.0 or later",
    ),
    bad("value", "k8s", "an upper-case namespace", { "dynamo:namespace": "Dynamo" }, "dynamo:namespace", "a DNS-1123 label"),
    bad(
        "value",
        "k8s",
        "an unknown discovery backend",
        { "dynamo:discoveryBackend": "consul" },
        "dynamo:discoveryBackend",
        'one of "etcd", "kubernetes"',
    ),
    bad(
        "value",
        "k8s",
        "a Prometheus endpoint without a scheme",
        { "dynamo:prometheusEndpoint": "prometheus:9090" },
        "dynamo:prometheusEndpoint",
        "an http:// or https:// URL",
    ),
    bad(
        "value",
        "k8s",
        "a Prometheus endpoint with a trailing space",
        { "dynamo:prometheusEndpoint": "http://prom:9090 " },
        "dynamo:prometheusEndpoint",
        "an http:// or https:// URL",
    ),
    bad(
        "value",
        "k8s",
        "an OCI chart address with a tag",
        { "dynamo:chartRepository": "oci://nvcr.io/charts/dynamo-platform:0.9.1" },
        "dynamo:chartRepository",
        "an oci:// registry path",
    ),
    bad(
        "value",
        "k8s",
        "a relative NFS share",
        { "dynamo:nfs": { ...NFS, share: "exports" } },
        "dynamo:nfs.share",
        "the exported directory as an absolute path",
    ),
    bad(
        "value",
        "k8s",
        "an NFS share with a space",
        { "dynamo:nfs": { ...NFS, share: "/exports/my models" } },
        "dynamo:nfs.share",
        "the exported directory as an absolute path",
    ),
    bad(
        "value",
        "k8s",
        "an NFS server with a space",
        { "dynamo:nfs": { ...NFS, server: "nfs server" } },
        "dynamo:nfs.server",
        "a host name or IP address",
    ),
    bad(
        "value",
        "k8s",
        "a mount option with a newline",
        { "dynamo:nfs": { ...NFS, mountOptions: ["nfsvers=4.1", "hard\nsoft"] } },
        "dynamo:nfs.mountOptions[1]",
        'a mount option such as "nfsvers=4.1"',
    ),
    bad(
        "value",
        "eks",
        "a KMS key that is not an ARN",
        { "dynamo:efs": { kmsKeyId: "my-key" } },
        "dynamo:efs.kmsKeyId",
        "a KMS key or alias ARN",
    ),
    bad(
        "value",
        "eks",
        "a file system id that is not fs- and hex",
        { "dynamo:efs": { fileSystemId: "fs-xyz" } },
        "dynamo:efs.fileSystemId",
        "fs- followed by 8 or 17 hex digits",
    ),
    bad(
        "value",
        "eks",
        "zero provisioned throughput",
        { "dynamo:efs": { throughputMode: "provisioned", provisionedThroughputMibps: 0 } },
        "dynamo:efs.provisionedThroughputMibps",
        "at least 1",
    ),
    bad("value", "eks", "a malformed VPC id", { "dynamo:eks": eks({ vpcId: "vpc-XYZ" }) }, "dynamo:eks.vpcId", "a VPC id such as"),
    bad(
        "value",
        "eks",
        "a malformed subnet id",
        { "dynamo:eks": eks({ privateSubnetIds: ["sub-123"] }) },
        "dynamo:eks.privateSubnetIds[0]",
        "a subnet id such as",
    ),
    bad(
        "value",
        "eks",
        "a cluster name with a space",
        { "dynamo:eks": eks({ clusterName: "my cluster" }) },
        "dynamo:eks.clusterName",
        "an EKS cluster name",
    ),
    bad(
        "value",
        "k8s",
        "a range as csi-driver-nfs version",
        { "dynamo:nfs": { ...NFS, driverChartVersion: "^4.13" } },
        "dynamo:nfs.driverChartVersion",
        "an exact chart version",
    ),
    bad(
        "value",
        "k8s",
        "an ingress class with punctuation",
        { "dynamo:ingress": { className: "Nginx!" } },
        "dynamo:ingress.className",
        "a Kubernetes object name",
    ),
    bad(
        "value",
        "eks",
        "one availability zone for a new cluster",
        { "dynamo:eks": created({ availabilityZoneCount: 1 }) },
        "dynamo:eks.availabilityZoneCount",
        "a whole number of zones, from 2 to 3",
    ),
    bad(
        "value",
        "eks",
        "five availability zones for a new cluster (its subnet layout has room for three)",
        { "dynamo:eks": created({ availabilityZoneCount: 5 }) },
        "dynamo:eks.availabilityZoneCount",
        "a whole number of zones, from 2 to 3",
    ),
    bad(
        "value",
        "eks",
        "a tag in AWS's reserved prefix",
        { "dynamo:eks": eks({ tags: { "aws:team": "ml" } }) },
        'dynamo:eks.tags key "aws:team"',
        "not starting with aws:",
    ),
    bad(
        "value",
        "eks",
        "an unknown ALB scheme",
        { "dynamo:eks": eks({ albScheme: "public" }) },
        "dynamo:eks.albScheme",
        '"internet-facing", "internal"',
    ),
    bad(
        "value",
        "k8s",
        "a monitoring stack name with a space",
        { "dynamo:monitoringStack": "my monitoring" },
        "dynamo:monitoringStack",
        "a stack name: stack, project/stack or org/project/stack",
    ),

    // Values that would open, take over or loosen something.
    bad(
        "security",
        "eks",
        "an NFS source open to the world",
        { "dynamo:eks": eks({ vpcCidr: "0.0.0.0/0" }) },
        "dynamo:eks.vpcCidr",
        "never 0.0.0.0/0",
    ),
    bad(
        "security",
        "eks",
        "an IPv6 source open to the world",
        { "dynamo:eks": eks({ vpcCidr: "::/0" }) },
        "dynamo:eks.vpcCidr",
        "a /8 or narrower",
    ),
    bad(
        "security",
        "eks",
        "an NFS source broader than a /8",
        { "dynamo:eks": eks({ vpcCidr: "10.0.0.0/4" }) },
        "dynamo:eks.vpcCidr",
        "a /8 or narrower",
    ),
    bad(
        "security",
        "eks",
        "an NFS source that is not a CIDR",
        { "dynamo:eks": eks({ vpcCidr: "my-vpc" }) },
        "dynamo:eks.vpcCidr",
        "the IPv4 network allowed to reach EFS",
    ),
    bad(
        "security",
        "eks",
        "an NFS source with host bits",
        { "dynamo:eks": eks({ vpcCidr: "10.0.0.5/16" }) },
        "dynamo:eks.vpcCidr",
        "10.0.0.0/16",
    ),
    bad(
        "security",
        "k8s",
        "kube-system as the platform namespace",
        { "dynamo:namespace": "kube-system" },
        "dynamo:namespace",
        "not a system namespace",
    ),
    bad(
        "security",
        "k8s",
        "default as the platform namespace",
        { "dynamo:namespace": "default" },
        "dynamo:namespace",
        "not a system namespace",
    ),
    bad(
        "security",
        "k8s",
        "the local-path namespace as the platform namespace",
        { "dynamo:namespace": "local-path-storage" },
        "dynamo:namespace",
        "not a system namespace",
    ),
    bad(
        "security",
        "k8s",
        "a toleration without a key",
        { "dynamo:tolerations": [{ operator: "Exists" }] },
        "dynamo:tolerations[0].key",
        "the taint key to tolerate",
    ),
    bad(
        "security",
        "k8s",
        "etcd on the model cache through helm values",
        { "dynamo:nfs": NFS, "dynamo:helmValues": { etcd: { persistence: { storageClass: "nfs" } } } },
        "dynamo:helmValues.etcd.persistence.storageClass",
        "a ReadWriteOnce block-storage class",
    ),
    bad(
        "security",
        "k8s",
        "NATS on the model cache through helm values",
        {
            "dynamo:nfs": NFS,
            "dynamo:helmValues": { nats: { config: { jetstream: { fileStore: { pvc: { storageClassName: "nfs" } } } } } },
        },
        "dynamo:helmValues.nats.config.jetstream.fileStore.pvc.storageClassName",
        "a ReadWriteOnce block-storage class",
    ),
    bad(
        "security",
        "k8s",
        "a latest image tag through helm values",
        { "dynamo:helmValues": { "dynamo-operator": { controllerManager: { manager: { image: { tag: "latest" } } } } } },
        "dynamo:helmValues.dynamo-operator.controllerManager.manager.image.tag",
        "a pinned tag or digest",
    ),
    bad(
        "security",
        "k8s",
        "an untagged hook image through helm values",
        { "dynamo:helmValues": { "dynamo-operator": { webhook: { certGenerator: { image: "bitnami/kubectl" } } } } },
        "dynamo:helmValues.dynamo-operator.webhook.certGenerator.image",
        "a pinned tag or digest",
    ),
    bad(
        "security",
        "k8s",
        "an unpinned local-path image",
        { "dynamo:localPath": { install: true, image: "rancher/local-path-provisioner:latest" } },
        "dynamo:localPath.image",
        "a pinned tag or digest",
    ),
    bad(
        "security",
        "k8s",
        "a chart name override the operator cannot follow",
        { "dynamo:helmValues": { fullnameOverride: "dynamo" } },
        "dynamo:helmValues.fullnameOverride",
        "no override of the chart's full name",
    ),
    bad(
        "security",
        "k8s",
        "credentials in the Prometheus URL",
        { "dynamo:prometheusEndpoint": "http://admin:secret@prom:9090" },
        "dynamo:prometheusEndpoint",
        "an http:// or https:// URL",
    ),
    bad(
        "security",
        "k8s",
        "credentials in the chart repository URL",
        { "dynamo:chartRepository": "https://user:pass@helm.example/charts" },
        "dynamo:chartRepository",
        "an http(s) Helm repository URL",
    ),
    bad(
        "security",
        "k8s",
        "credentials in an add-on chart repository URL",
        { "dynamo:nfs": { ...NFS, driverChartRepository: "https://u:p@charts.example" } },
        "dynamo:nfs.driverChartRepository",
        "an http(s) Helm repository URL",
    ),
    bad(
        "security",
        "k8s",
        "a pull-secret password in plain config",
        { "dynamo:imagePullSecret": { password: "nvapi-123" } },
        "dynamo:imagePullSecret.password",
        "pulumi config set --secret dynamo:imagePullSecretPassword",
    ),
    bad(
        "security",
        "k8s",
        "a path that climbs out of the local-path directory",
        { "dynamo:localPath": { install: true, nodePath: "/opt/../etc" } },
        "dynamo:localPath.nodePath",
        "an absolute directory on the nodes",
    ),
    bad(
        "security",
        "k8s",
        "the root directory as local-path directory",
        { "dynamo:localPath": { install: true, nodePath: "/" } },
        "dynamo:localPath.nodePath",
        "an absolute directory on the nodes below the root",
    ),
    bad(
        "security",
        "eks",
        "an EFS base path that climbs out",
        { "dynamo:efs": { basePath: "/dynamo/../.." } },
        "dynamo:efs.basePath",
        "an absolute directory below the file system's root",
    ),

    // Values that are fine alone but not together.
    bad(
        "cross-key",
        "k8s",
        "persistence on the model-cache class",
        { "dynamo:persistenceStorageClass": "nfs" },
        "dynamo:persistenceStorageClass",
        "ReadWriteOnce block storage",
    ),
    bad(
        "cross-key",
        "k8s",
        "CRDs of another minor line",
        { "dynamo:crdsVersion": "0.8.1" },
        "dynamo:crdsVersion",
        "a dynamo-crds version on the platform's 0.9 line",
    ),
    bad(
        "cross-key",
        "k8s",
        "a CRDs version on a 1.x release",
        { "dynamo:releaseVersion": "1.0.1", "dynamo:crdsVersion": "1.0.1" },
        "dynamo:crdsVersion",
        "remove crdsVersion",
    ),
    bad("cross-key", "eks", "NFS on EKS", { "dynamo:nfs": NFS }, "dynamo:nfs", "on EKS the model cache is EFS"),
    bad(
        "cross-key",
        "eks",
        "local-path on EKS",
        { "dynamo:localPath": { install: true } },
        "dynamo:localPath.install",
        "on EKS etcd and NATS use EBS",
    ),
    bad(
        "cross-key",
        "k8s",
        "ingress-nginx under another class name",
        { "dynamo:ingress": { installNginx: true, className: "traefik" } },
        "dynamo:ingress.className",
        'serves IngressClass "nginx"',
    ),
    bad(
        "cross-key",
        "eks",
        "IRSA without an OIDC provider",
        { "dynamo:eks": eks({ identity: "irsa" }) },
        "dynamo:eks.identity",
        "IRSA needs the cluster's IAM OIDC provider ARN",
    ),
    bad(
        "cross-key",
        "eks",
        "MiB/s without provisioned throughput",
        { "dynamo:efs": { provisionedThroughputMibps: 100 } },
        "dynamo:efs.provisionedThroughputMibps",
        'it only applies to "provisioned"',
    ),
    bad(
        "cross-key",
        "eks",
        "deleting an existing file system",
        { "dynamo:efs": { fileSystemId: "fs-0123456789abcdef0", deleteOnDestroy: true } },
        "dynamo:efs.deleteOnDestroy",
        "not this stack's to delete",
    ),
    bad(
        "cross-key",
        "k8s",
        "EKS settings on plain Kubernetes",
        { "dynamo:eks": { clusterName: "c" } },
        "dynamo:eks",
        'need platform "eks"',
    ),
    bad(
        "cross-key",
        "eks",
        "a new cluster with a VPC of its own",
        { "dynamo:eks": created({ vpcId: "vpc-0123456789abcdef0" }) },
        "dynamo:eks.vpcId",
        "the new cluster provides it",
    ),
    bad(
        "cross-key",
        "eks",
        "node counts out of order",
        { "dynamo:eks": created({ minNodes: 3, desiredNodes: 2 }) },
        "dynamo:eks.desiredNodes",
        "a node count between minNodes (3) and maxNodes (3)",
    ),
    bad(
        "cross-key",
        "eks",
        "a node group size without create",
        { "dynamo:eks": eks({ instanceType: "g6.xlarge" }) },
        "dynamo:eks.instanceType",
        "set create: true or remove it",
    ),
    bad(
        "cross-key",
        "eks",
        "a new cluster that is also read from a stack",
        { "dynamo:eks": created({ clusterStack: CLUSTER }) },
        "dynamo:eks.create",
        "either creates its cluster or reads one",
    ),
    bad(
        "cross-key",
        "k8s",
        "a repository user without a password",
        { "dynamo:chartRepositoryUsername": "robot" },
        "dynamo:chartRepositoryUsername",
        "need both the user name and the password",
    ),
    bad(
        "cross-key",
        "k8s",
        "a 1.2+ switch on a 0.9 release",
        { "dynamo:helmValues": { global: { etcd: { install: false } } } },
        "dynamo:helmValues.global.etcd.install",
        "the switches release 0.9.0-post1 reads",
    ),
    bad(
        "cross-key",
        "k8s",
        "a 0.9 switch on a 1.0 release",
        { "dynamo:releaseVersion": "1.0.1", "dynamo:crdsVersion": null, "dynamo:helmValues": { etcd: { enabled: true } } },
        "dynamo:helmValues.etcd.enabled",
        "the switches release 1.0.1 reads",
    ),

    // Values read from other stacks, checked before anything is built.
    bad(
        "other-stack",
        "k8s",
        "a monitoring stack whose endpoint is not a URL",
        { "dynamo:monitoringStack": MONITORING },
        "dynamo:monitoringStack",
        "an http:// or https:// URL",
        { [MONITORING]: { prometheusEndpoint: "prometheus:9090" } },
    ),
    bad(
        "other-stack",
        "k8s",
        "a monitoring stack whose endpoint carries credentials",
        { "dynamo:monitoringStack": MONITORING },
        "dynamo:monitoringStack",
        "an http:// or https:// URL",
        { [MONITORING]: { prometheusEndpoint: "http://a:b@prom:9090" } },
    ),
    bad(
        "other-stack",
        "k8s",
        "a monitoring stack without the output",
        { "dynamo:monitoringStack": MONITORING },
        "dynamo:monitoringStack",
        "export the Prometheus URL there or set dynamo:prometheusEndpoint",
        { [MONITORING]: {} },
    ),
    bad(
        "other-stack",
        "eks",
        "a cluster stack with a malformed VPC id",
        { "dynamo:eks": { clusterStack: CLUSTER } },
        "dynamo:eks.clusterStack",
        "a VPC id such as",
        { [CLUSTER]: { ...CLUSTER_OUTPUTS, vpcId: "vpc-XYZ" } },
    ),
    bad(
        "other-stack",
        "eks",
        "a cluster stack whose subnets are one string",
        { "dynamo:eks": { clusterStack: CLUSTER } },
        "dynamo:eks.clusterStack",
        "a list such as",
        { [CLUSTER]: { ...CLUSTER_OUTPUTS, privateSubnetIds: "subnet-0aaaaaaaaaaaaaaa1" } },
    ),
    bad(
        "other-stack",
        "eks",
        "a cluster stack without a kubeconfig",
        { "dynamo:eks": { clusterStack: CLUSTER } },
        "dynamo:eks.clusterStack",
        'has no output "kubeconfig"',
        { [CLUSTER]: { ...CLUSTER_OUTPUTS, kubeconfig: undefined } },
    ),
    bad(
        "other-stack",
        "eks",
        "a cluster stack whose OIDC provider is not an ARN",
        { "dynamo:eks": { clusterStack: CLUSTER } },
        "dynamo:eks.clusterStack",
        "an IAM OIDC provider ARN",
        { [CLUSTER]: { ...CLUSTER_OUTPUTS, oidcProviderArn: "oidc.eks.example" } },
    ),
    bad(
        "other-stack",
        "eks",
        "a cluster stack whose cluster name has a control character",
        { "dynamo:eks": { clusterStack: CLUSTER } },
        "dynamo:eks.clusterStack",
        "an EKS cluster name",
        { [CLUSTER]: { ...CLUSTER_OUTPUTS, clusterName: "prod\u0007gpu" } },
    ),
];

function release(recording: Recording, name: string): Record<string, any> {
    return recording.object("kubernetes:helm.sh/v3:Release", name).inputs;
}

function storageClass(recording: Recording, name: string): Record<string, any> {
    return recording.object("kubernetes:storage.k8s.io/v1:StorageClass", name).inputs;
}

function equal(actual: unknown, expected: unknown, what: string): void {
    assert.deepEqual(actual, expected, what);
}

export const VALID_INPUTS: ValidInput[] = [
    {
        name: "booleans and numbers quoted in structured config",
        stack: "k8s",
        set: { "dynamo:nfs": { ...NFS, installDriver: "false" }, "dynamo:localPath": { install: "true" } },
        check: (r) => {
            equal(
                r
                    .ofType("kubernetes:helm.sh/v3:Release")
                    .map((x) => x.inputs.name)
                    .includes("csi-driver-nfs"),
                false,
                "csi-driver-nfs installed",
            );
            equal(storageClass(r, "local-path").provisioner, "rancher.io/local-path", "local-path class");
        },
    },
    {
        name: "an IPv6 NFS server and the export root",
        stack: "k8s",
        set: { "dynamo:nfs": { server: "[fd00::5]", share: "/" } },
        check: (r) =>
            equal(
                [storageClass(r, "nfs").parameters.server, storageClass(r, "nfs").parameters.share],
                ["[fd00::5]", "/"],
                "NFS parameters",
            ),
    },
    {
        name: "mount options with commas and colons",
        stack: "k8s",
        set: { "dynamo:nfs": { ...NFS, mountOptions: ["nfsvers=4.1", "hard", "timeo=600,retrans=2", "proto=tcp"] } },
        check: (r) =>
            equal(storageClass(r, "nfs").mountOptions, ["nfsvers=4.1", "hard", "timeo=600,retrans=2", "proto=tcp"], "mount options"),
    },
    {
        name: "newer CRDs of the same minor line under a -post release",
        stack: "k8s",
        set: { "dynamo:crdsVersion": "0.9.1" },
        check: (r) =>
            equal(
                [r.object(T.release, "dynamo-crds").inputs.version, release(r, "dynamo-platform").version],
                ["0.9.1", "0.9.0-post1"],
                "versions",
            ),
    },
    {
        name: "a 63-character namespace",
        stack: "k8s",
        set: { "dynamo:namespace": `dynamo-${"x".repeat(56)}` },
        check: (r) => equal(release(r, "dynamo-platform").namespace, `dynamo-${"x".repeat(56)}`, "namespace"),
    },
    {
        name: "a toleration with Equal, a value and NoExecute",
        stack: "k8s",
        set: { "dynamo:tolerations": [{ key: "example.com/pool", operator: "Equal", value: "ai_1.x", effect: "NoExecute" }] },
        check: (r) =>
            equal(
                release(r, "dynamo-platform").values.etcd.tolerations[1],
                { key: "example.com/pool", operator: "Equal", value: "ai_1.x", effect: "NoExecute" },
                "toleration",
            ),
    },
    {
        name: "the ha profile pinned to a node group by a prefixed label",
        stack: "k8s",
        set: { "dynamo:profile": "ha", "dynamo:placement": { nodeSelector: { "eks.amazonaws.com/nodegroup": "system-1.x_a" } } },
        check: (r) => {
            const values = release(r, "dynamo-platform").values;
            equal(values.etcd.replicaCount, 3, "etcd members");
            equal(
                values.etcd.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
                [{ key: "eks.amazonaws.com/nodegroup", operator: "In", values: ["system-1.x_a"] }],
                "node selector",
            );
        },
    },
    {
        name: "helm values with a digest-pinned image and a chart-default tag",
        stack: "k8s",
        set: {
            "dynamo:helmValues": { etcd: { image: { repository: "bitnamilegacy/etcd", tag: "" } }, extra: { image: "busybox@sha256:abc" } },
        },
        check: (r) => {
            const values = release(r, "dynamo-platform").values;
            equal(
                [values.etcd.image, values.extra],
                [{ repository: "bitnamilegacy/etcd", tag: "" }, { image: "busybox@sha256:abc" }],
                "values",
            );
        },
    },
    {
        name: "a Prometheus endpoint on an IPv6 address with a path",
        stack: "k8s",
        set: { "dynamo:prometheusEndpoint": "http://[fd00::9]:9090/prometheus" },
        check: (r) =>
            equal(
                release(r, "dynamo-platform").values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                "http://[fd00::9]:9090/prometheus",
                "endpoint",
            ),
    },
    {
        name: "a monitoring stack read before the build",
        stack: "k8s",
        set: { "dynamo:monitoringStack": MONITORING },
        stackOutputs: { [MONITORING]: { prometheusEndpoint: "https://prom.example/api" } },
        check: (r) => {
            equal(
                release(r, "dynamo-platform").values["dynamo-operator"].dynamo.metrics.prometheusEndpoint,
                "https://prom.example/api",
                "endpoint",
            );
            equal(r.stackOutputs().prometheusEndpointSource, "monitoringStack", "source");
        },
    },
    {
        name: "tags with spaces and the broadest private NFS source",
        stack: "eks",
        set: { "dynamo:eks": eks({ vpcCidr: "10.0.0.0/8", tags: { "Cost Center": "ML Platform" } }) },
        check: (r) => {
            equal(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.cidrIpv4, "10.0.0.0/8", "NFS source");
            equal(r.one("aws:efs/fileSystem:FileSystem").inputs.tags["Cost Center"], "ML Platform", "tag");
        },
    },
    {
        name: "shared address space as NFS source, uid and gid as numbers in quotes",
        stack: "eks",
        set: { "dynamo:eks": eks({ vpcCidr: "100.64.0.0/16" }), "dynamo:efs": { uid: "1000", gid: 1000, directoryPerms: "0750" } },
        check: (r) => {
            equal(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.cidrIpv4, "100.64.0.0/16", "NFS source");
            const parameters = storageClass(r, "efs").parameters;
            equal([parameters.uid, parameters.gid, parameters.directoryPerms], ["1000", "1000", "0750"], "access point");
        },
    },
    {
        name: "a KMS alias ARN and provisioned throughput",
        stack: "eks",
        set: {
            "dynamo:efs": {
                kmsKeyId: "arn:aws:kms:us-west-2:123456789012:alias/models",
                throughputMode: "provisioned",
                provisionedThroughputMibps: 256.5,
            },
        },
        check: (r) => {
            const fs = r.one("aws:efs/fileSystem:FileSystem").inputs;
            equal(
                [fs.kmsKeyId, fs.provisionedThroughputInMibps],
                ["arn:aws:kms:us-west-2:123456789012:alias/models", 256.5],
                "file system",
            );
        },
    },
    {
        name: "a cluster read from another stack",
        stack: "eks",
        set: { "dynamo:eks": { clusterStack: CLUSTER, installEbsCsiDriver: true } },
        stackOutputs: { [CLUSTER]: CLUSTER_OUTPUTS },
        check: (r) => {
            equal(
                r.one("aws:efs/mountTarget:MountTarget", "dynamo-efs-us-west-2a").inputs.subnetId,
                "subnet-0aaaaaaaaaaaaaaa1",
                "mount target",
            );
            equal(r.ofType("aws:eks/addon:Addon")[0].inputs.clusterName, "prod-gpu", "add-on cluster");
        },
    },
];
