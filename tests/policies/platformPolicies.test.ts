import { strict as assert } from "assert";
import {
    crdsVersionMatchesPlatform,
    discoveryBackendEtcd,
    dynamoChartVersionPinned,
    platformAfterCrdsAndStorage,
    platformReleaseName,
} from "../../policies/platformPolicies";
import { policyResource, resourceArgs, stackArgs, violations } from "./policyHarness";
import { T } from "../types";

function platform(props: Record<string, any> = {}) {
    return {
        name: "dynamo-platform",
        chart: "dynamo-platform",
        version: "0.9.1",
        values: { "dynamo-operator": { discoveryBackend: "etcd" }, etcd: { persistence: { storageClass: "local-path" } } },
        ...props,
    };
}

describe("platform policies", () => {
    describe("dynamo-discovery-backend-etcd (advisory)", () => {
        it("passes etcd", async () => assert.deepEqual(await violations(discoveryBackendEtcd, resourceArgs(T.release, platform())), []));
        it("reports kubernetes with the KVBM reason", async () => {
            const found = await violations(
                discoveryBackendEtcd,
                resourceArgs(T.release, platform({ values: { "dynamo-operator": { discoveryBackend: "kubernetes" } } })),
            );
            assert.equal(found.length, 1);
            assert.match(found[0].message, /"kubernetes".*KVBM/);
        });
        it("reports the chart default when unset", async () => {
            const found = await violations(discoveryBackendEtcd, resourceArgs(T.release, platform({ values: {} })));
            assert.match(found[0].message, /chart default/);
        });
        it("recognises the chart from a local archive path", async () => {
            const found = await violations(
                discoveryBackendEtcd,
                resourceArgs(T.release, platform({ chart: "/mirror/dynamo-platform-0.9.1.tgz", values: {} })),
            );
            assert.equal(found.length, 1);
        });
        it("ignores other charts", async () =>
            assert.deepEqual(await violations(discoveryBackendEtcd, resourceArgs(T.release, { chart: "ingress-nginx", values: {} })), []));
        it("leaves Kubernetes discovery alone from 1.4, where it is the chart's own default", async () => {
            const kubernetes = { values: { "dynamo-operator": { discoveryBackend: "kubernetes" } } };
            for (const version of ["1.4.0", "1.6.1"]) {
                assert.deepEqual(await violations(discoveryBackendEtcd, resourceArgs(T.release, platform({ version, ...kubernetes }))), []);
            }
            assert.equal(
                (await violations(discoveryBackendEtcd, resourceArgs(T.release, platform({ version: "1.3.1", ...kubernetes })))).length,
                1,
            );
        });
        it("is advisory", () => assert.equal(discoveryBackendEtcd.enforcementLevel, "advisory"));
    });

    describe("dynamo-platform-release-name (mandatory)", () => {
        it("passes dynamo-platform", async () =>
            assert.deepEqual(await violations(platformReleaseName, resourceArgs(T.release, platform())), []));
        it("reports another name", async () => {
            const found = await violations(platformReleaseName, resourceArgs(T.release, platform({ name: "dynamo" })));
            assert.match(found[0].message, /"dynamo".*dynamo-platform-etcd/);
        });
    });

    describe("dynamo-chart-version-pinned (mandatory)", () => {
        for (const version of ["0.9.1", "0.9.0-post1", "1.2.0"]) {
            it(`passes ${version}`, async () =>
                assert.deepEqual(await violations(dynamoChartVersionPinned, resourceArgs(T.release, platform({ version }))), []));
        }
        for (const version of [undefined, "", "^0.9.0", "~0.9", "0.9.x", ">=0.9.0", "latest"]) {
            it(`reports ${JSON.stringify(version)}`, async () => {
                const found = await violations(dynamoChartVersionPinned, resourceArgs(T.release, { ...platform(), version }));
                assert.equal(found.length, 1);
            });
        }
        it("checks the CRDs chart too", async () => {
            const found = await violations(
                dynamoChartVersionPinned,
                resourceArgs(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.9" }),
            );
            assert.match(found[0].message, /dynamo-crds/);
        });
    });

    describe("dynamo-crds-version-matches-platform (mandatory, stack)", () => {
        it("passes the base version of a -postN release", async () => {
            const resources = [
                policyResource(T.release, platform({ version: "0.9.0-post1" }), "p"),
                policyResource(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.9.0" }, "c"),
            ];
            assert.deepEqual(await violations(crdsVersionMatchesPlatform, stackArgs(resources)), []);
        });
        it("reports a mismatch, naming the CRDs release", async () => {
            const crds = policyResource(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.9.0-post1" }, "c");
            const found = await violations(
                crdsVersionMatchesPlatform,
                stackArgs([policyResource(T.release, platform({ version: "0.9.0-post1" }), "p"), crds]),
            );
            assert.equal(found.length, 1);
            assert.equal(found[0].urn, crds.urn);
            assert.match(found[0].message, /never -postN/);
        });
        it("passes the supported crdsVersion override: newer CRDs of the same minor line", async () => {
            const resources = [
                policyResource(T.release, platform({ version: "0.9.0" }), "p"),
                policyResource(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.9.1" }, "c"),
            ];
            assert.deepEqual(await violations(crdsVersionMatchesPlatform, stackArgs(resources)), []);
        });
        it("reports CRDs of another minor line, naming the line", async () => {
            const found = await violations(
                crdsVersionMatchesPlatform,
                stackArgs([
                    policyResource(T.release, platform({ version: "0.9.1" }), "p"),
                    policyResource(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.8.1" }, "c"),
                ]),
            );
            assert.equal(found.length, 1);
            assert.match(found[0].message, /on the platform's 0\.9 line \(default 0\.9\.1\)/);
        });
    });

    describe("dynamo-platform-after-crds-and-storage (mandatory, stack)", () => {
        const crds = policyResource(T.release, { chart: "dynamo-crds", name: "dynamo-crds", version: "0.9.1" }, "crds");
        const modelCache = policyResource(
            T.storageClass,
            { metadata: { name: "nfs", labels: { "dynamo.nvidia.com/storage-role": "model-cache" } }, provisioner: "nfs.csi.k8s.io" },
            "nfs",
        );
        const localPath = policyResource(T.storageClass, { metadata: { name: "local-path" }, provisioner: "rancher.io/local-path" }, "lp");
        const unrelated = policyResource(
            T.storageClass,
            { metadata: { name: "scratch" }, provisioner: "rancher.io/local-path" },
            "scratch",
        );

        it("passes when the platform depends on all of them", async () => {
            const resources = [
                crds,
                modelCache,
                localPath,
                unrelated,
                policyResource(T.release, platform(), "p", [crds, modelCache, localPath]),
            ];
            assert.deepEqual(await violations(platformAfterCrdsAndStorage, stackArgs(resources)), []);
        });
        it("reports each missing dependency", async () => {
            const resources = [crds, modelCache, localPath, policyResource(T.release, platform(), "p", [modelCache])];
            const found = await violations(platformAfterCrdsAndStorage, stackArgs(resources));
            assert.equal(found.length, 2);
            assert.match(found[0].message, /dynamo-crds/);
            assert.match(found[1].message, /local-path/);
        });
    });
});
