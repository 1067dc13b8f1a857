/**
 * The Dynamo CRDs: the `dynamo-crds` chart (releases before 1.0) and the bundled
 * DynamoWorkerMetadata CRD that the published 0.9.0 CRDs chart is reported to lack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference } from "../core/charts";
import { PlatformSettings } from "../core/settings";

/** The CRDs every Dynamo Platform install must have (the product's verification list). */
export const EXPECTED_CRDS = [
    "dynamographdeployments.nvidia.com",
    "dynamographdeploymentrequests.nvidia.com",
    "dynamoworkermetadatas.nvidia.com",
];

export const CRDS_RELEASE_NAME = "dynamo-crds";
/** NVIDIA installs the CRDs chart into `default`; the release lives there, its CRDs are cluster-scoped. */
export const CRDS_RELEASE_NAMESPACE = "default";

/**
 * A schema node whose content the API server keeps as sent. Written with the key the API server
 * reads: the SDK's `x_kubernetes_preserve_unknown_fields` spelling is only a language binding name.
 */
const FREE_FORM_OBJECT = {
    type: "object",
    description: "The worker's discovery metadata, kept as published by the worker.",
    "x-kubernetes-preserve-unknown-fields": true,
} as k8s.types.input.apiextensions.v1.JSONSchemaProps;

/**
 * DynamoWorkerMetadata: one object per worker pod holding its raw discovery record. Written from
 * the facts of the upstream schema (group, names, `spec.data` as a free-form required object).
 */
export const WORKER_METADATA_CRD: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec = {
    group: "nvidia.com",
    scope: "Namespaced",
    names: {
        kind: "DynamoWorkerMetadata",
        listKind: "DynamoWorkerMetadataList",
        plural: "dynamoworkermetadatas",
        singular: "dynamoworkermetadata",
        shortNames: ["dwm"],
    },
    versions: [
        {
            name: "v1alpha1",
            served: true,
            storage: true,
            schema: {
                openAPIV3Schema: {
                    type: "object",
                    description: "Discovery record of one Dynamo worker pod.",
                    properties: {
                        apiVersion: { type: "string" },
                        kind: { type: "string" },
                        metadata: { type: "object" },
                        spec: {
                            type: "object",
                            required: ["data"],
                            properties: {
                                data: FREE_FORM_OBJECT,
                            },
                        },
                    },
                    required: ["spec"],
                },
            },
            additionalPrinterColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
        },
    ],
};

export interface InstalledCrds {
    /** The `dynamo-crds` release, absent for chart lines that ship CRDs in the platform chart. */
    release?: k8s.helm.v3.Release;
    /** The bundled DynamoWorkerMetadata CRD, applied after the chart. */
    workerMetadata?: k8s.apiextensions.v1.CustomResourceDefinitionPatch;
}

/**
 * Installs the CRDs chart and applies the bundled DynamoWorkerMetadata CRD.
 *
 * Both are retained on destroy unless `removeCrdsOnDestroy` is set: deleting a CRD deletes every
 * object of its kind, that is the user's DynamoGraphDeployments.
 */
export function installCrds(
    name: string,
    settings: PlatformSettings,
    chart: ChartReference | undefined,
    parent: pulumi.Resource,
): InstalledCrds {
    if (chart === undefined) {
        return {};
    }
    const retainOnDelete = !settings.removeCrdsOnDestroy;
    const release = new k8s.helm.v3.Release(
        `${name}-crds`,
        {
            name: CRDS_RELEASE_NAME,
            namespace: CRDS_RELEASE_NAMESPACE,
            ...chart,
            skipAwait: settings.skipAwait,
        },
        { parent, retainOnDelete },
    );
    if (!settings.chartLine.bundlesWorkerMetadataCrd) {
        return { release };
    }
    // A Patch is a server-side apply: it creates the CRD when the chart lacks it and co-owns it
    // when the chart has it, without the AlreadyExists error a plain create would raise. The Helm
    // ownership metadata lets a later chart version that does carry the CRD adopt it on upgrade.
    const workerMetadata = new k8s.apiextensions.v1.CustomResourceDefinitionPatch(
        `${name}-worker-metadata-crd`,
        {
            metadata: {
                name: "dynamoworkermetadatas.nvidia.com",
                labels: { "app.kubernetes.io/managed-by": "Helm" },
                annotations: {
                    "meta.helm.sh/release-name": CRDS_RELEASE_NAME,
                    "meta.helm.sh/release-namespace": CRDS_RELEASE_NAMESPACE,
                    "pulumi.com/patchForce": "true",
                },
            },
            spec: WORKER_METADATA_CRD,
        },
        // Deleting a Patch gives up its fields, which a CRD cannot lose (it must keep a storage
        // version). So it is never deleted on its own: kept by default, and removed by Helm with
        // the CRDs release on opt-in when the chart carries the CRD.
        { parent, dependsOn: [release], ...(retainOnDelete ? { retainOnDelete } : { deletedWith: release }) },
    );
    return { release, workerMetadata };
}
