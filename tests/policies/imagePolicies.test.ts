import { strict as assert } from "assert";
import { noLatestImageTags } from "../../policies/imagePolicies";
import { resourceArgs, violations } from "./policyHarness";

describe("image policies", () => {
    describe("no-latest-image-tags (mandatory)", () => {
        const deployment = (image: string) => ({ spec: { template: { spec: { containers: [{ name: "c", image }] } } } });

        it("passes pinned workloads", async () =>
            assert.deepEqual(
                await violations(
                    noLatestImageTags,
                    resourceArgs("kubernetes:apps/v1:Deployment", deployment("rancher/local-path-provisioner:v0.0.37")),
                ),
                [],
            ));
        it("reports latest and untagged workload images", async () => {
            assert.equal(
                (await violations(noLatestImageTags, resourceArgs("kubernetes:apps/v1:Deployment", deployment("app:latest")))).length,
                1,
            );
            const job = {
                spec: {
                    jobTemplate: {
                        spec: { template: { spec: { initContainers: [{ image: "busybox" }], containers: [{ image: "a:1" }] } } },
                    },
                },
            };
            const found = await violations(noLatestImageTags, resourceArgs("kubernetes:batch/v1:CronJob", job));
            assert.match(found[0].message, /busybox/);
        });
        it("reads images inside ConfigMap templates", async () => {
            const data = { "helperPod.yaml": "spec:\n  containers:\n    - name: helper\n      image: docker.io/library/busybox\n" };
            const found = await violations(noLatestImageTags, resourceArgs("kubernetes:core/v1:ConfigMap", { data }));
            assert.match(found[0].message, /docker\.io\/library\/busybox/);
            const pinned = { "helperPod.yaml": "      image: docker.io/library/busybox:1.37.0\n" };
            assert.deepEqual(await violations(noLatestImageTags, resourceArgs("kubernetes:core/v1:ConfigMap", { data: pinned })), []);
        });
        it("reports latest tags in Helm values", async () => {
            const values = {
                webhook: { certGenerator: { image: { repository: "bitnami/kubectl", tag: "latest" } } },
                sidecar: { image: "x:latest" },
            };
            const found = await violations(noLatestImageTags, resourceArgs("kubernetes:helm.sh/v3:Release", { chart: "any", values }));
            assert.match(found[0].message, /values\.webhook\.certGenerator\.image\.tag, values\.sidecar\.image/);
        });
        it("passes Helm values without latest", async () =>
            assert.deepEqual(
                await violations(noLatestImageTags, resourceArgs("kubernetes:helm.sh/v3:Release", { values: { image: { tag: "1.0" } } })),
                [],
            ));
    });
});
