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

/** The release name the CRDs chart is rendered under, as NVIDIA's guide installs it. */
export const CRDS_RELEASE_NAME = "dynamo-crds";
/** NVIDIA installs the CRDs chart into `default`; only the rendering sees it, the CRDs are cluster-scoped. */
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
    /** The `dynamo-crds` chart, absent for chart lines that ship CRDs in the platform chart. */
    chart?: k8s.helm.v4.Chart;
    /** The bundled DynamoWorkerMetadata CRD, applied after the chart. */
    workerMetadata?: k8s.apiextensions.v1.CustomResourceDefinitionPatch;
}

const CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

/**
 * The schema without its empty `required: []` lists. The API server drops them, so an applied CRD
 * that keeps them differs from what the server stores and Pulumi would report a change on every run.
 */
export function withoutEmptyRequiredLists(node: unknown): unknown {
    if (Array.isArray(node)) {
        return node.map(withoutEmptyRequiredLists);
    }
    if (typeof node !== "object" || node === null) {
        return node;
    }
    return Object.fromEntries(
        Object.entries(node)
            .filter(([key, value]) => !(key === "required" && Array.isArray(value) && value.length === 0))
            .map(([key, value]) => [key, withoutEmptyRequiredLists(value)]),
    );
}

/**
 * How each CRD of the chart is managed. Server-side apply with `patchForce` lets an install adopt
 * CRDs that a previous install left behind (the default destroy keeps them), with no manual step.
 * Pulumi, not Helm, decides what a destroy removes: the chart's `helm.sh/resource-policy: keep`
 * covers five of its six CRDs only, so every CRD is retained unless `removeCrdsOnDestroy` is set,
 * and then every one is deleted.
 */
export function crdTransform(removeCrdsOnDestroy: boolean, deleteTimeoutSeconds: number): pulumi.ResourceTransform {
    return (args) => {
        if (args.type !== CRD_TYPE) {
            return undefined;
        }
        const props = withoutEmptyRequiredLists(args.props) as { metadata?: { annotations?: Record<string, string> } };
        const metadata = props.metadata ?? {};
        return {
            props: { ...props, metadata: { ...metadata, annotations: { ...metadata.annotations, "pulumi.com/patchForce": "true" } } },
            // A CRD whose objects keep finalizers never goes: the destroy fails after the timeout
            // instead of waiting Pulumi's ten minutes (`npm run teardown` first avoids both).
            opts: pulumi.mergeOptions(
                args.opts,
                removeCrdsOnDestroy
                    ? { retainOnDelete: false, customTimeouts: { delete: `${deleteTimeoutSeconds}s` } }
                    : { retainOnDelete: true },
            ),
        };
    };
}

/**
 * Installs the CRDs chart and applies the bundled DynamoWorkerMetadata CRD.
 *
 * The chart is rendered by Pulumi (`helm.v4.Chart`) rather than installed as a Helm release: a
 * release kept on destroy blocks the next install under its name, and a release uninstalled by Helm
 * deletes the one CRD the chart does not mark `keep`, that is every worker's discovery record.
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
    const { repositoryOpts, ...reference } = chart;
    const crdsChart = new k8s.helm.v4.Chart(
        `${name}-crds`,
        {
            name: CRDS_RELEASE_NAME,
            namespace: CRDS_RELEASE_NAMESPACE,
            ...reference,
            // Unlike a Release, a v4 Chart takes the CA file as an asset, not as a path.
            ...(repositoryOpts
                ? {
                      repositoryOpts: {
                          ...repositoryOpts,
                          ...(repositoryOpts.caFile ? { caFile: new pulumi.asset.FileAsset(repositoryOpts.caFile) } : {}),
                      },
                  }
                : {}),
            skipAwait: settings.skipAwait,
        },
        // A migration run to 1.x keeps the chart one last time, retained, so the next run can drop it.
        {
            parent,
            transforms: [
                crdTransform(
                    settings.removeCrdsOnDestroy && settings.retiringCrdsChartVersion === undefined,
                    settings.teardownTimeoutSeconds,
                ),
            ],
        },
    );
    if (!settings.chartLine.bundlesWorkerMetadataCrd) {
        return { chart: crdsChart };
    }
    // A Patch is a server-side apply: it creates the CRD when the chart lacks it and co-owns it
    // when the chart has it, without the AlreadyExists error a plain create would raise.
    const workerMetadata = new k8s.apiextensions.v1.CustomResourceDefinitionPatch(
        `${name}-worker-metadata-crd`,
        {
            metadata: {
                name: "dynamoworkermetadatas.nvidia.com",
                annotations: { "pulumi.com/patchForce": "true" },
            },
            spec: WORKER_METADATA_CRD,
        },
        // Deleting a Patch gives up its fields, which a CRD cannot lose (it must keep a storage
        // version), so it is always retained; where the chart carries the CRD, the chart's copy is
        // what `removeCrdsOnDestroy` deletes.
        { parent, dependsOn: [crdsChart], retainOnDelete: true },
    );
    return { chart: crdsChart, workerMetadata };
}
