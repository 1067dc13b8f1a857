import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { DiscoveryBackend, Profile } from "../../components/core/args";
import { placementValues } from "../../components/core/placement";
import { buildPlatformValues, PlatformValuesInput } from "../../components/core/values";
import { chartLineFor, parseReleaseVersion } from "../../components/core/versions";
import { GPU_TOLERATION } from "../../components/core/settings/tolerations";
import { Values, deepMerge } from "../../components/core/valueTree";

function input(release: string, overrides: Partial<PlatformValuesInput> = {}): PlatformValuesInput {
    return {
        chartLine: chartLineFor(parseReleaseVersion(release)!),
        groveEnabled: true,
        kaiSchedulerEnabled: true,
        discoveryBackend: DiscoveryBackend.Etcd,
        persistenceStorageClass: "local-path",
        tolerations: [GPU_TOLERATION],
        imagePullSecretNames: [],
        placement: placementValues({ profile: Profile.Dev }),
        ...overrides,
    };
}

function at(values: Values, dotted: string): unknown {
    return dotted.split("/").reduce<unknown>((node, key) => (node as Values | undefined)?.[key], values);
}

/** Every leaf path of a values tree, lists counted as leaves. */
function leafPaths(values: Values, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) =>
        typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
            ? leafPaths(value as Values, `${prefix}${key}/`)
            : [`${prefix}${key}`],
    );
}

