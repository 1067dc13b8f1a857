import { strict as assert } from "assert";
import { formatUpgradePlan, parseUpgradePlanHead, planUpgrade } from "../../components/core/upgrades";
import { parseReleaseVersion, ReleaseVersion } from "../../components/core/versions";

const v = (text: string): ReleaseVersion => parseReleaseVersion(text) ?? assert.fail(text);
const plan = (from: string | undefined, to: string) => planUpgrade(from === undefined ? undefined : v(from), v(to));

describe("upgrade planner", () => {
    it("installs when nothing is installed, and does nothing for the same release", () => {
        assert.deepEqual(plan(undefined, "0.9.1"), { kind: "install", to: "0.9.1", steps: ["install dynamo-platform 0.9.1"] });
        assert.equal(plan("1.0.1", "1.0.1").kind, "unchanged");
        assert.deepEqual(plan("1.0.1", "1.0.1").steps, []);
    });

    it("allows patch and -postN releases of the same line, in place", () => {
        for (const [from, to] of [
            ["0.9.0", "0.9.0-post1"],
            ["0.9.0-post1", "0.9.1"],
            ["0.9.0", "0.9.1"],
            ["1.5.0", "1.5.2"],
        ]) {
            const result = plan(from, to);
            assert.equal(result.kind, "patch", `${from} → ${to}`);
            assert.equal(result.refusal, undefined);
            assert.match(result.steps[0], /in place/);
        }
    });

    it("refuses every downgrade, -postN included, and says what to do", () => {
        for (const [from, to] of [
            ["0.9.1", "0.9.0-post1"],
            ["0.9.0-post1", "0.9.0"],
            ["1.0.1", "0.9.1"],
            ["1.4.0", "1.2.0"],
        ]) {
            const result = plan(from, to);
            assert.equal(result.kind, "downgrade", `${from} → ${to}`);
            assert.match(
                result.refusal!,
                new RegExp(`${to.replace(/\./g, "\\.")} is older than the installed ${from.replace(/\./g, "\\.")}`),
            );
        }
    });

    it("allows the next published minor line, 1.0 → 1.2 included (there was no 1.1)", () => {
        for (const [from, to] of [
            ["1.0.1", "1.2.0"],
            ["1.2.1", "1.3.0"],
            ["1.6.2", "1.7.0"],
        ]) {
            assert.equal(plan(from, to).kind, "minor", `${from} → ${to}`);
        }
    });

    it("refuses a skipped minor line and lists the lines to apply in order", () => {
        const skip = plan("1.0.1", "1.5.0");
        assert.equal(skip.kind, "skip");
        assert.deepEqual(skip.path, ["1.2.x", "1.3.x", "1.4.x", "1.5.0"]);
        assert.match(
            skip.refusal!,
            /1\.0\.1 → 1\.5\.0 skips 1\.2\.x, 1\.3\.x, 1\.4\.x; .*Apply 1\.2\.x, then 1\.3\.x, then 1\.4\.x, then 1\.5\.0 in order/,
        );
        assert.deepEqual(plan("0.9.1", "1.2.0").path, ["1.0.x", "1.2.0"]);
    });

    it("plans 0.9.x → 1.0.x as a migration that keeps the CRDs and retires the CRDs chart without deleting", () => {
        const migration = plan("0.9.1", "1.0.1");
        assert.equal(migration.kind, "migration");
        assert.equal(migration.steps.length, 3);
        assert.match(migration.steps[1], /keep the dynamo-crds CRDs/);
        assert.match(migration.steps[2], /deleting nothing/);
        assert.equal(plan("0.9.0-post1", "1.0.1").kind, "migration");
    });

    it("places a line it does not know between the published ones", () => {
        assert.equal(plan("1.7.0", "1.8.0").kind, "minor", "the line after the newest");
        assert.equal(plan("1.6.0", "1.8.0").kind, "skip");
        assert.deepEqual(plan("1.6.0", "1.8.0").path, ["1.7.x", "1.8.0"]);
        assert.equal(plan("1.0.1", "1.1.0").kind, "minor", "an unpublished line between two published ones");
    });

    it("formats the plan as a few lines for the preview", () => {
        assert.deepEqual(formatUpgradePlan(plan("0.9.0-post1", "0.9.1")), [
            "upgrade plan: 0.9.0-post1 → 0.9.1 [patch]",
            "  1. upgrade dynamo-platform 0.9.0-post1 → 0.9.1 in place (same release, same volumes)",
        ]);
        assert.match(formatUpgradePlan(plan("1.0.1", "1.4.0")).at(-1)!, /^ {2}refused: /);
        assert.equal(formatUpgradePlan(plan(undefined, "1.0.1"))[0], "upgrade plan: (nothing installed) → 1.0.1 [install]");
    });

    it("reads back the head line it formats, and nothing else", () => {
        for (const [from, to] of [
            [undefined, "0.9.1"],
            ["0.9.0", "0.9.1"],
            ["0.9.1", "1.0.1"],
            ["1.0.1", "0.9.1"],
        ] as const) {
            const planned = plan(from, to);
            assert.deepEqual(parseUpgradePlanHead(formatUpgradePlan(planned)[0]), {
                from: planned.from,
                to: planned.to,
                kind: planned.kind,
            });
        }
        assert.equal(parseUpgradePlanHead("  1. upgrade dynamo-platform 0.9.0 → 0.9.1 in place"), undefined);
        assert.equal(parseUpgradePlanHead("auto-configuration: installedRelease: 0.9.0 -> upgrade"), undefined);
    });
});
