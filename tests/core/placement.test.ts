import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { DiscoveryBackend, Profile } from "../../components/core/args";
import { DynamoConfigError } from "../../components/core/errors";
import {
    GPU_NODE_LABELS,
    HA_REPLICAS,
    HA_RESOURCES,
    placementValues,
    platformNodeAffinity,
    resolvePlacement,
} from "../../components/core/placement";
import { buildPlatformValues } from "../../components/core/values";
import { chartLineFor, parseReleaseVersion } from "../../components/core/versions";
import { POD_LABELS, ZONE_LABEL } from "../../components/core/names";
import { GPU_TOLERATION } from "../../components/core/settings/tolerations";
import { Values, valueAt } from "../../components/core/valueTree";

const AVOID_GPUS = {
    preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, preference: { matchExpressions: GPU_NODE_LABELS.map((key) => ({ key, operator: "DoesNotExist" })) } },
    ],
};

function platformValues(release: string, profile: Profile, nodeSelector?: Record<string, string>): Values {
    return buildPlatformValues({
        chartLine: chartLineFor(parseReleaseVersion(release)!),
        groveEnabled: true,
        kaiSchedulerEnabled: true,
        discoveryBackend: DiscoveryBackend.Etcd,
        // Every subchart, NATS included (from 1.4 only when asked for), to place each of them.
        installNats: true,
        tolerations: [GPU_TOLERATION],
        imagePullSecretNames: [],
        placement: placementValues(resolvePlacement("dynamo:placement", profile, nodeSelector ? { nodeSelector } : undefined)),
    });
}

/** Leaf paths of a values tree; lists and empty objects are leaves. */
function leafPaths(values: unknown, prefix: string[] = []): string[][] {
    if (typeof values !== "object" || values === null || Array.isArray(values) || Object.keys(values).length === 0) {
        return [prefix];
    }
    return Object.entries(values).flatMap(([key, value]) => leafPaths(value, [...prefix, key]));
}

/**
 * Whether a subchart reads `valuePath`: the path is in its values.yaml, or reaches a free-form object
 * there (`affinity: {}`, `merge: {}`), or its templates read `.Values.<path>`.
 */
