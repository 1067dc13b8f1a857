/**
 * End-to-end: the production profile and placement with the real 0.9.1 chart on the simulated
 * nodes (three CPU nodes over two zones, two GPU nodes), waits on. `dev` keeps every platform pod
 * off the GPU nodes; switching to `ha` is an in-place upgrade that keeps the data volumes and
 * leaves three Ready etcd members and NATS servers spread over both zones with their disruption
 * budgets; with only GPU nodes schedulable the platform still installs. Starts from the harness's
 * baseline (no other platform, every node schedulable), with an unowned `local-path` class. Run by
 * e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { GPU_NODE_LABELS, HA_REPLICAS } from "../components/core/placement";
import {
    apps,
    baseline,
    CHARTS,
    core,
    dynamoStackFile,
    eventually,
    exists,
    helmRecord,
    helmRelease,
    initStack,
    notOkChecks,
    ok,
    pulumi,
    ROOT,
    run,
    work,
} from "./harness";
import { OPERATOR_DISRUPTION_BUDGET, ZONE_LABEL } from "../components/core/names";

const STACK = "organization/dynamo/profile";
const NAMESPACE = "dynamo-profile";
const OPERATOR = "dynamo-platform-dynamo-operator-controller-manager";
const stackConfigFile = path.join(work, "Pulumi.profile.yaml");
const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG!);
const policy = kubeconfig.makeApiClient(k8s.PolicyV1Api);
let encryptionSalt = "";

const baseConfig = {
    platform: "k8s",
    releaseVersion: "0.9.1",
    namespace: NAMESPACE,
    groveEnabled: true,
    kaiSchedulerEnabled: true,
    storageClass: "nfs",
    persistenceStorageClass: "local-path",
    localPath: { install: true },
    nfs: { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false },
    chartRepository: CHARTS,
};

function onStack(...args: string[]): string[] {
    return [...args, "--stack", STACK, "--config-file", stackConfigFile];
}

function up(step: string, config: Record<string, unknown>): string {
    fs.writeFileSync(stackConfigFile, dynamoStackFile(encryptionSalt, { ...baseConfig, ...config }));
    return ok(pulumi(step, onStack("up", "--yes", "--skip-preview"))).output;
}

interface Node {
    gpu: boolean;
    zone: string;
}

async function nodes(): Promise<Map<string, Node>> {
    const list = (await core.listNode({ labelSelector: "type=kwok" })).items;
    return new Map(
        list.map((n) => [
            n.metadata!.name!,
            { gpu: Number(n.status?.allocatable?.["nvidia.com/gpu"] ?? 0) > 0, zone: n.metadata!.labels![ZONE_LABEL] },
        ]),
    );
}

/** The platform's pods (Jobs done and pods a rollout replaced excepted), each Ready, with the node it runs on. */
async function platformPods(): Promise<{ name: string; app: string; node: string }[]> {
    const pods = (await core.listNamespacedPod({ namespace: NAMESPACE })).items.filter(
        (p) => p.status?.phase !== "Succeeded" && p.metadata?.deletionTimestamp === undefined,
    );
    for (const pod of pods) {
        assert.ok(
            pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
            `${pod.metadata?.name} Ready (${pod.status?.phase})`,
        );
    }
    return pods.map((p) => ({
        name: p.metadata!.name!,
        app: p.metadata?.labels?.["app.kubernetes.io/name"] ?? p.metadata!.name!,
        node: p.spec?.nodeName ?? "",
    }));
}

/** Each component's pods and where they run. */
function placementOf(pods: { name: string; node: string }[], all: Map<string, Node>): string[] {
    return pods.map((p) => `${p.name} on ${p.node} (${all.get(p.node)?.gpu ? "GPU" : "CPU"})`);
}

/** Claims and the volumes bound to them: an in-place change keeps both. */
async function dataVolumes(): Promise<string[]> {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
    return claims.map((c) => `${c.metadata?.name}=${c.metadata?.uid}/${c.spec?.volumeName}`).sort();
}

