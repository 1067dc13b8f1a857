/**
 * The first run, as a new user tries it: a copy of the project with the committed `k8s` stack,
 * nothing logged in and no PULUMI_BACKEND_URL, on a cluster without the model-cache class.
 * `./scripts/up.sh k8s` stops, rightly, and prints the exact commands that fix it; those commands,
 * run as printed in the user's shell, work (the project's own backend, no login); the next
 * `./scripts/up.sh k8s` installs the platform; later commands in the folder find the same stack.
 * Starts from the harness's baseline without a `local-path` class. Run by e2e/run.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { baseline, env, exists, core, NAMESPACE, ROOT, Run, servedCharts, timings, work } from "./harness";

/** The user's checkout: the project's tracked files, its build and its installed dependencies. */
const checkout = path.join(work, "first-run");
/** Where the copy's Pulumi.yaml puts the stacks' state instead of ~/.pulumi-dynamo. */
const stateFolder = path.join(work, "first-run-state");
/** The user's shell: what e2e/run gives every command, without the backend the harness sets. */
const userEnv: NodeJS.ProcessEnv = { ...env };
delete userEnv.PULUMI_BACKEND_URL;

/** Runs a command line in the checkout as the user would type it, timed as a step. */
function shell(step: string, line: string): Run {
    const start = Date.now();
    const result = spawnSync("bash", ["-c", line], { cwd: checkout, env: userEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    timings.push([step, (Date.now() - start) / 1000]);
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

function copyProject(): void {
    const tracked = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
    for (const file of tracked.filter((f) => fs.existsSync(path.join(ROOT, f)))) {
        fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(checkout, file));
        fs.chmodSync(path.join(checkout, file), fs.statSync(path.join(ROOT, file)).mode);
    }
    fs.cpSync(path.join(ROOT, "bin"), path.join(checkout, "bin"), { recursive: true, preserveTimestamps: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));
    // The same mechanism as the committed file (the project declares its backend), in a folder of the test's own.
    const project = path.join(checkout, "Pulumi.yaml");
    const text = fs.readFileSync(project, "utf8");
    assert.match(text, /^ {2}url: file:\/\/~\/\.pulumi-dynamo$/m, "the committed Pulumi.yaml declares the local backend");
    fs.writeFileSync(project, text.replace(/^ {2}url: .*$/m, `  url: file://${stateFolder}`));
}

describe("end-to-end first run: ./scripts/up.sh k8s as a new user, then the commands it prints", function () {
    this.timeout(20 * 60 * 1000);

    before(async () => {
        await baseline("firstRun", { localPath: "absent" });
        copyProject();
    });

    after(() => {
        shell("firstRun: destroy (cleanup)", "pulumi destroy --stack k8s --yes --skip-preview --non-interactive");
    });

    let printed: string[] = [];

    it("the first ./scripts/up.sh k8s stops before anything is created, printing the exact commands to run", async () => {
        const first = shell("./scripts/up.sh k8s (no model-cache class)", "./scripts/up.sh k8s --yes --skip-preview --non-interactive");
        assert.notEqual(first.status, 0, first.output);
        assert.match(first.output, /The model-cache StorageClass "nfs" does not exist in the cluster/);
        printed = [...new Set([...first.output.matchAll(/`(pulumi config set [^`]+)`/g)].map((m) => m[1]))];
        assert.deepEqual(printed, [
            "pulumi config set --path 'dynamo:nfs.server' <nfs-server>",
            "pulumi config set --path 'dynamo:nfs.share' <exported-path>",
            "pulumi config set dynamo:storageClass <class>",
        ]);
        assert.ok(
            fs.existsSync(path.join(stateFolder, ".pulumi", "stacks", "dynamo", "k8s.json")),
            "the stack lives in the project's backend",
        );
        assert.ok(!(await exists(() => core.readNamespace({ name: NAMESPACE }))), "nothing created");
    });

    it("the printed commands work in the user's shell as they are, with no login or backend variable", () => {
        const values: Record<string, string> = { "<nfs-server>": "nfs.e2e.invalid", "<exported-path>": "/exports/models" };
        for (const command of printed.slice(0, 2)) {
            const line = command.replace(/<[a-z-]+>/, (placeholder) => values[placeholder]);
            const result = shell(line, line);
            assert.equal(result.status, 0, result.output);
        }
        // This machine cannot reach NVIDIA's repository or build csi-driver-nfs's chart: the local
        // charts, and the driver left out, as the other end-to-end files install them. It has no
        // 1.6.1 chart either: the newest line it has, 1.5.0, with its real operator.
        for (const line of [
            `pulumi config set dynamo:chartRepository ${servedCharts()}`,
            "pulumi config set dynamo:releaseVersion 1.5.0",
            "pulumi config set --path 'dynamo:nfs.installDriver' false",
        ]) {
            const result = shell(line, line);
            assert.equal(result.status, 0, result.output);
        }
        const config = shell("pulumi config (the k8s stack)", "pulumi config --json");
        assert.equal(config.status, 0, config.output);
        const keys = JSON.parse(config.output.slice(config.output.indexOf("{"))) as Record<string, { objectValue?: unknown }>;
        assert.deepEqual(keys["dynamo:nfs"].objectValue, { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false });
    });

    it("the next ./scripts/up.sh k8s installs the platform, and later commands in the folder find the same stack", async () => {
        const second = shell("./scripts/up.sh k8s (the model cache on NFS)", "./scripts/up.sh k8s --yes --skip-preview --non-interactive");
        assert.equal(second.status, 0, second.output);
        assert.ok(await exists(() => core.readNamespace({ name: NAMESPACE })));
        const stacks = shell("pulumi stack ls", "pulumi stack ls --json");
        assert.equal(stacks.status, 0, stacks.output);
        const listed = JSON.parse(stacks.output.slice(stacks.output.indexOf("["))) as { name: string; current: boolean }[];
        assert.deepEqual(
            listed.map((s) => [s.name, s.current]),
            [["k8s", true]],
        );
        const preview = shell(
            "pulumi preview --expect-no-changes (the user's shell)",
            "pulumi preview --expect-no-changes --non-interactive",
        );
        assert.equal(preview.status, 0, preview.output);
        const outputs = shell("pulumi stack output", "pulumi stack output --json");
        assert.equal(JSON.parse(outputs.output.slice(outputs.output.indexOf("{"))).modelCacheStorageClass, "nfs");
    });
});
