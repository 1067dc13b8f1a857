import { strict as assert } from "assert";
import * as zlib from "zlib";
import { containerTroubles, helmRecordOf, memoizedReader } from "../../../program/live/reader";
import { fakeReader } from "../../fakeCluster";

describe("cluster reader", () => {
    it("reports the containers that wait, restarted or exited non-zero, and none that start or run normally", () => {
        const status = (name: string, extra: object) => ({ name, image: "i", imageID: "", ready: false, restartCount: 0, ...extra });
        assert.equal(
            containerTroubles([
                status("starting", { state: { waiting: { reason: "ContainerCreating" } } }),
                status("running", { ready: true, state: { running: {} } }),
                status("done", { state: { terminated: { exitCode: 0 } } }),
            ]),
            undefined,
        );
        assert.deepEqual(
            containerTroubles([
                status("manager", {
                    restartCount: 3,
                    state: { waiting: { reason: "CrashLoopBackOff" } },
                    lastState: { terminated: { exitCode: 2, reason: "Error" } },
                }),
                status("pull", { state: { waiting: { reason: "ImagePullBackOff" } } }),
                status("job", { state: { terminated: { exitCode: 1, reason: "containerFailed" } } }),
            ]),
            [
                { container: "manager", restarts: 3, waiting: "CrashLoopBackOff", failedExit: { code: 2, reason: "Error" } },
                { container: "pull", restarts: 0, waiting: "ImagePullBackOff", failedExit: undefined },
                { container: "job", restarts: 0, waiting: undefined, failedExit: { code: 1, reason: "containerFailed" } },
            ],
        );
    });

    it("reads the chart version from a Helm release record (gzipped JSON, base64)", () => {
        const record = { name: "dynamo-platform", version: 3, chart: { metadata: { name: "dynamo-platform", version: "0.9.0-post1" } } };
        const encoded = zlib.gzipSync(JSON.stringify(record)).toString("base64");
        assert.equal(helmRecordOf(encoded).chart?.metadata?.version, "0.9.0-post1");
        assert.equal(helmRecordOf(zlib.gzipSync("{}").toString("base64")).chart?.metadata?.version, undefined);
    });

    it("asks each question once however many rules ask it, and counts the questions asked", async () => {
        const cluster = fakeReader({ version: "v1.33.1", crds: { "a.example.com": { established: true } } });
        const { reader, reads } = memoizedReader(cluster);
        const answers = await Promise.all([
            reader.serverVersion(),
            reader.serverVersion(),
            reader.crd("a.example.com"),
            reader.crd("a.example.com"),
            reader.crd("b.example.com"),
        ]);
        assert.deepEqual(answers, ["v1.33.1", "v1.33.1", { established: true }, { established: true }, undefined]);
        assert.deepEqual(cluster.calls, ["serverVersion", "crd a.example.com", "crd b.example.com"]);
        assert.equal(reads(), 3);
    });
});
