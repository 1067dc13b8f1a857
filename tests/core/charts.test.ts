import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chartReference, CHECKSUMS_FILE, parseChecksums } from "../../components/core/charts";
import { configRefusal } from "../refusal";
import { ChartSource } from "../../components/core/settings/types";

/** The real upstream archives with their published checksums. */
const SHARED_CHARTS = path.resolve(__dirname, "../../../shared/charts");

function localSource(directory: string): ChartSource {
    return { kind: "local", directory, key: "dynamo:chartRepository" };
}

/** A folder holding a copy of the real 0.9.1 platform archive and the given checksums file. */
function folderWith(archive: Buffer, sums: string | undefined): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    fs.writeFileSync(path.join(dir, "dynamo-platform-0.9.1.tgz"), archive);
    if (sums !== undefined) {
        fs.writeFileSync(path.join(dir, CHECKSUMS_FILE), sums);
    }
    return dir;
}

describe("chart checksums", () => {
    const realArchive = fs.readFileSync(path.join(SHARED_CHARTS, "dynamo-platform-0.9.1.tgz"));
    const realSums = fs.readFileSync(path.join(SHARED_CHARTS, CHECKSUMS_FILE), "utf8");

    it("reads sha256sum's text and binary lines and skips anything else", () => {
        const digest = "A".repeat(64);
        const sums = parseChecksums(`${digest}  one.tgz\n${"b".repeat(64)} *two.tgz\n# comment\n\nshort  three.tgz\n`);
        assert.deepEqual(
            [...sums],
            [
                ["one.tgz", "a".repeat(64)],
                ["two.tgz", "b".repeat(64)],
            ],
        );
    });

    it("accepts every real archive against the shared folder's SHA256SUMS", () => {
        for (const [chart, version] of [
            ["dynamo-crds", "0.9.1"],
            ["dynamo-platform", "0.9.1"],
            ["dynamo-platform", "1.0.1"],
            ["kube-prometheus-stack", "88.5.3"],
        ]) {
            const reference = chartReference(localSource(SHARED_CHARTS), chart, version);
            assert.equal(reference.chart, path.join(SHARED_CHARTS, `${chart}-${version}.tgz`));
        }
    });

    it("stops on an archive whose bytes changed, naming the archive, the sums file and both digests", () => {
        const tampered = Buffer.concat([realArchive, Buffer.from([0])]);
        const dir = folderWith(tampered, realSums);
        const error = configRefusal(() => chartReference(localSource(dir), "dynamo-platform", "0.9.1"));
        assert.equal(error.key, "dynamo:chartRepository");
        assert.match(
            error.message,
            new RegExp(`${path.join(dir, "dynamo-platform-0.9.1.tgz")} does not match ${path.join(dir, CHECKSUMS_FILE)}`),
        );
        assert.match(error.message, /2f99b43d5e535090dbe340b54588e736ea629a2512f4e15ad7e1e531acf87ccb/);
    });

    it("stops on an archive the sums file does not list", () => {
        const dir = folderWith(realArchive, realSums.replace(/^.*dynamo-platform-0\.9\.1\.tgz\n/m, ""));
        const error = configRefusal(() => chartReference(localSource(dir), "dynamo-platform", "0.9.1"));
        assert.match(error.message, /SHA256SUMS does not list dynamo-platform-0\.9\.1\.tgz/);
    });

    it("checks nothing in a folder without a sums file", () => {
        const dir = folderWith(Buffer.from("not a chart"), undefined);
        assert.equal(chartReference(localSource(dir), "dynamo-platform", "0.9.1").chart, path.join(dir, "dynamo-platform-0.9.1.tgz"));
    });
});