describe("values", () => {
    describe("deepMerge", () => {
        it("merges objects, replaces lists and keeps null", () => {
            const merged = deepMerge({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3], e: null }, f: true });
            assert.deepEqual(merged, { a: { b: 1, c: [3], e: null }, d: "x", f: true });
        });
        it("does not modify its inputs", () => {
            const base = { a: { b: 1 } };
            deepMerge(base, { a: { b: 2 } });
            assert.deepEqual(base, { a: { b: 1 } });
        });
    });

    describe("0.9.x chart line", () => {
        for (const release of ["0.9.0", "0.9.0-post1", "0.9.1"]) {
            it(`${release}: top-level subchart switches and operator settings`, () => {
                const values = buildPlatformValues(input(release, { prometheusEndpoint: "http://prom.monitoring:9090" }));
                assert.equal(at(values, "etcd/enabled"), true);
                assert.equal(at(values, "nats/enabled"), true);
                assert.equal(at(values, "grove/enabled"), true);
                assert.equal(at(values, "kai-scheduler/enabled"), true);
                assert.equal(at(values, "global"), undefined);
                assert.equal(at(values, "dynamo-operator/discoveryBackend"), "etcd");
                assert.equal(at(values, "dynamo-operator/dynamo/metrics/prometheusEndpoint"), "http://prom.monitoring:9090");
                assert.equal(at(values, "prometheusEndpoint"), undefined, "the top-level key of the docs is not read by the operator");
                assert.equal(at(values, "etcd/persistence/storageClass"), "local-path");
                assert.equal(at(values, "nats/config/jetstream/fileStore/pvc/storageClassName"), "local-path");
            });
        }

        it("0.9.0 forces operator image tag 0.9.0; later releases keep the chart's", () => {
            assert.equal(at(buildPlatformValues(input("0.9.0")), "dynamo-operator/controllerManager/manager/image/tag"), "0.9.0");
            assert.equal(at(buildPlatformValues(input("0.9.0-post1")), "dynamo-operator/controllerManager/manager"), undefined);
            assert.equal(at(buildPlatformValues(input("0.9.1")), "dynamo-operator/controllerManager/manager"), undefined);
        });

        it("keeps etcd installed with kubernetes discovery (0.9 workloads store state in etcd)", () => {
            const values = buildPlatformValues(input("0.9.1", { discoveryBackend: DiscoveryBackend.Kubernetes }));
            assert.equal(at(values, "etcd/enabled"), true);
            assert.equal(at(values, "dynamo-operator/discoveryBackend"), "kubernetes");
        });

        it("switches Grove and KAI off", () => {
            const values = buildPlatformValues(input("0.9.1", { groveEnabled: false, kaiSchedulerEnabled: false }));
            assert.deepEqual(at(values, "grove"), { enabled: false });
            assert.deepEqual(at(values, "kai-scheduler"), { enabled: false });
        });
    });

    describe("1.x chart lines", () => {
        it("1.0.x/1.1.x: global install switches, NATS still nats.enabled", () => {
            const values = buildPlatformValues(input("1.0.1"));
            assert.deepEqual(at(values, "global"), {
                etcd: { install: true },
                grove: { install: true, enabled: true },
                "kai-scheduler": { install: true, enabled: true },
            });
            assert.equal(at(values, "nats/enabled"), true);
            assert.equal(at(values, "etcd/enabled"), undefined);
            assert.equal(at(values, "grove/enabled"), undefined);
        });

        it("1.2.0+: every switch under global and none of the keys the chart rejects", () => {
            const values = buildPlatformValues(input("1.3.0"));
            assert.deepEqual(at(values, "global/nats"), { install: true });
            for (const removed of [
                "nats/enabled",
                "etcd/enabled",
                "grove/enabled",
                "kai-scheduler/enabled",
                "dynamo-operator/nats/enabled",
            ]) {
                assert.equal(at(values, removed), undefined, removed);
            }
        });

        it("from 1.4, installs NATS only when asked, as the chart itself does, and then with its volume and tolerations", () => {
            const without = buildPlatformValues(input("1.4.0", { discoveryBackend: DiscoveryBackend.Kubernetes }));
            assert.deepEqual([at(without, "global/nats"), at(without, "global/etcd")], [{ install: false }, { install: false }]);
            assert.equal(at(without, "nats"), undefined, "no NATS values for a NATS that is not installed");
            const asked = buildPlatformValues(input("1.5.0", { discoveryBackend: DiscoveryBackend.Kubernetes, installNats: true }));
            assert.deepEqual(at(asked, "global/nats"), { install: true });
            assert.equal(at(asked, "nats/config/jetstream/fileStore/pvc/storageClassName"), "local-path");
            assert.deepEqual(at(asked, "nats/podTemplate/merge/spec/tolerations"), [GPU_TOLERATION]);
            assert.deepEqual(at(buildPlatformValues(input("1.3.0", { installNats: false })), "global/nats"), { install: false });
        });

        it("skips etcd with kubernetes discovery", () => {
            const values = buildPlatformValues(input("1.2.0", { discoveryBackend: DiscoveryBackend.Kubernetes }));
            assert.deepEqual(at(values, "global/etcd"), { install: false });
            assert.equal(at(values, "etcd"), undefined);
        });
    });

    it("enables an existing Grove and KAI without installing them (1.x), with none of their subchart values", () => {
        const values = buildPlatformValues(input("1.5.0", { installGrove: false, installKaiScheduler: false }));
        assert.deepEqual(at(values, "global/grove"), { install: false, enabled: true });
        assert.deepEqual(at(values, "global/kai-scheduler"), { install: false, enabled: true });
        assert.equal(values.grove, undefined);
        assert.equal(values["kai-scheduler"], undefined);
    });

    it("keeps the CRDs following the operator from 1.0 (upgradeCRD), and leaves the key out on 0.9.x", () => {
        assert.equal(at(buildPlatformValues(input("1.0.1")), "dynamo-operator/upgradeCRD"), true);
        assert.equal(at(buildPlatformValues(input("1.7.0")), "dynamo-operator/upgradeCRD"), true);
        assert.equal(at(buildPlatformValues(input("0.9.1")), "dynamo-operator/upgradeCRD"), undefined);
    });

    it("turns KAI's staleness grace period off from 1.5, only when Grove and KAI are both bundled", () => {
        const key = "kai-scheduler/scheduler/args/default-staleness-grace-period";
        assert.equal(at(buildPlatformValues(input("1.5.0")), key), "-1s");
        assert.equal(at(buildPlatformValues(input("1.7.0")), key), "-1s");
        assert.equal(at(buildPlatformValues(input("1.4.0")), key), undefined);
        assert.equal(at(buildPlatformValues(input("1.5.0", { groveEnabled: false })), key), undefined);
    });

    it("tolerates GPU taints on every platform pod", () => {
        const values = buildPlatformValues(input("0.9.1"));
        const expected = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }];
        for (const key of [
            "dynamo-operator/controllerManager/tolerations",
            "etcd/tolerations",
            "nats/podTemplate/merge/spec/tolerations",
            "grove/tolerations",
            "kai-scheduler/global/tolerations",
        ]) {
            assert.deepEqual(at(values, key), expected, key);
        }
    });

    it("sets ingress, pull secrets and leaves the Prometheus key out when there is none", () => {
        const values = buildPlatformValues(input("0.9.1", { ingress: { className: "nginx" }, imagePullSecretNames: ["nvcr"] }));
        assert.deepEqual(at(values, "dynamo-operator/dynamo/ingress"), { enabled: true, className: "nginx", tlsSecretName: null });
        assert.deepEqual(at(values, "dynamo-operator/imagePullSecrets"), [{ name: "nvcr" }]);
        assert.equal(at(values, "dynamo-operator/dynamo/metrics"), undefined);
    });

    it("merges helmValues last, over the built values", () => {
        const values = buildPlatformValues(
            input("0.9.0", {
                overrides: {
                    "dynamo-operator": { controllerManager: { manager: { image: { tag: "custom" } } } },
                    etcd: { replicaCount: 3 },
                },
            }),
        );
        assert.equal(at(values, "dynamo-operator/controllerManager/manager/image/tag"), "custom");
        assert.equal(at(values, "etcd/replicaCount"), 3);
        assert.equal(at(values, "etcd/persistence/storageClass"), "local-path");
    });

    describe("keys exist in the upstream chart values", function () {
        const referenceDir = process.env.DYNAMO_REFERENCE_DIR ?? path.join(__dirname, "..", "..", "..", "shared", "reference", "dynamo");
        // The 1.5 reference is a main-branch build whose KAI subchart (v0.13) predates `scheduler.args`,
        // which the published 1.5+ releases' KAI takes (NVIDIA's guide for bundled Grove with KAI).
        const newerSubchartKeys = ["kai-scheduler/scheduler/args/default-staleness-grace-period"];
        const lines: [string, string, string[]][] = [
            ["0.9.0", "0.9.x/platform-values.yaml", []],
            ["0.9.1", "0.9.x/platform-values.yaml", []],
            ["1.0.1", "1.x/v1.0.1/platform-values.yaml", []],
            ["1.4.0", "1.x/v1.4.0-branch-cut/platform-values.yaml", []],
            ["1.5.0", "1.x/platform-values.yaml", newerSubchartKeys],
        ];
        for (const [release, file, expectedUnknown] of lines) {
            it(`${release} values only use keys of ${file}`, function () {
                const reference = path.join(referenceDir, file);
                if (!fs.existsSync(reference)) {
                    // The upstream values files ship in the workspace's shared/reference, not in this repository.
                    this.skip();
                }
                const upstream = yaml.load(fs.readFileSync(reference, "utf8")) as Values;
                const values = buildPlatformValues(
                    input(release, { prometheusEndpoint: "http://p:9090", ingress: { className: "nginx" }, imagePullSecretNames: ["s"] }),
                );
                const unknown = leafPaths(values).filter((leaf) => {
                    const parts = leaf.split("/");
                    let node: unknown = upstream;
                    for (const part of parts) {
                        if (typeof node !== "object" || node === null || !(part in node)) {
                            return true;
                        }
                        node = (node as Values)[part];
                    }
                    return false;
                });
                assert.deepEqual(unknown, expectedUnknown);
            });
        }
    });
});
