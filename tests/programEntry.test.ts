import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

const { programEntry, PROGRAM_SOURCES, COMPILED_ENTRY } = require("../programEntry") as {
    programEntry(root: string): { file: string; compiled: boolean };
    PROGRAM_SOURCES: string[];
    COMPILED_ENTRY: string;
};

const ROOT = path.join(__dirname, "..");

describe("program entry (program.js)", () => {
    let root: string;
    /** Writes `relative` under the temporary project with the given age in seconds. */
    function write(relative: string, ageSeconds: number): void {
        const file = path.join(root, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "");
        const time = new Date(Date.now() - ageSeconds * 1000);
        fs.utimesSync(file, time, time);
    }

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-entry-"));
        write("index.ts", 100);
        write("components/core/args.ts", 100);
        write("tsconfig.json", 100);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("runs the compiled build when it is newer than every source", () => {
        write(COMPILED_ENTRY, 10);
        assert.deepEqual(programEntry(root), { file: path.join(root, COMPILED_ENTRY), compiled: true });
    });

    it("runs the sources when one of them, however deep, changed after the build", () => {
        write(COMPILED_ENTRY, 10);
        write("components/core/args.ts", 5);
        assert.deepEqual(programEntry(root), { file: path.join(root, "index.ts"), compiled: false });
    });

    it("runs the sources when the tsconfig changed after the build, or when there is no build", () => {
        write(COMPILED_ENTRY, 10);
        write("tsconfig.json", 5);
        assert.equal(programEntry(root).compiled, false);
        fs.rmSync(path.join(root, COMPILED_ENTRY));
        write("tsconfig.json", 100);
        assert.equal(programEntry(root).compiled, false);
    });

    it("ignores files that are not program sources", () => {
        write(COMPILED_ENTRY, 10);
        write("components/README.md", 1);
        write("components/generated.d.ts", 1);
        write("tests/platform.test.ts", 1);
        assert.equal(programEntry(root).compiled, true);
    });

    it("watches every file the compiled program is built from, and Pulumi.yaml starts it", () => {
        const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.program.json"), "utf8")) as { include: string[] };
        for (const included of tsconfig.include) {
            assert.ok(PROGRAM_SOURCES.includes(included), `${included} is compiled but not watched`);
        }
        // index.ts imports the rest: every local module it reaches must be watched.
        const imported = Array.from(fs.readFileSync(path.join(ROOT, "index.ts"), "utf8").matchAll(/from "\.\/([^"/]+)/g)).map(
            ([, module]) => (fs.existsSync(path.join(ROOT, `${module}.ts`)) ? `${module}.ts` : module),
        );
        for (const module of imported) {
            assert.ok(PROGRAM_SOURCES.includes(module), `index.ts imports ${module}, which is not watched`);
        }
        const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
            main: string;
            runtime: { options: { typescript: boolean } };
        };
        assert.equal(project.main, "program.js");
        assert.equal(project.runtime.options.typescript, false);
    });
});
