import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const { programEntry, COMPILED_ENTRY, SOURCE_ENTRY } = require("../../program/entry") as {
    programEntry(root: string): { file: string; compiled: boolean };
    COMPILED_ENTRY: string;
    SOURCE_ENTRY: string;
};

const ROOT = path.join(__dirname, "..", "..");

describe("program entry (program/main.js)", () => {
    let root: string;
    /** Writes `relative` under the temporary project with the given age in seconds. */
    function write(relative: string, ageSeconds: number): void {
        const file = path.join(root, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "");
        const time = new Date(Date.now() - ageSeconds * 1000);
        fs.utimesSync(file, time, time);
    }

    /** A project whose build in bin/ was compiled 10 s ago from two sources written 100 s ago. */
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-entry-"));
        write(SOURCE_ENTRY, 100);
        write("components/core/args.ts", 100);
        write("tsconfig.json", 100);
        write(COMPILED_ENTRY, 10);
        write("bin/components/core/args.js", 10);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("runs the compiled build when it is newer than every source", () => {
        assert.deepEqual(programEntry(root), { file: path.join(root, COMPILED_ENTRY), compiled: true });
    });

    it("runs the sources when one the build was compiled from, however deep, changed after the build", () => {
        write("components/core/args.ts", 5);
        assert.deepEqual(programEntry(root), { file: path.join(root, SOURCE_ENTRY), compiled: false });
    });

    it("runs the sources when the tsconfig changed after the build, or when there is no build", () => {
        write("tsconfig.json", 5);
        assert.equal(programEntry(root).compiled, false);
        fs.rmSync(path.join(root, "bin"), { recursive: true });
        write("tsconfig.json", 100);
        assert.equal(programEntry(root).compiled, false);
    });

    it("ignores files the build was not compiled from, and compiled files whose source is gone", () => {
        write("components/README.md", 1);
        write("components/generated.d.ts", 1);
        write("tests/platform.test.ts", 1);
        write("components/core/unused.ts", 1);
        write("bin/components/live/removed.js", 10);
        assert.equal(programEntry(root).compiled, true);
    });

    it("watches every source of the real build, and Pulumi.yaml starts it", () => {
        const built = path.join(ROOT, COMPILED_ENTRY);
        assert.ok(fs.existsSync(built), "npm run build:program has run");
        const sources = [
            "program/stackConfig.ts",
            "program/live/detect/index.ts",
            "components/core/settings/index.ts",
            "components/platform.ts",
        ];
        for (const source of sources) {
            assert.ok(fs.existsSync(path.join(ROOT, "bin", source.replace(/\.ts$/, ".js"))), `${source} is compiled into bin/`);
        }
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            main: string;
            runtime: { options: { typescript: boolean } };
        };
        assert.equal(project.main, "program/main.js");
        assert.equal(project.runtime.options.typescript, false);
    });
});
