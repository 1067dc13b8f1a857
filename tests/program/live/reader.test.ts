import { strict as assert } from "assert";
import * as zlib from "zlib";
import { helmRecordOf, memoizedReader } from "../../../program/live/reader";
import { fakeReader } from "../../fakeCluster";

describe("cluster reader", () => {
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
