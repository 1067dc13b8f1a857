/**
 * The Dynamo CRDs: the `dynamo-crds` chart (releases before 1.0) and the bundled
 * DynamoWorkerMetadata CRD that the published 0.9.0 CRDs chart is reported to lack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ChartReference, releaseOptions } from "../core/charts";
import { ownedLabels } from "../core/labels";
import { crdOwnerName, CRDS_RELEASE_NAME, CRDS_RELEASE_NAMESPACE, OPERATOR_CRD_KINDS } from "../core/names";
import { PlatformSettings } from "../core/settings/types";

/**
 * What Helm checks before it adopts an object it did not create into the `dynamo-crds` release;
 * objects without it make `helm install` fail with "invalid ownership metadata".
 */
export const CRDS_RELEASE_OWNERSHIP = {
    labels: { "app.kubernetes.io/managed-by": "Helm" },
    annotations: { "meta.helm.sh/release-name": CRDS_RELEASE_NAME, "meta.helm.sh/release-namespace": CRDS_RELEASE_NAMESPACE },
};

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
    /** What installs the `dynamo-crds` chart (in a hand-over run, the rendered chart and then the release); none for chart lines that ship CRDs in the platform chart. */
    installers: pulumi.Resource[];
    /** Known once every CRD of the chart is applied. */
    applied?: pulumi.Output<unknown>;
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

/** What a destroy does with the CRDs of a chart rendered by Pulumi. */
export type RenderedCrdsOnDestroy =
    /** `removeCrdsOnDestroy`: every CRD is deleted, waiting at most the teardown timeout. */
    | { kind: "delete"; timeoutSeconds: number }
    /** Every CRD is kept; with `handOver`, each gets the metadata Helm needs to adopt it into the `dynamo-crds` release. */
    | { kind: "keep"; handOver: boolean };

/**
 * How each CRD of a chart rendered by Pulumi is managed. Server-side apply with `patchForce` lets an
 * install adopt CRDs that a previous install left behind, with no manual step. Pulumi, not Helm,
 * decides what a destroy removes: the chart's `helm.sh/resource-policy: keep` covers five of its six
 * CRDs only, so either every CRD is retained or every one is deleted.
 */
export function crdTransform(onDestroy: RenderedCrdsOnDestroy): pulumi.ResourceTransform {
    return (args) => {
        if (args.type !== CRD_TYPE) {
            return undefined;
        }
        const props = withoutEmptyRequiredLists(args.props) as {
            metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
        };
        const metadata = props.metadata ?? {};
        const handOver = onDestroy.kind === "keep" && onDestroy.handOver;
        return {
            props: {
                ...props,
                metadata: {
                    ...metadata,
                    labels: { ...metadata.labels, ...(handOver ? CRDS_RELEASE_OWNERSHIP.labels : {}) },
                    annotations: {
                        ...metadata.annotations,
                        "pulumi.com/patchForce": "true",
                        ...(handOver ? CRDS_RELEASE_OWNERSHIP.annotations : {}),
                    },
                },
            },
            // A CRD whose objects keep finalizers never goes: the destroy fails after the timeout
            // instead of waiting Pulumi's ten minutes (`npm run teardown` first avoids both).
            opts: pulumi.mergeOptions(
                args.opts,
                onDestroy.kind === "delete"
                    ? { retainOnDelete: false, customTimeouts: { delete: `${onDestroy.timeoutSeconds}s` } }
                    : { retainOnDelete: true },
            ),
        };
    };
}

/**
 * The post-renderer that marks every CRD of the `dynamo-crds` release `keep`, as a path relative to
 * the project folder (where the engine starts the Kubernetes provider), so the Release's inputs are
 * the same on every machine and checkout. Found from this module, whether it runs from the sources,
 * the program's build or the package.
 */
export function keepCrdsPostRenderer(parent?: pulumi.Resource, from: string = __dirname): string {
    for (let folder = from; ; folder = path.dirname(folder)) {
        const candidate = path.join(folder, "postrender", "keep-crds.js");
        if (fs.existsSync(candidate)) {
            makeExecutable(candidate);
            return path.relative(process.cwd(), candidate);
        }
        if (folder === path.dirname(folder)) {
            throw new pulumi.ResourceError(`postrender/keep-crds.js not found above ${from}; the package is incomplete`, parent);
        }
    }
}

/** npm does not keep a file's mode in every install, and Helm executes the post-renderer. */
function makeExecutable(file: string): void {
    try {
        fs.accessSync(file, fs.constants.X_OK);
    } catch {
        fs.chmodSync(file, 0o755);
    }
}

/**
 * Installs the CRDs chart and applies the bundled DynamoWorkerMetadata CRD.
 *
 * By default the chart is a Helm release whose post-renderer marks every CRD `keep`, so a destroy
 * (`helm uninstall`) keeps all six and the next install adopts them: a preview then diffs one
 * release, not 1.5 MB of CRD schemas. CRDs that exist without a deployed `dynamo-crds` release
 * (from an install that rendered the chart, or from kubectl) are first handed over: the chart is
 * rendered once more, retained, adding Helm's ownership metadata, so that no CRD a state holds is
 * ever deleted. With `removeCrdsOnDestroy` the chart stays rendered by Pulumi (`helm.v4.Chart`),
 * whose destroy deletes each CRD within the teardown timeout and stops with a clear error on a
 * finalizer, where a Helm uninstall would drop its record and leave the stack unable to retry.
 */
