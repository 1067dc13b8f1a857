import { strict as assert } from "assert";
import * as zlib from "zlib";
import { helmRecordOf } from "../../components/live/reader";

describe("cluster reader", () => {
    it("reads the chart version from a Helm release record (gzipped JSON, base64)", () => {
        const record = { name: "dynamo-platform", version: 3, chart: { metadata: { name: "dynamo-platform", version: "0.9.0-post1" } } };
        const encoded = zlib.gzipSync(JSON.stringify(record)).toString("base64");
        assert.equal(helmRecordOf(encoded).chart?.metadata?.version, "0.9.0-post1");
        assert.equal(helmRecordOf(zlib.gzipSync("{}").toString("base64")).chart?.metadata?.version, undefined);
    });
});
