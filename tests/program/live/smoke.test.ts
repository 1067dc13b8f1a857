import { strict as assert } from "assert";
import { ApiError } from "../../../program/live/apiServer";
import { GraphStatus, SMOKE_LABEL, SmokeCluster, smokeGraph, smokeImage, SmokeOptions, smokeTest } from "../../../program/live/smoke";

/** A cluster in memory that records what the smoke test did to it; each field changes one behaviour. */
class RecordingCluster implements SmokeCluster {
    calls: string[] = [];
    served: string[] | undefined = ["v1alpha1", "v1beta1"];
    labels: Record<string, string> | undefined = undefined;
    refusal: string | undefined = undefined;
    /** The statuses the graph goes through, one per read; the last repeats. */
    statuses: (GraphStatus | undefined)[] = [
        { state: "pending" },
        { state: "successful", conditions: [{ type: "Ready", status: "True" }] },
    ];
    services = ["dynamo-smoke-frontend", "dynamo-smoke-decode"];
    /** The answers of the frontend, one per request; an Error is thrown; the last repeats. */
    answers: (string | Error)[] = [JSON.stringify({ choices: [{ message: { content: "Hello!" } }] })];
    graph: Record<string, unknown> | undefined;

    async servedVersions(crd: string) {
        this.calls.push(`served ${crd}`);
        return this.served;
    }
    async namespaceLabels(name: string) {
        this.calls.push(`read namespace ${name}`);
        return this.labels;
    }
    async createNamespace(name: string, labels: Record<string, string>) {
        this.calls.push(`create namespace ${name} ${JSON.stringify(labels)}`);
    }
    async copySecret(from: { namespace: string; name: string }, to: string) {
        this.calls.push(`copy secret ${from.namespace}/${from.name} to ${to}`);
    }
    async createGraph(graph: Record<string, unknown>) {
        this.calls.push(`create graph ${graph.apiVersion}`);
        if (this.refusal) {
            throw new ApiError(400, this.refusal);
        }
        this.graph = graph;
    }
    async graphStatus() {
        return this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
    }
    async serviceNames() {
        return this.services;
    }
    async postThroughService(namespace: string, service: string, port: number, path: string) {
        this.calls.push(`post ${namespace}/${service}:${port}${path}`);
        const answer = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
        if (answer instanceof Error) {
            throw answer;
        }
        return answer;
    }
    async deleteNamespace(name: string) {
        this.calls.push(`delete namespace ${name}`);
    }
}

