/**
 * The fleet command as users start it: the package's `dynamo-fleet` binary (which runs
 * scripts/fleet.ts), its usage, and what stops it (exit 2) before any stack or cluster is touched.
 * The commands themselves run against real clusters in e2e/fleet.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const BINARY = path.join(ROOT, "scripts", "dynamo-fleet.js");

function fleet(args: string[], binary = BINARY): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [binary, ...args], { cwd: os.tmpdir(), encoding: "utf8", timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("dynamo-fleet (npm run fleet)", function () {
    this.timeout(120_000);
    let folder: string;

    before(() => {
        folder = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-fleet-cli-"));
    });

    after(() => fs.rmSync(folder, { recursive: true, force: true }));

    it("is the package's binary, and prints its usage without a command", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(manifest.bin["dynamo-fleet"], "scripts/dynamo-fleet.js");
        assert.equal(manifest.scripts.fleet, "ts-node --transpile-only scripts/fleet.ts");
        assert.ok(fs.statSync(BINARY).mode & 0o100, "executable");
        assert.match(fs.readFileSync(BINARY, "utf8"), /^#!\/usr\/bin\/env node\n/);
        const result = fleet([]);
        assert.equal(result.status, 2);
        assert.match(
            result.stderr,
            /^usage: npm run fleet -- plan\|up\|status\|destroy --fleet <fleet\.yaml> \[--wave <name>\] \[--json\] \[--yes\]/,
        );
    });

    it("stops with one message on a fleet file it cannot read or accept", () => {
        const missing = fleet(["plan", "--fleet", path.join(folder, "none.yaml")]);
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /^fleet: cannot read .*none\.yaml: ENOENT/);

        const file = path.join(folder, "fleet.yaml");
        fs.writeFileSync(file, "name: inference\nrelase: 1.0.1\n");
        const refused = fleet(["plan", "--fleet", file]);
        assert.equal(refused.status, 2);
        assert.equal(
            refused.stderr.trim(),
            "fleet: fleet.yaml: Unknown field fleet.relase: did you mean fleet.release? fleet accepts name, release, project, backend, config, providerConfig, concurrency, gates, onFailure, canary, waves, clusters.",
        );
        assert.equal(refused.stdout, "");
    });

    it("destroys nothing without --yes, and only every wave", () => {
        const result = fleet(["destroy", "--fleet", path.join(folder, "fleet.yaml")]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /destroy removes the platform from every cluster of .*: add --yes/);
        const oneWave = fleet(["destroy", "--fleet", path.join(folder, "fleet.yaml"), "--wave", "east", "--yes"]);
        assert.equal(oneWave.status, 2);
        assert.match(oneWave.stderr, /--wave is for plan, up and status/);
    });

    it("says where it runs from when installed without the project (the packed component package)", () => {
        const packed = path.join(folder, "package", "scripts");
        fs.mkdirSync(packed, { recursive: true });
        fs.copyFileSync(BINARY, path.join(packed, "dynamo-fleet.js"));
        const result = fleet(["plan", "--fleet", "fleet.yaml"], path.join(packed, "dynamo-fleet.js"));
        assert.equal(result.status, 2);
        assert.match(
            result.stderr,
            /is not a checkout of the project \(no Pulumi\.yaml or scripts\/fleet\.ts\): the fleet drives the project's program/,
        );
    });
});
