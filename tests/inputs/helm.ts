/**
 * `dynamo:helmValues`, `dynamo:helmReleaseOptions` and `dynamo:skipAwait`: what reaches the charts and
 * Helm beside the typed keys.
 */
import { bad, equal, InputGroup, NFS, release } from "./cases";

export const HELM_INPUTS: InputGroup = {
    keys: ["dynamo:helmValues", "dynamo:helmReleaseOptions", "dynamo:skipAwait"],
    bad: [
        bad("type", "k8s", "helm values as a list", { "dynamo:helmValues": [{ etcd: {} }] }, "dynamo:helmValues", "a map of chart values"),
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
            "a chart name override the operator cannot follow",
            { "dynamo:helmValues": { fullnameOverride: "dynamo" } },
            "dynamo:helmValues.fullnameOverride",
            "no override of the chart's full name",
        ),
        bad(
            "cross-key",
            "k8s",
            "a 1.2+ switch on a 0.9 release",
            { "dynamo:releaseVersion": "0.9.0-post1", "dynamo:helmValues": { global: { etcd: { install: false } } } },
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
        bad(
            "cross-key",
            "k8s",
            "an operator that applies the CRDs without owning their API",
            { "dynamo:helmValues": { "dynamo-operator": { apiOwnership: { enabled: false } } } },
            "dynamo:helmValues.dynamo-operator.apiOwnership.enabled",
            "true (the chart's default) while the operator applies the CRDs",
        ),
    ],
    valid: [
        {
            name: "an operator that neither applies nor owns the CRDs",
            stack: "k8s",
            set: { "dynamo:helmValues": { "dynamo-operator": { upgradeCRD: false, apiOwnership: { enabled: false } } } },
            check: (r) => equal(release(r, "dynamo-platform").values["dynamo-operator"].apiOwnership, { enabled: false }, "ownership"),
        },
        {
            name: "helm values with a digest-pinned image and a chart-default tag",
            stack: "k8s",
            set: {
                "dynamo:helmValues": {
                    etcd: { image: { repository: "bitnamilegacy/etcd", tag: "" } },
                    extra: { image: "busybox@sha256:abc" },
                },
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
    ],
};