/** A clock that moves only when the test sleeps. */
function fakeClock() {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

const OPTIONS: SmokeOptions = {
    namespace: "dynamo-smoke",
    image: "nvcr.io/nvidia/ai-dynamo/dynamo-planner:1.5.0",
    timeoutSeconds: 60,
    request: true,
    requestTimeoutSeconds: 60,
};

describe("smoke test (program/live/smoke.ts)", () => {
    it("picks upstream's mocker image for the release, through the mirror, without a chart-only -postN", () => {
        assert.equal(smokeImage("1.5.1", ""), "nvcr.io/nvidia/ai-dynamo/dynamo-planner:1.5.1");
        assert.equal(
            smokeImage("0.9.0-post1", "registry.example.com/mirror"),
            "registry.example.com/mirror/nvidia/ai-dynamo/dynamo-planner:0.9.0",
        );
    });

    it("builds the graph as v1beta1 components where served, else v1alpha1 services, with the pull secret", () => {
        const beta = smokeGraph("v1beta1", "ns", "img", "pull") as {
            spec: { components: { name: string; type: string; podTemplate: { spec: unknown } }[] };
        };
        assert.deepEqual(
            beta.spec.components.map((c) => [c.name, c.type]),
            [
                ["Frontend", "frontend"],
                ["decode", "worker"],
            ],
        );
        assert.deepEqual((beta.spec.components[1].podTemplate.spec as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: "pull" }]);
        const alpha = smokeGraph("v1alpha1", "ns", "img") as {
            spec: { services: Record<string, { componentType: string; extraPodSpec: Record<string, unknown> }> };
        };
        assert.deepEqual(Object.keys(alpha.spec.services), ["Frontend", "decode"]);
        assert.equal(alpha.spec.services.decode.componentType, "worker");
        assert.ok(!("imagePullSecrets" in alpha.spec.services.decode.extraPodSpec));
    });

    it("deploys, waits, asks, and removes the scratch namespace: every row ok", async () => {
        const cluster = new RecordingCluster();
        const rows = await smokeTest(cluster, { ...OPTIONS, pullSecret: { namespace: "dynamo-system", name: "ngc" } }, fakeClock());
        assert.deepEqual(
            rows.map((r) => [r.check, r.status]),
            [
                ["smoke: graph admitted", "ok"],
                ["smoke: graph ready", "ok"],
                ["smoke: chat completion", "ok"],
                ["smoke: cleanup", "ok"],
            ],
        );
        assert.match(rows[2].detail, /dynamo-smoke-frontend:8000 answered: "Hello!"/);
        assert.deepEqual(cluster.calls, [
            "served dynamographdeployments.nvidia.com",
            "read namespace dynamo-smoke",
            `create namespace dynamo-smoke ${JSON.stringify(SMOKE_LABEL)}`,
            "copy secret dynamo-system/ngc to dynamo-smoke",
            "create graph nvidia.com/v1beta1",
            "post dynamo-smoke/dynamo-smoke-frontend:8000/v1/chat/completions",
            "delete namespace dynamo-smoke",
        ]);
    });

    it("retries the request while the frontend has no worker yet, and skips it with request false", async () => {
        const cluster = new RecordingCluster();
        cluster.answers = [new ApiError(503, "no instances"), JSON.stringify({ choices: [{ message: { content: "hi" } }] })];
        const rows = await smokeTest(cluster, OPTIONS, fakeClock());
        assert.equal(rows.find((r) => r.check === "smoke: chat completion")?.status, "ok");
        const skipped = new RecordingCluster();
        const withoutRequest = await smokeTest(skipped, { ...OPTIONS, request: false }, fakeClock());
        assert.ok(!withoutRequest.some((r) => r.check === "smoke: chat completion"));
        assert.ok(!skipped.calls.some((c) => c.startsWith("post")));
    });

    it("names what failed, and cleans up after each failure", async () => {
        const refused = new RecordingCluster();
        refused.refusal = 'admission webhook "vdynamographdeployment.kb.io" denied the request: spec.components: Required value';
        const refusedRows = await smokeTest(refused, OPTIONS, fakeClock());
        assert.deepEqual(
            refusedRows.map((r) => [r.check, r.status]),
            [
                ["smoke: graph admitted", "fail"],
                ["smoke: cleanup", "ok"],
            ],
        );
        assert.match(refusedRows[0].detail, /denied the request/);

        const stuck = new RecordingCluster();
        stuck.statuses = [{ state: "pending", conditions: [{ type: "Ready", status: "False", message: "decode: 0/1 ready" }] }];
        const stuckRows = await smokeTest(stuck, OPTIONS, fakeClock());
        assert.equal(stuckRows[1].status, "fail");
        assert.equal(stuckRows[1].detail, "not ready after 60 s: pending: decode: 0/1 ready");
        assert.equal(stuckRows[stuckRows.length - 1].check, "smoke: cleanup");

        const silent = new RecordingCluster();
        silent.answers = [new Error("connect ENETUNREACH 10.0.0.4:8000")];
        const silentRows = await smokeTest(silent, OPTIONS, fakeClock());
        const request = silentRows.find((r) => r.check === "smoke: chat completion")!;
        assert.equal(request.status, "fail");
        assert.match(request.detail, /ENETUNREACH/);
        assert.match(request.hint!, /--no-request/);
    });

    it("never touches a namespace it did not create, nor runs without the graph CRD", async () => {
        const taken = new RecordingCluster();
        taken.labels = { team: "research" };
        const rows = await smokeTest(taken, OPTIONS, fakeClock());
        assert.deepEqual(
            rows.map((r) => [r.check, r.status]),
            [["smoke: scratch namespace", "fail"]],
        );
        assert.ok(!taken.calls.some((c) => c.startsWith("delete") || c.startsWith("create")));

        const bare = new RecordingCluster();
        bare.served = undefined;
        assert.deepEqual(
            (await smokeTest(bare, OPTIONS, fakeClock())).map((r) => r.check),
            ["smoke: graph API"],
        );
    });
});
