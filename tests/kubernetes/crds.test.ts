import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import {
    CRDS_RELEASE_OWNERSHIP,
    crdTransform,
    keepCrdsPostRenderer,
    RenderedCrdsOnDestroy,
    withoutEmptyRequiredLists,
} from "../../components/kubernetes/crds";
import { CRDS_CHART_CRDS } from "../../components/core/names";

const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

const KEEP: RenderedCrdsOnDestroy = { kind: "keep", handOver: false };
const DELETE: RenderedCrdsOnDestroy = { kind: "delete", timeoutSeconds: 90 };

function transformed(onDestroy: RenderedCrdsOnDestroy, type: string, props: Record<string, any>) {
    return crdTransform(onDestroy)({ type, name: "dynamo-crds:x", props, opts: {}, custom: true }) as
        { props: Record<string, any>; opts: pulumi.CustomResourceOptions } | undefined;
}

const chartCrd = {
    metadata: { name: "dynamographdeployments.nvidia.com", annotations: { "helm.sh/resource-policy": "keep" } },
    spec: { versions: [{ schema: { openAPIV3Schema: { properties: { spec: { required: [], type: "object" } }, required: ["spec"] } } }] },
};

describe("CRDs chart transform", () => {
    it("keeps every CRD on destroy by default and adopts a kept one by server-side apply", () => {
        const result = transformed(KEEP, CRD, chartCrd)!;
        assert.equal(result.opts.retainOnDelete, true);
        assert.equal(result.props.metadata.annotations["pulumi.com/patchForce"], "true");
        assert.equal(result.props.metadata.annotations["helm.sh/resource-policy"], "keep", "the chart's own annotations stay");
    });

    it("deletes every CRD, whatever the chart's keep policy, when removeCrdsOnDestroy is set, within the teardown timeout", () => {
        const opts = transformed(DELETE, CRD, chartCrd)!.opts;
        assert.equal(opts.retainOnDelete, false);
        assert.deepEqual(opts.customTimeouts, { delete: "90s" });
        assert.equal(transformed(KEEP, CRD, chartCrd)!.opts.customTimeouts, undefined);
    });

    it("hands a kept CRD over to the dynamo-crds release with the ownership metadata Helm checks, and only then", () => {
        const handedOver = transformed({ kind: "keep", handOver: true }, CRD, chartCrd)!;
        assert.equal(handedOver.opts.retainOnDelete, true);
        assert.deepEqual(handedOver.props.metadata.labels, { "app.kubernetes.io/managed-by": "Helm" });
        assert.equal(handedOver.props.metadata.annotations["meta.helm.sh/release-name"], "dynamo-crds");
        assert.equal(handedOver.props.metadata.annotations["meta.helm.sh/release-namespace"], "default");
        assert.equal(handedOver.props.metadata.annotations["helm.sh/resource-policy"], "keep");
        for (const onDestroy of [KEEP, DELETE]) {
            const metadata = transformed(onDestroy, CRD, chartCrd)!.props.metadata;
            assert.deepEqual(metadata.labels, {}, onDestroy.kind);
            assert.ok(!Object.keys(metadata.annotations).some((key) => key in CRDS_RELEASE_OWNERSHIP.annotations), onDestroy.kind);
        }
    });

    it("leaves resources other than CRDs alone", () => {
        assert.equal(transformed(KEEP, "kubernetes:core/v1:ConfigMap", { metadata: { name: "x" } }), undefined);
    });

    it("drops empty required lists, which the API server does not store, and keeps the others", () => {
        const schema = transformed(KEEP, CRD, chartCrd)!.props.spec.versions[0].schema.openAPIV3Schema;
        assert.deepEqual(schema.required, ["spec"]);
        assert.deepEqual(schema.properties.spec, { type: "object" });
        assert.deepEqual(withoutEmptyRequiredLists([{ required: [] }, "required"]), [{}, "required"]);
    });
});

const SHARED_CHARTS = path.resolve(__dirname, "../../../shared/charts");

/** The rendered templates of a real `dynamo-crds` chart archive (they hold no template directives). */
function chartTemplates(version: string): string {
    const archive = path.join(SHARED_CHARTS, `dynamo-crds-${version}.tgz`);
    return execFileSync("tar", ["-xzOf", archive, "dynamo-crds/templates"], { encoding: "utf8", maxBuffer: 64 << 20 });
}

type Document = { kind: string; metadata: { name: string; annotations?: Record<string, string> } };

describe("the dynamo-crds release's post-renderer", () => {
    it("names every CRD the real 0.9.0 and 0.9.1 charts render (0.9.0's archive here has DynamoWorkerMetadata too)", () => {
        const names = (version: string) =>
            (yaml.loadAll(chartTemplates(version)) as Document[])
                .filter((d) => d?.kind === "CustomResourceDefinition")
                .map((d) => d.metadata.name);
        assert.deepEqual(names("0.9.1").sort(), [...CRDS_CHART_CRDS].sort());
        assert.deepEqual(names("0.9.0").sort(), [...CRDS_CHART_CRDS].sort());
    });

    it("is found as a path relative to the project folder, executable, and marks every CRD of the real chart keep, changing nothing else", () => {
        const postRenderer = keepCrdsPostRenderer();
        assert.equal(postRenderer, path.join("postrender", "keep-crds.js"));
        fs.accessSync(postRenderer, fs.constants.X_OK);
        const templates = chartTemplates("0.9.1");
        // Run as Helm runs it: the file itself, the manifest on stdin.
        const rendered = yaml.loadAll(
            execFileSync(path.resolve(postRenderer), { input: templates, encoding: "utf8", maxBuffer: 64 << 20 }),
        ) as Document[];
        const original = (yaml.loadAll(templates) as Document[]).filter((d) => d !== null);
        assert.equal(rendered.length, 6);
        assert.ok(
            original.some((d) => d.metadata.annotations?.["helm.sh/resource-policy"] === undefined),
            "the chart itself leaves one CRD unmarked",
        );
        for (const [index, document] of rendered.entries()) {
            assert.equal(document.metadata.annotations?.["helm.sh/resource-policy"], "keep", document.metadata.name);
            const withoutAnnotations = (d: Document) => ({ ...d, metadata: { ...d.metadata, annotations: undefined } });
            assert.deepEqual(withoutAnnotations(document), withoutAnnotations(original[index]));
            assert.deepEqual(
                { ...document.metadata.annotations, "helm.sh/resource-policy": undefined },
                { ...original[index].metadata.annotations, "helm.sh/resource-policy": undefined },
            );
        }
    });

    it("fails clearly when the package lacks it", () => {
        assert.throws(() => keepCrdsPostRenderer(undefined, os.tmpdir()), /postrender\/keep-crds\.js not found above/);
    });
});
