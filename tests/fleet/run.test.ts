import { strict as assert } from "assert";
import { LOCK_TAG, NO_HOLDER, ownerTag } from "../../fleet/lock";
import { formatReport } from "../../fleet/report";
import { destroy, forEachBounded, FleetReport, onlyWave, plan, status, up } from "../../fleet/run";
import { FakeBackend, fakeDeps, fourClusters, OWNER } from "./fakeStacks";

function results(report: FleetReport): Record<string, string> {
    return Object.fromEntries(report.rows.map((row) => [row.cluster, row.result]));
}

/** The backend after a first rollout of 0.9.0 everywhere. */
async function rolledOut(): Promise<FakeBackend> {
    const backend = new FakeBackend();
    await up(fourClusters({ release: "0.9.0" }), fakeDeps(backend).deps);
    backend.calls.length = 0;
    return backend;
}

describe("fleet runs", () => {
    describe("forEachBounded", () => {
        it("keeps at most `limit` tasks running, returns results in order, and starts none once stopped", async () => {
            let running = 0;
            let most = 0;
            let stopped = false;
            const results = await forEachBounded(
                [1, 2, 3, 4, 5, 6],
                2,
                async (n) => {
                    running += 1;
                    most = Math.max(most, running);
                    await new Promise((resolve) => setTimeout(resolve, 5 * (7 - n)));
                    running -= 1;
                    if (n === 3) {
                        stopped = true;
                    }
                    return `ran ${n}`;
                },
                (n) => `skipped ${n}`,
                () => stopped,
            );
            assert.equal(most, 2);
            assert.deepEqual(results.slice(0, 3), ["ran 1", "ran 2", "ran 3"]);
            const firstSkipped = results.findIndex((r) => r.startsWith("skipped"));
            assert.ok(firstSkipped > 2, results.join(", "));
            assert.ok(
                results.slice(firstSkipped).every((r) => r.startsWith("skipped")),
                results.join(", "),
            );
        });
    });

    describe("plan", () => {
        it("previews every cluster and reports each release change, its changes and findings", async () => {
            const backend = new FakeBackend();
            const { deps } = fakeDeps(backend);
            const report = await plan(fourClusters(), deps);
            assert.equal(report.ok, true);
            assert.deepEqual(
                report.rows.map((r) => [r.cluster, r.wave, r.from, r.to, r.result, r.changes, r.detail]),
                [
                    ["staging", "canary", undefined, "0.9.1", "planned", 12, "install"],
                    ["east-1", "east", undefined, "0.9.1", "planned", 12, "install"],
                    ["east-2", "east", undefined, "0.9.1", "planned", 12, "install"],
                    ["west-1", "west", undefined, "0.9.1", "planned", 12, "install"],
                ],
            );
            assert.deepEqual(report.rows[0].findings, ["auto-configuration: gpuNodes: none -> models stay Pending"]);
            assert.ok(!backend.calls.some((call) => call.endsWith(": up")), "plan changes nothing");
        });

        it("fails when any cluster would be refused, naming why", async () => {
            const backend = new FakeBackend();
            backend.set("east-2", { refusal: "a cluster-wide Dynamo operator already runs" });
            const report = await plan(fourClusters(), fakeDeps(backend).deps);
            assert.equal(report.ok, false);
            assert.equal(report.rows[2].result, "refused");
            assert.equal(report.rows[2].detail, "a cluster-wide Dynamo operator already runs");
            assert.match(report.next ?? "", /fix what each refused cluster names/);
        });
    });

    describe("up", () => {
        it("goes wave by wave, the canary first, each cluster preview → up → verify", async () => {
            const backend = new FakeBackend();
            const { deps, progress } = fakeDeps(backend);
            const report = await up(fourClusters(), deps);
            assert.equal(report.ok, true);
            assert.deepEqual(results(report), { staging: "done", "east-1": "done", "east-2": "done", "west-1": "done" });
            const staging = backend.calls.filter((call) => call.startsWith("staging:"));
            assert.deepEqual(staging, ["staging: prepare", "staging: preview", "staging: up", "staging: verify"]);
            const firstEast = backend.calls.findIndex((call) => call.startsWith("east-"));
            assert.ok(firstEast > backend.calls.indexOf("staging: verify"), "the first wave starts after the canary passed its gates");
            assert.ok(backend.calls.indexOf("west-1: prepare") > backend.calls.lastIndexOf("east-2: verify"));
            assert.ok(progress.includes("up wave 1/3 canary: staging (1 at once)"));
            assert.ok(progress.includes("east/east-1: up: 12 changes (nothing → 0.9.1, install)"));
            assert.deepEqual(backend.record("staging").tags, { [LOCK_TAG]: NO_HOLDER }, "the run gives its holds back");
        });

        it("halts at a failed cluster: the rest of the rollout is untouched, and a run again resumes", async () => {
            const backend = await rolledOut();
            backend.set("east-1", { refusal: "a cluster-wide Dynamo operator already runs" });
            const fleet = fourClusters();
            const halted = await up(fleet, fakeDeps(backend).deps);
            assert.equal(halted.ok, false);
            assert.deepEqual(results(halted), { staging: "done", "east-1": "failed", "east-2": "done", "west-1": "untouched" });
            assert.equal(halted.halted, "cluster east-1 failed in wave east");
            assert.equal(halted.rows[1].detail, "preview: a cluster-wide Dynamo operator already runs");
            assert.ok(!backend.calls.some((call) => call.startsWith("west-1")), "a later wave is not even previewed");
            assert.equal(backend.record("west-1").release, "0.9.0");
            assert.match(
                formatReport(halted),
                /Halted: cluster east-1 failed in wave east\.\nNext: fix what the failed cluster names \(if one failed\), then run up again/,
            );

            backend.set("east-1", {});
            backend.calls.length = 0;
            const resumed = await up(fleet, fakeDeps(backend).deps);
            assert.equal(resumed.ok, true);
            assert.deepEqual(results(resumed), { staging: "unchanged", "east-1": "done", "east-2": "unchanged", "west-1": "done" });
            assert.ok(!backend.calls.includes("staging: up"), "what is done is read from the stacks and not applied again");
            assert.ok(backend.calls.includes("staging: verify"), "but it passes its gates again");
            assert.equal(backend.record("staging").helmRevision, 2);
        });

        it("with onFailure continue, rolls on past a failed cluster and still fails the run", async () => {
            const backend = new FakeBackend();
            backend.set("staging", { upError: "timed out waiting for the condition" });
            const report = await up(fourClusters({ onFailure: "continue" }), fakeDeps(backend).deps);
            assert.equal(report.ok, false);
            assert.equal(report.halted, undefined);
            assert.deepEqual(results(report), { staging: "failed", "east-1": "done", "east-2": "done", "west-1": "done" });
            assert.equal(report.rows[0].detail, "up: timed out waiting for the condition");
        });

        it("fails a cluster whose gate fails, and halts before the next wave", async () => {
            const backend = new FakeBackend();
            backend.set("staging", { verify: { ok: false, detail: "verify: 1 of 16 checks failed; operator deployment: 0/1 ready" } });
            const report = await up(fourClusters(), fakeDeps(backend).deps);
            assert.deepEqual(results(report), { staging: "failed", "east-1": "untouched", "east-2": "untouched", "west-1": "untouched" });
            assert.equal(report.rows[0].detail, "verify: 1 of 16 checks failed; operator deployment: 0/1 ready");
        });

        it("runs the smoke test where the gates ask, and a soak re-verifies the wave before the next", async () => {
            const backend = new FakeBackend();
            const fleet = fourClusters({
                gates: { smoke: true },
                waves: [
                    { name: "east", clusters: ["east-1", "east-2"], gates: { soakSeconds: 300, smoke: false } },
                    { name: "west", clusters: ["west-1"] },
                ],
            });
            const { deps, slept } = fakeDeps(backend);
            const report = await up(fleet, deps);
            assert.equal(report.ok, true);
            assert.ok(backend.calls.includes("staging: smoke"));
            assert.ok(!backend.calls.includes("east-1: smoke"), "the wave's gates win over the fleet's");
            assert.deepEqual(slept, [300_000]);
            assert.equal(backend.calls.filter((call) => call === "east-1: verify").length, 2, "verified after its up and after the soak");
            assert.equal(report.rows[0].detail, "verify: 16 checks passed; smoke: 4 checks passed");
        });

        it("interrupted, lets the running cluster finish, starts no other, gives its holds back, and resumes after", async () => {
            const backend = new FakeBackend();
            const interruption = new AbortController();
            const { deps } = fakeDeps(backend);
            deps.interrupted = interruption.signal;
            const gates = deps.gates;
            deps.gates = {
                ...gates,
                verify: async (cluster, outputs) => {
                    interruption.abort();
                    return gates.verify(cluster, outputs);
                },
            };
            const report = await up(fourClusters(), deps);
            assert.equal(report.ok, false);
            assert.deepEqual(results(report), { staging: "done", "east-1": "untouched", "east-2": "untouched", "west-1": "untouched" });
            assert.equal(report.halted, "the run was interrupted");
            assert.equal(report.rows[1].detail, "not started: the run was interrupted");
            assert.equal(backend.record("staging").tags[LOCK_TAG], NO_HOLDER);
            const resumed = await up(fourClusters(), fakeDeps(backend).deps);
            assert.deepEqual(results(resumed), { staging: "unchanged", "east-1": "done", "east-2": "done", "west-1": "done" });
        });

        it("refuses to start while another live run holds a stack, and touches nothing", async () => {
            const backend = new FakeBackend();
            const other = { ...OWNER, run: "run-0", pid: 99 };
            backend.record("west-1").exists = true;
            backend.record("west-1").tags[LOCK_TAG] = ownerTag(other);
            await assert.rejects(
                up(fourClusters(), fakeDeps(backend).deps),
                /stack west-1 \(cluster west-1\) is held by fleet inference \(run run-0, process 99 on ci-1, since .*\): wait for that run to end\. If it is gone \(a killed run on another machine\): `npm run fleet -- unlock --fleet fleet\.yaml`/,
            );
            assert.deepEqual(backend.calls, []);
            assert.equal(backend.record("staging").tags[LOCK_TAG], undefined);
        });

        it("takes over the hold of a run killed on this machine", async () => {
            const backend = new FakeBackend();
            backend.record("west-1").exists = true;
            backend.record("west-1").tags[LOCK_TAG] = ownerTag({ ...OWNER, run: "run-0", pid: 99 });
            const { deps, progress } = fakeDeps(backend, OWNER, (pid) => pid !== 99);
            const report = await up(fourClusters(), deps);
            assert.equal(report.ok, true);
            assert.ok(
                progress.some((line) => /^west-1: taking over the tag of fleet inference \(run run-0, process 99 on ci-1/.test(line)),
            );
        });

        it("refuses when another run tagged a stack at the same moment, and clears its own other tags", async () => {
            const backend = new FakeBackend();
            const { deps } = fakeDeps(backend);
            deps.lock = {
                ...deps.lock,
                sleep: async () => {
                    backend.record("east-2").tags[LOCK_TAG] = ownerTag({ ...OWNER, run: "run-9", host: "ci-9" });
                },
            };
            await assert.rejects(up(fourClusters(), deps), /stack east-2 \(cluster east-2\) is now held by fleet inference \(run run-9/);
            assert.equal(backend.record("staging").tags[LOCK_TAG], NO_HOLDER);
            assert.match(backend.record("east-2").tags[LOCK_TAG], /run-9/, "the other run's tag stays");
            assert.deepEqual(backend.calls, []);
        });

        it("stops before its next step when another run took a stack over", async () => {
            const backend = new FakeBackend();
            const { deps } = fakeDeps(backend);
            const gates = deps.gates;
            deps.gates = {
                ...gates,
                verify: async (cluster, outputs) => {
                    backend.record("west-1").tags[LOCK_TAG] = ownerTag({ ...OWNER, run: "run-2", host: "ci-2" });
                    return gates.verify(cluster, outputs);
                },
            };
            await assert.rejects(up(fourClusters(), deps), /stack west-1 \(cluster west-1\) is now held by fleet inference \(run run-2/);
            assert.ok(!backend.calls.some((call) => call.startsWith("west-1")));
        });
    });

    describe("one wave (--wave, a CI job per wave)", () => {
        it("runs only that wave once the waves before it are at the release, and refuses it before", async () => {
            const backend = new FakeBackend();
            const fleet = fourClusters();
            await assert.rejects(
                onlyWave(fleet, "east", backend),
                /^FleetOrderError: wave east comes after wave canary, whose cluster staging is not at 0\.9\.1 yet \(nothing installed\): run up --wave canary first$/,
            );
            await assert.rejects(
                onlyWave(fleet, "north", backend),
                /no wave north in \/fleets\/fleet\.yaml: its waves are canary, east, west/,
            );
            const canary = await up(await onlyWave(fleet, "canary", backend), fakeDeps(backend).deps);
            assert.deepEqual(results(canary), { staging: "done" });
            const east = await up(await onlyWave(fleet, "east", backend), fakeDeps(backend).deps);
            assert.deepEqual(results(east), { "east-1": "done", "east-2": "done" });
            assert.equal(backend.record("west-1").exists, false, "a later wave is not touched");
            const planned = await plan(await onlyWave(fleet, "west", backend, false), fakeDeps(backend).deps);
            assert.deepEqual(results(planned), { "west-1": "planned" }, "a later wave can be previewed before its turn");
        });
    });

    describe("status", () => {
        it("reports each cluster's releases, verify and drift, and changes nothing", async () => {
            const backend = await rolledOut();
            backend.set("east-2", { liveRevision: 2 });
            backend.set("west-1", { verify: { ok: false, detail: "verify: 1 of 16 checks failed; NATS pods: 0/1 ready" } });
            const report = await status(fourClusters({ release: "0.9.0" }), fakeDeps(backend).deps);
            assert.equal(report.ok, false);
            assert.deepEqual(results(report), { staging: "ok", "east-1": "ok", "east-2": "drift", "west-1": "failing" });
            assert.equal(report.rows[0].from, "0.9.0");
            assert.equal(report.rows[0].to, "0.9.0");
            assert.match(
                report.rows[2].detail,
                /^Helm release dynamo-platform is at revision 2, the stack recorded 1: changed outside Pulumi; a preview \(refreshed\) would change 1 resources; verify: 16 checks passed$/,
            );
            assert.ok(!backend.calls.some((call) => call.endsWith(": up") || call.endsWith(": destroy")));
            assert.ok(backend.calls.includes("east-2: preview --refresh"));
        });

        it("reports a cluster without a stack as absent, without creating it", async () => {
            const backend = new FakeBackend();
            const report = await status(fourClusters(), fakeDeps(backend).deps);
            assert.deepEqual(results(report), { staging: "absent", "east-1": "absent", "east-2": "absent", "west-1": "absent" });
            assert.equal(backend.record("staging").exists, false);
            assert.equal(report.ok, true);
        });
    });

    describe("destroy", () => {
        it("goes in reverse order, the canary last, and skips what holds nothing", async () => {
            const backend = await rolledOut();
            backend.record("east-1").resources = 0;
            const report = await destroy(fourClusters(), fakeDeps(backend).deps);
            assert.equal(report.ok, true);
            assert.deepEqual(
                report.rows.map((r) => [r.cluster, r.result]),
                [
                    ["west-1", "destroyed"],
                    ["east-2", "destroyed"],
                    ["east-1", "absent"],
                    ["staging", "destroyed"],
                ],
            );
            assert.deepEqual(
                backend.calls.filter((call) => call.endsWith("destroy")),
                ["west-1: destroy", "east-2: destroy", "staging: destroy"],
            );
            assert.equal(report.rows[0].detail, "CRDs and models kept");
        });
    });
});
