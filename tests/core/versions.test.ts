import { strict as assert } from "assert";
import { CHART_LINES, chartLineFor, compareReleases, parseReleaseVersion, ValuesLayout } from "../../components/core/versions";

function parsed(text: string) {
    const version = parseReleaseVersion(text);
    assert.ok(version, `${text} should parse`);
    return version;
}

describe("versions", () => {
    it("parses exact published versions", () => {
        assert.deepEqual(parsed("0.9.0-post1"), { text: "0.9.0-post1", major: 0, minor: 9, patch: 0, post: 1 });
        assert.deepEqual(parsed("1.2.0"), { text: "1.2.0", major: 1, minor: 2, patch: 0, post: undefined });
    });

    for (const bad of ["0.9", "v0.9.1", "^0.9.1", "0.9.x", "latest", "0.9.1-rc1", "0.9.0-post", "00.9.1", " 0.9.1", "0.9.1 "]) {
        it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseReleaseVersion(bad), undefined));
    }

    it("orders -postN after its base release, unlike semver", () => {
        assert.ok(compareReleases(parsed("0.9.0-post1"), parsed("0.9.0")) > 0);
        assert.ok(compareReleases(parsed("0.9.0-post1"), parsed("0.9.1")) < 0);
        assert.ok(compareReleases(parsed("0.10.0"), parsed("0.9.9")) > 0);
    });

    it("pairs a -postN platform release with the CRDs of its base version", () => {
        assert.equal(chartLineFor(parsed("0.9.0-post1")).crdsChartVersion, "0.9.0");
        assert.equal(chartLineFor(parsed("0.9.1")).crdsChartVersion, "0.9.1");
        assert.equal(chartLineFor(parsed("0.9.0-post1"), "0.9.1").crdsChartVersion, "0.9.1");
    });

    it("has no CRDs chart and no bundled CRD from 1.0 on", () => {
        const line = chartLineFor(parsed("1.0.1"));
        assert.equal(line.crdsChartVersion, undefined);
        assert.equal(line.bundlesWorkerMetadataCrd, false);
        assert.equal(chartLineFor(parsed("0.9.0-post1")).bundlesWorkerMetadataCrd, true);
        assert.equal(chartLineFor(parsed("0.9.1")).bundlesWorkerMetadataCrd, false, "0.9.1's CRDs chart carries it");
        assert.equal(chartLineFor(parsed("0.9.1"), "0.9.0").bundlesWorkerMetadataCrd, true);
    });

    it("picks the values layout of each chart line", () => {
        assert.equal(chartLineFor(parsed("0.9.1")).layout, ValuesLayout.SubchartToggles);
        assert.equal(chartLineFor(parsed("1.0.1")).layout, ValuesLayout.GlobalInstallExceptNats);
        assert.equal(chartLineFor(parsed("1.1.0")).layout, ValuesLayout.GlobalInstallExceptNats);
        assert.equal(chartLineFor(parsed("1.2.0")).layout, ValuesLayout.GlobalInstall);
        assert.equal(chartLineFor(parsed("2.0.0")).layout, ValuesLayout.GlobalInstall);
    });

    it("forces the operator image tag on 0.9.0 only", () => {
        assert.equal(chartLineFor(parsed("0.9.0")).operatorImageTag, "0.9.0");
        for (const fixed of ["0.9.0-post1", "0.9.1", "1.2.0"]) {
            assert.equal(chartLineFor(parsed(fixed)).operatorImageTag, undefined, fixed);
        }
    });

    it("keeps one row per published minor line, oldest first, through 1.7", () => {
        assert.deepEqual(
            CHART_LINES.map((row) => row.line),
            ["0.9", "1.0", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"],
        );
        assert.equal(chartLineFor(parsed("1.3.2")).minimumKubernetes, undefined);
        assert.equal(chartLineFor(parsed("1.4.0")).minimumKubernetes, "1.30");
        assert.equal(
            chartLineFor(parsed("1.1.0")).layout,
            ValuesLayout.GlobalInstallExceptNats,
            "an unpublished line takes the row before it",
        );
    });

    it("installs a release newer than every known line with the newest line's values, flagged", () => {
        const newer = chartLineFor(parsed("1.8.0"));
        assert.equal(newer.newerThanKnownLines, true);
        assert.equal(newer.layout, ValuesLayout.GlobalInstall);
        assert.equal(newer.kaiStalenessGracePeriod, true);
        assert.equal(chartLineFor(parsed("1.7.3")).newerThanKnownLines, false);
        assert.equal(chartLineFor(parsed("2.0.0")).newerThanKnownLines, true);
    });
});
