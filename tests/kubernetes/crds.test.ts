import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { crdTransform, withoutEmptyRequiredLists } from "../../components/kubernetes/crds";

const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

function transformed(removeCrdsOnDestroy: boolean, type: string, props: Record<string, any>) {
    return crdTransform(removeCrdsOnDestroy, 90)({ type, name: "dynamo-crds:x", props, opts: {}, custom: true }) as
        { props: Record<string, any>; opts: pulumi.CustomResourceOptions } | undefined;
}

const chartCrd = {
    metadata: { name: "dynamographdeployments.nvidia.com", annotations: { "helm.sh/resource-policy": "keep" } },
    spec: { versions: [{ schema: { openAPIV3Schema: { properties: { spec: { required: [], type: "object" } }, required: ["spec"] } } }] },
};

describe("CRDs chart transform", () => {
    it("keeps every CRD on destroy by default and adopts a kept one by server-side apply", () => {
        const result = transformed(false, CRD, chartCrd)!;
        assert.equal(result.opts.retainOnDelete, true);
        assert.equal(result.props.metadata.annotations["pulumi.com/patchForce"], "true");
        assert.equal(result.props.metadata.annotations["helm.sh/resource-policy"], "keep", "the chart's own annotations stay");
    });

    it("deletes every CRD, whatever the chart's keep policy, when removeCrdsOnDestroy is set, within the teardown timeout", () => {
        const opts = transformed(true, CRD, chartCrd)!.opts;
        assert.equal(opts.retainOnDelete, false);
        assert.deepEqual(opts.customTimeouts, { delete: "90s" });
        assert.equal(transformed(false, CRD, chartCrd)!.opts.customTimeouts, undefined);
    });

    it("leaves resources other than CRDs alone", () => {
        assert.equal(transformed(false, "kubernetes:core/v1:ConfigMap", { metadata: { name: "x" } }), undefined);
    });

    it("drops empty required lists, which the API server does not store, and keeps the others", () => {
        const schema = transformed(false, CRD, chartCrd)!.props.spec.versions[0].schema.openAPIV3Schema;
        assert.deepEqual(schema.required, ["spec"]);
        assert.deepEqual(schema.properties.spec, { type: "object" });
        assert.deepEqual(withoutEmptyRequiredLists([{ required: [] }, "required"]), [{}, "required"]);
    });
});