export function installCrds(
    name: string,
    settings: PlatformSettings,
    chart: ChartReference | undefined,
    parent: pulumi.Resource,
): InstalledCrds {
    if (chart === undefined) {
        return { installers: [] };
    }
    const installed: InstalledCrds = settings.removeCrdsOnDestroy
        ? // A migration run to 1.x keeps the chart one last time, retained, so the next run can drop it.
          renderCrdsChart(
              name,
              chart,
              settings,
              settings.retiringCrdsChartVersion === undefined
                  ? { kind: "delete", timeoutSeconds: settings.teardownTimeoutSeconds }
                  : { kind: "keep", handOver: false },
              parent,
          )
        : installCrdsRelease(name, chart, settings, parent);
    if (!settings.chartLine.bundlesWorkerMetadataCrd) {
        return installed;
    }
    // A Patch is a server-side apply: it creates the CRD when the chart lacks it and co-owns it
    // when the chart has it, without the AlreadyExists error a plain create would raise. Helm's
    // ownership metadata lets the release of a later chart that has the CRD adopt it.
    const workerMetadata = new k8s.apiextensions.v1.CustomResourceDefinitionPatch(
        `${name}-worker-metadata-crd`,
        {
            metadata: {
                name: "dynamoworkermetadatas.nvidia.com",
                labels: CRDS_RELEASE_OWNERSHIP.labels,
                annotations: { "pulumi.com/patchForce": "true", ...CRDS_RELEASE_OWNERSHIP.annotations },
            },
            spec: WORKER_METADATA_CRD,
        },
        // Deleting a Patch gives up its fields, which a CRD cannot lose (it must keep a storage
        // version), so it is always retained; where the chart carries the CRD, the chart's copy is
        // what `removeCrdsOnDestroy` deletes.
        { parent, dependsOn: installed.installers, retainOnDelete: true },
    );
    return { ...installed, workerMetadata };
}

function installCrdsRelease(name: string, chart: ChartReference, settings: PlatformSettings, parent: pulumi.Resource): InstalledCrds {
    const handOver = settings.crdsHandOver ? renderCrdsChart(name, chart, settings, { kind: "keep", handOver: true }, parent) : undefined;
    const release = new k8s.helm.v3.Release(
        `${name}-crds`,
        {
            name: CRDS_RELEASE_NAME,
            namespace: CRDS_RELEASE_NAMESPACE,
            ...chart,
            postrender: keepCrdsPostRenderer(parent),
            skipAwait: settings.skipAwait,
            ...releaseOptions(settings.helmReleaseOptions),
        },
        { parent, dependsOn: handOver?.installers },
    );
    return { installers: [...(handOver?.installers ?? []), release], applied: release.status };
}

function renderCrdsChart(
    name: string,
    chart: ChartReference,
    settings: PlatformSettings,
    onDestroy: RenderedCrdsOnDestroy,
    parent: pulumi.Resource,
): InstalledCrds {
    const { repositoryOpts, ...reference } = chart;
    const rendered = new k8s.helm.v4.Chart(
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
        { parent, transforms: [crdTransform(onDestroy)] },
    );
    return { installers: [rendered], applied: rendered.resources };
}

/**
 * Who deletes the CRDs the operator applies (1.4 and later: its pod's `crd-apply`, on every start).
 * Helm never owned them and the operator never deletes them, so this stack makes them deletable by
 * Kubernetes' garbage collector: a rule-less ClusterRole, always present on these lines, is their
 * owner when `removeCrdsOnDestroy` is set (an ownerReference added by a server-side patch per CRD,
 * which the operator's forced apply leaves in place). Destroying the stack deletes the owner first,
 * while the operator still runs to clear its finalizers, in the foreground: the API server deletes
 * every owned CRD (and so every object of it) before the owner goes, and the destroy waits for that
 * up to the teardown timeout. Setting the option back to false deletes the patches, which gives the
 * ownerReferences up: the CRDs stay. Nothing is owned without the option, so a default destroy
 * deletes nothing.
 */
export function ownOperatorCrds(
    name: string,
    settings: PlatformSettings,
    namespace: pulumi.Input<string>,
    platformRelease: pulumi.Resource,
    parent: pulumi.Resource,
): k8s.rbac.v1.ClusterRole | undefined {
    const crds = settings.chartLine.operatorAppliedCrds;
    if (crds.length === 0) {
        return undefined;
    }
    const owner = new k8s.rbac.v1.ClusterRole(
        `${name}-crd-owner`,
        {
            metadata: {
                name: pulumi.output(namespace).apply(crdOwnerName),
                labels: ownedLabels(),
                annotations: { "pulumi.com/deletionPropagationPolicy": "foreground" },
            },
            // No rules: it grants nothing (an empty list would be dropped by the API server, a diff on every run).
        },
        // Deleted before the release, so that the operator still runs while the CRDs go.
        { parent, dependsOn: [platformRelease], customTimeouts: { delete: `${settings.teardownTimeoutSeconds}s` } },
    );
    if (!settings.removeCrdsOnDestroy) {
        return owner;
    }
    for (const crd of crds) {
        new k8s.apiextensions.v1.CustomResourceDefinitionPatch(
            `${name}-crd-owner-${crd.split(".")[0]}`,
            {
                metadata: {
                    name: crd,
                    ownerReferences: [
                        {
                            apiVersion: "rbac.authorization.k8s.io/v1",
                            kind: "ClusterRole",
                            name: owner.metadata.name,
                            uid: owner.metadata.uid,
                            blockOwnerDeletion: true,
                        },
                    ],
                },
                // The provider needs the group and kind of a CRD it patches; the values are the CRD's own.
                spec: { group: crd.slice(crd.indexOf(".") + 1), names: { kind: OPERATOR_CRD_KINDS[crd] } },
            },
            // The CRDs exist once the release is ready: the operator pod's init container applied them.
            // A destroy deletes the owner, and through it the CRDs: the patch itself is not undone.
            { parent, dependsOn: [platformRelease], deletedWith: owner },
        );
    }
    return owner;
}