async function setCordoned(names: string[], unschedulable: boolean): Promise<void> {
    for (const name of names) {
        await core.patchNode(
            { name, body: { spec: { unschedulable } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
    }
}

describe("end-to-end: the production profile and placement on the real 0.9.1 chart, waits on", function () {
    this.timeout(30 * 60 * 1000);
    let cpuNodes: string[] = [];
    let volumesDev: string[] = [];

    before(async () => {
        await baseline("profile", { localPath: "unowned" });
        encryptionSalt = initStack("profile: stack init", STACK, ROOT, stackConfigFile);
        cpuNodes = [...(await nodes())].filter(([, node]) => !node.gpu).map(([name]) => name);
        assert.ok(cpuNodes.length >= 3, `three CPU nodes: ${cpuNodes}`);
    });

    after(async () => {
        await setCordoned(cpuNodes, false);
        pulumi("profile: destroy (cleanup)", onStack("destroy", "--yes", "--skip-preview"));
        await eventually(`namespace ${NAMESPACE} deleted`, async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))), 180);
    });

    it("1. dev: every platform pod and hook Job prefers CPU nodes, and runs there while there are any", async () => {
        up("profile: up (dev)", {});
        const all = await nodes();
        const pods = await platformPods();
        for (const app of ["dynamo-operator", "etcd", "nats", "grove-operator"]) {
            assert.ok(
                pods.some((p) => p.app.includes(app) || p.name.includes(app)),
                `${app} among ${pods.map((p) => p.name)}`,
            );
        }
        assert.ok(pods.length >= 7, `operator, etcd, NATS, Grove and KAI's three: ${pods.map((p) => p.name)}`);
        const onGpu = pods.filter((p) => all.get(p.node)?.gpu);
        assert.deepEqual(onGpu, [], `placement: ${placementOf(pods, all).join(", ")}`);

        // Hook Jobs are gone once they succeed; what Helm applied for them says where they ran.
        const record = await helmRecord("dynamo-platform", NAMESPACE);
        const hookJobs = (record.hooks ?? [])
            .flatMap((hook) => yaml.loadAll(hook.manifest) as k8s.V1Job[])
            .filter((o) => o?.kind === "Job");
        assert.ok(hookJobs.length >= 2, `the 0.9.1 hook Jobs: ${hookJobs.map((j) => j.metadata?.name)}`);
        for (const job of hookJobs) {
            const preferred = job.spec?.template.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
            assert.deepEqual(
                preferred.flatMap((term) => term.preference.matchExpressions?.map((e) => `${e.key} ${e.operator}`) ?? []),
                GPU_NODE_LABELS.map((label) => `${label} DoesNotExist`),
                `hook Job ${job.metadata?.name}`,
            );
        }
        const etcd = await apps.readNamespacedStatefulSet({ name: "dynamo-platform-etcd", namespace: NAMESPACE });
        assert.equal(etcd.status?.readyReplicas, 1);
        volumesDev = await dataVolumes();
        assert.equal(volumesDev.length, 2, `etcd and JetStream volumes: ${volumesDev}`);
    });

    it("2. dev → ha is an in-place upgrade: same release and volumes; 3 etcd and NATS Ready over both zones, 2 operators, three budgets", async () => {
        const output = up("profile: up (dev → ha)", { profile: "ha" });
        assert.doesNotMatch(output, /replaced|\+-/, "nothing replaced");
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "deployed" });

        const all = await nodes();
        const pods = await platformPods();
        assert.deepEqual(
            pods.filter((p) => all.get(p.node)?.gpu),
            [],
            `placement: ${placementOf(pods, all).join(", ")}`,
        );
        for (const [statefulSet, replicas] of [
            ["dynamo-platform-etcd", HA_REPLICAS.etcd],
            ["dynamo-platform-nats", HA_REPLICAS.nats],
        ] as const) {
            const found = await apps.readNamespacedStatefulSet({ name: statefulSet, namespace: NAMESPACE });
            assert.equal(found.status?.readyReplicas, replicas, statefulSet);
            const members = pods.filter((p) => p.name.startsWith(`${statefulSet}-`));
            assert.equal(members.length, replicas, `${statefulSet}: ${members.map((p) => p.name)}`);
            const zones = new Set(members.map((p) => all.get(p.node)?.zone));
            assert.equal(zones.size, 2, `${statefulSet} over both zones: ${placementOf(members, all).join(", ")}`);
        }
        const operator = await apps.readNamespacedDeployment({ name: OPERATOR, namespace: NAMESPACE });
        assert.equal(operator.status?.readyReplicas, HA_REPLICAS.operator);

        const budgets = (await policy.listNamespacedPodDisruptionBudget({ namespace: NAMESPACE })).items;
        assert.deepEqual(
            budgets.map((b) => b.metadata?.name).sort(),
            ["dynamo-platform-etcd", "dynamo-platform-nats", OPERATOR_DISRUPTION_BUDGET].sort(),
        );
        await eventually("every budget allows one eviction", async () => {
            const current = (await policy.listNamespacedPodDisruptionBudget({ namespace: NAMESPACE })).items;
            return current.every((b) => b.status?.disruptionsAllowed === 1);
        });

        const volumesHa = await dataVolumes();
        for (const volume of volumesDev) {
            assert.ok(volumesHa.includes(volume), `${volume} kept: ${volumesHa}`);
        }
        assert.equal(volumesHa.length, 2 * 3, `a volume per etcd member and NATS server: ${volumesHa}`);

        const outputs = JSON.parse(ok(pulumi("profile: stack output", ["stack", "output", "--json", "--stack", STACK])).output);
        assert.equal(outputs.profile, "ha");
        const decision = outputs.detected.find((d: { subject: string }) => d.subject === "profile");
        assert.deepEqual([decision.found, decision.level], ["5 schedulable nodes in 2 zones (e2e-zone-a, e2e-zone-b)", "info"]);
    });

    it("3. npm run verify reports the replicas per component, the budgets and the placement; only the simulated operator's webhook row fails", () => {
        const result = run("profile: npm run verify (ha)", "npm", ["run", "-s", "verify", "--", "--stack", STACK], ROOT);
        const stdout = result.output;
        // 0.9.1's operator is simulated here, so its webhook (failurePolicy Fail, as the chart sets it) cannot answer.
        assert.equal(result.status, 1, stdout);
        assert.deepEqual(notOkChecks(stdout), ["admission webhook"]);
        assert.match(stdout, /etcd replicas\s+OK\s+3\/3 ready/);
        assert.match(stdout, /NATS replicas\s+OK\s+3\/3 ready/);
        assert.match(stdout, /operator deployment\s+OK\s+2\/2 ready/);
        assert.match(stdout, /disruption budgets\s+OK\s+.*dynamo-platform-dynamo-operator \(1 of 2 pods may be evicted\)/);
        assert.match(stdout, /placement\s+OK\s+no platform pod on a GPU node/);
    });

    it("4. back to dev is refused before anything changes: etcd would keep one of three members and lose quorum", async () => {
        fs.writeFileSync(stackConfigFile, dynamoStackFile(encryptionSalt, baseConfig));
        const refused = pulumi("profile: up (ha → dev, refused)", onStack("up", "--yes", "--skip-preview"));
        assert.notEqual(refused.status, 0, refused.output);
        assert.match(refused.output, /Invalid dynamo:profile "dev".*etcd runs 3 members/s);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "deployed" });
    });

    it("5. with only GPU nodes schedulable, a fresh dev install still schedules and readies every platform pod, on GPU nodes", async () => {
        ok(pulumi("profile: destroy (ha)", onStack("destroy", "--yes", "--skip-preview")));
        await eventually(`namespace ${NAMESPACE} deleted`, async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))), 180);
        await setCordoned(cpuNodes, true);
        up("profile: up (dev, GPU nodes only)", {});
        const all = await nodes();
        const pods = await platformPods();
        assert.ok(pods.length >= 7, `${pods.map((p) => p.name)}`);
        assert.deepEqual(
            pods.filter((p) => !all.get(p.node)?.gpu),
            [],
            `placement: ${placementOf(pods, all).join(", ")}`,
        );
        await setCordoned(cpuNodes, false);
    });
});