function chartReads(chartDir: string, valuePath: string[]): boolean {
    const defaults = yaml.load(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8")) as Values;
    let node: unknown = defaults;
    for (const [i, key] of valuePath.entries()) {
        if (typeof node === "object" && node !== null && !Array.isArray(node) && key in node) {
            node = (node as Values)[key];
            continue;
        }
        if (typeof node === "object" && node !== null && !Array.isArray(node) && Object.keys(node).length === 0 && i > 0) {
            return true;
        }
        const read = `.Values.${valuePath.slice(0, i + 1).join(".")}`;
        const templates = path.join(chartDir, "templates");
        const files = fs.readdirSync(templates, { recursive: true }).map((f) => path.join(templates, String(f)));
        return files.some((file) => fs.statSync(file).isFile() && fs.readFileSync(file, "utf8").includes(read));
    }
    return true;
}

describe("placement", () => {
    it("prefers nodes without GPU labels by default, and pins to a node selector as a required term", () => {
        assert.deepEqual(resolvePlacement("dynamo:placement", undefined, undefined), { profile: Profile.Dev, nodeAffinity: AVOID_GPUS });
        assert.deepEqual(platformNodeAffinity({ pool: "system" }, true), {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "In", values: ["system"] }] }],
            },
            ...AVOID_GPUS,
        });
        assert.equal(platformNodeAffinity({}, false), undefined, "nothing asked: the charts' own placement");
    });

    it("takes a node affinity as given, and refuses it beside a node selector or the GPU switch", () => {
        const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } };
        assert.deepEqual(resolvePlacement("dynamo:placement", Profile.Ha, { nodeAffinity }), { profile: Profile.Ha, nodeAffinity });
        assert.throws(
            () => resolvePlacement("dynamo:placement", undefined, { nodeAffinity, nodeSelector: { pool: "a" } }),
            (error: Error) =>
                error instanceof DynamoConfigError && /dynamo:placement\.nodeAffinity.*dynamo:placement\.nodeSelector/s.test(error.message),
        );
        assert.throws(
            () => resolvePlacement("dynamo:placement", undefined, { nodeAffinity, avoidGpuNodes: false }),
            (error: Error) => error instanceof DynamoConfigError && /dynamo:placement\.avoidGpuNodes/.test(error.message),
        );
    });

    for (const release of ["0.9.1", "1.0.1", "1.5.0"]) {
        describe(release, () => {
            it("dev: the GPU preference on every component, hook Jobs included, and the charts' replicas", () => {
                const values = platformValues(release, Profile.Dev);
                for (const key of [
                    "dynamo-operator.controllerManager.affinity.nodeAffinity",
                    "etcd.affinity.nodeAffinity",
                    "nats.podTemplate.merge.spec.affinity.nodeAffinity",
                    "kai-scheduler.global.affinity.nodeAffinity",
                ]) {
                    assert.deepEqual(valueAt(values, key.split(".")), AVOID_GPUS, key);
                }
                for (const key of ["dynamo-operator.controllerManager.replicas", "etcd.replicaCount", "nats.config.cluster", "etcd.pdb"]) {
                    assert.equal(valueAt(values, key.split(".")), undefined, key);
                }
                assert.equal(valueAt(values, ["etcd", "affinity", "podAntiAffinity"]), undefined);
            });

            it("ha: replicas, spreading over zones and nodes, budgets and resources, keeping tolerations and storage", () => {
                const values = platformValues(release, Profile.Ha);
                const at = (key: string) => valueAt(values, key.split("."));
                assert.equal(at("dynamo-operator.controllerManager.replicas"), HA_REPLICAS.operator);
                assert.equal(at("dynamo-operator.controllerManager.manager.resources"), undefined, "the chart's own");
                assert.deepEqual(at("dynamo-operator.controllerManager.tolerations"), [GPU_TOLERATION]);
                const operatorSpread = at(
                    "dynamo-operator.controllerManager.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution",
                ) as Values[];
                assert.deepEqual(
                    operatorSpread.map((term) => valueAt(term, ["podAffinityTerm", "labelSelector", "matchLabels"])),
                    [POD_LABELS.operator, POD_LABELS.operator],
                );
                assert.equal(at("etcd.replicaCount"), HA_REPLICAS.etcd);
                assert.deepEqual(at("etcd.pdb"), { create: true });
                assert.deepEqual(at("etcd.resources"), HA_RESOURCES.etcd);
                assert.deepEqual(at("etcd.persistence"), { enabled: true });
                assert.deepEqual(
                    (at("etcd.topologySpreadConstraints") as Values[]).map((c) => [
                        c.topologyKey,
                        c.whenUnsatisfiable,
                        valueAt(c, ["labelSelector", "matchLabels"]),
                    ]),
                    [
                        [ZONE_LABEL, "ScheduleAnyway", POD_LABELS.etcd],
                        ["kubernetes.io/hostname", "ScheduleAnyway", POD_LABELS.etcd],
                    ],
                );
                assert.deepEqual(at("nats.config.cluster"), { enabled: true, replicas: HA_REPLICAS.nats });
                assert.deepEqual(at("nats.config.jetstream.fileStore.pvc"), { enabled: true }, "JetStream keeps its volume");
                assert.deepEqual(Object.keys(at("nats.podTemplate.topologySpreadConstraints") as Values), [
                    ZONE_LABEL,
                    "kubernetes.io/hostname",
                ]);
                assert.deepEqual(at("nats.podTemplate.merge.spec.tolerations"), [GPU_TOLERATION]);
                assert.deepEqual(at("nats.container.merge.resources"), HA_RESOURCES.nats);
            });
        });
    }

    describe("keys the real charts read (../shared/charts)", function () {
        const chartsDir = path.join(__dirname, "..", "..", "..", "shared", "charts");
        const archives = fs.existsSync(chartsDir) ? fs.readdirSync(chartsDir).filter((f) => /^dynamo-platform-.*\.tgz$/.test(f)) : [];
        let unpacked = "";
        before(function () {
            if (archives.length === 0) {
                // The real charts ship in the workspace's shared folder, not in this repository.
                this.skip();
            }
            unpacked = fs.mkdtempSync(path.join(os.tmpdir(), "placement-charts-"));
        });
        after(() => unpacked && fs.rmSync(unpacked, { recursive: true, force: true }));

        it("every value of ha with a node selector is read by its subchart, on every chart archive", () => {
            assert.ok(archives.length >= 6, archives.join(", "));
            const parts = placementValues(resolvePlacement("dynamo:placement", Profile.Ha, { nodeSelector: { pool: "system" } }));
            const where: [string, string[], Values][] = [
                ["dynamo-operator", ["controllerManager"], parts.operator],
                ["etcd", [], parts.etcd],
                ["nats", [], parts.nats],
                ["kai-scheduler", ["global"], parts.kaiScheduler],
            ];
            for (const archive of archives) {
                const into = path.join(unpacked, archive);
                fs.mkdirSync(into);
                execFileSync("tar", ["-xzf", path.join(chartsDir, archive), "-C", into]);
                const charts = path.join(into, "dynamo-platform", "charts");
                // What the chart lines lack, and why the component works around it.
                assert.equal(
                    chartReads(path.join(charts, "dynamo-operator"), ["controllerManager", "nodeSelector"]),
                    false,
                    `${archive} operator nodeSelector`,
                );
                assert.equal(chartReads(path.join(charts, "grove-charts"), ["affinity"]), false, `${archive} Grove affinity`);
                for (const [folder, under, values] of where) {
                    const chartDir = path.join(charts, folder);
                    const unread = leafPaths(values, under).filter((leaf) => !chartReads(chartDir, leaf));
                    assert.deepEqual(
                        unread.map((leaf) => leaf.join(".")),
                        [],
                        `${archive} ${folder}`,
                    );
                }
            }
        });
    });
});
