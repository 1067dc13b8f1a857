/**
 * `npm run lint`'s import rules (.dependency-cruiser.cjs) catch what they are there for: a circle of
 * imports, also of types only, and an import that goes up a layer. Each case is a small tree of
 * files written for the test and cruised with the project's own configuration.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** Cruises a tree of `files` (path to source) laid out like the project, returning the violations' rule names. */
function violations(files: Record<string, string>): string[] {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-lint-"));
    try {
        for (const [file, source] of Object.entries(files)) {
            fs.mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
            fs.writeFileSync(path.join(tree, file), source);
        }
        const depcruise = path.join(ROOT, "node_modules", ".bin", "depcruise");
        const config = path.join(ROOT, ".dependency-cruiser.cjs");
        const run = spawnSync(depcruise, [...Object.keys(files), "--config", config, "--output-type", "json"], {
            cwd: tree,
            encoding: "utf8",
        });
        const result = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string } }[] } };
        return result.summary.violations.map((violation) => violation.rule.name).sort();
    } finally {
        fs.rmSync(tree, { recursive: true, force: true });
    }
}

describe("import rules (npm run lint)", function () {
    this.timeout(30_000);

    it("refuses a circle of imports, also when one side imports only types", () => {
        assert.deepEqual(
            violations({
                "components/core/a.ts": 'import type { B } from "./b";\nexport type A = { b?: B };\n',
                "components/core/b.ts": 'import { a } from "./c";\nexport type B = typeof a;\n',
                "components/core/c.ts": 'import type { A } from "./a";\nexport const a: A = {};\n',
            }),
            ["no-circular"],
        );
    });

    it("refuses an import up a layer, and across the resource folders", () => {
        assert.deepEqual(
            violations({
                "components/core/values.ts": 'import { x } from "../kubernetes/storage";\nexport const y = x;\n',
                "components/kubernetes/storage.ts": 'import { z } from "../eks/storage";\nexport const x = z;\n',
                "components/eks/storage.ts": "export const z = 1;\n",
                "program/index.ts": 'import "../components/core/values";\n',
            }),
            ["core-is-pure", "resources-import-core-only"],
        );
    });

    it("keeps the fleet above the program and below its command", () => {
        assert.deepEqual(
            violations({
                "program/stackConfig.ts": 'import { f } from "../fleet/file";\nexport const s = f;\n',
                "fleet/file.ts": 'import { u } from "../scripts/cli";\nexport const f = u;\n',
                "scripts/cli.ts": "export const u = 1;\n",
            }),
            ["fleet-below-scripts", "program-below-scripts"],
        );
        assert.deepEqual(
            violations({
                "program/stackConfig.ts": "export const s = 1;\n",
                "fleet/file.ts": 'import { s } from "../program/stackConfig";\nexport const f = s;\n',
                "scripts/fleet.ts": 'import { f } from "../fleet/file";\nexport const c = f;\n',
            }),
            [],
        );
    });

    it("accepts imports that point down", () => {
        assert.deepEqual(
            violations({
                "components/core/names.ts": "export const NAME = 'n';\n",
                "components/kubernetes/crds.ts": 'import { NAME } from "../core/names";\nexport const crds = NAME;\n',
                "components/platform.ts": 'import { crds } from "./kubernetes/crds";\nexport const p = crds;\n',
                "program/index.ts": 'import { p } from "../components/platform";\nexport const q = p;\n',
            }),
            [],
        );
    });
});
