/**
 * A fleet of three clusters (the shared one and two more started here, each an API server with its
 * simulated nodes, all in the test's network namespace) rolled by `npm run fleet` on the real charts:
 * plan; up of 0.9.0 through a canary and two waves; 0.9.1 with a second Dynamo operator on the
 * middle cluster, which preflight refuses: the rollout halts after the canary with the last cluster
 * untouched; removed, up resumes without touching the canary again; another run's hold on a stack;
 * status, then drift after a manual `helm upgrade`; destroy in reverse order, CRDs kept. Every pod is
 * simulated, so the operator's webhook is set to Ignore for verify's admission row to pass.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { LOCK_TAG, NO_HOLDER } from "../fleet/lock";
import { FleetReport } from "../fleet/run";
import {
    baseline,
    CHARTS,
    env,
    helmRecord,
    helmRelease,
    NAMESPACE,
    ok,
    PLATFORM_CONFIG,
    processTree,
    pulumi,
    ROOT,
    run,
    timings,
    work,
} from "./harness";

const BIN_DIR = process.env.DYNAMO_E2E_BIN_DIR ?? assert.fail("DYNAMO_E2E_BIN_DIR is not set: run the e2e tests through e2e/run");
/** An S3 API on loopback (moto's server, installed by e2e/run), for a fleet whose backend is object storage. */
const S3_SERVER = process.env.DYNAMO_E2E_S3_SERVER ?? assert.fail("DYNAMO_E2E_S3_SERVER is not set: run the e2e tests through e2e/run");
const SECOND_OPERATOR_ROLE = "team-a-dynamo-operator-manager-role";
/**
 * The fleets' shared config: the lifecycle files' without what the fleet sets (the release) or these
 * clusters lack (monitoring), Grove and KAI off (fewer charts per cluster), and the webhook's
 * failurePolicy Ignore. The real operator answers its webhooks, but only 1.4 and 1.5 are built from
 * source here, and only the shared cluster runs real pods (they share its API address on lo); the
 * fleet rolls 0.9.x, whose operator is simulated, so with the chart's Fail verify's admission probe
 * would be refused on every cluster and no gate could pass.
 */
const FLEET_CONFIG = {
    ...Object.fromEntries(Object.entries(PLATFORM_CONFIG).filter(([key]) => !["releaseVersion", "monitoringStack"].includes(key))),
    chartRepository: CHARTS,
    groveEnabled: false,
    kaiSchedulerEnabled: false,
    helmValues: { "dynamo-operator": { webhook: { failurePolicy: "Ignore" } } },
};

/** A cluster of the fleet: its kubeconfig and API clients; the shared one, or one started here. */
class FleetCluster {
    readonly core: k8s.CoreV1Api;
    readonly rbac: k8s.RbacAuthorizationV1Api;
    readonly apiextensions: k8s.ApiextensionsV1Api;

    constructor(
        readonly name: string,
        readonly kubeconfig: string,
        readonly state?: string,
    ) {
        const config = new k8s.KubeConfig();
        config.loadFromFile(kubeconfig);
        this.core = config.makeApiClient(k8s.CoreV1Api);
        this.rbac = config.makeApiClient(k8s.RbacAuthorizationV1Api);
        this.apiextensions = config.makeApiClient(k8s.ApiextensionsV1Api);
    }

    /** A cluster of its own (every pod simulated), in a state folder under the work folder. */
    static start(name: string): FleetCluster {
        const state = fs.mkdtempSync(path.join(os.tmpdir(), `dynamo-e2e-${name}-`));
        ok(
            run(`${name}: start a cluster`, path.join(ROOT, "e2e", "cluster"), ["start", BIN_DIR, state], ROOT, {
                DYNAMO_E2E_SIMULATE_ALL: "1",
            }),
        );
        return new FleetCluster(name, path.join(state, "kubeconfig"), state);
    }

    stop(): void {
        if (this.state !== undefined) {
            spawnSync(path.join(ROOT, "e2e", "cluster"), ["stop", this.state], { stdio: "ignore" });
            fs.rmSync(this.state, { recursive: true, force: true });
        }
    }

    /** The platform release's newest revision and chart version, from Helm's secrets. */
    async platformRelease(): Promise<{ revision: number; version: string } | undefined> {
        const release = await helmRelease("dynamo-platform", NAMESPACE, this.core);
        if (release === undefined) {
            return undefined;
        }
        const record = await helmRecord("dynamo-platform", NAMESPACE, this.core);
        return { revision: release.revision, version: record.chart?.metadata?.version ?? "" };
    }

    async dynamoCrds(): Promise<string[]> {
        const names = (await this.apiextensions.listCustomResourceDefinition()).items.map((c) => c.metadata!.name!);
        return names.filter((name) => name.endsWith(".nvidia.com")).sort();
    }
}

interface FleetRun {
    status: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
    /** The most memory the fleet command and every process under it held at once (sampled each second). */
    peakMiB: number;
}

/** The resident memory of a process tree, in MiB. */
function treeMiB(pid: number): number {
    let kib = 0;
    for (const member of processTree(pid)) {
        const status = fs.readFileSync(`/proc/${member}/status`, { encoding: "utf8", flag: "r" }).match(/^VmRSS:\s+(\d+)/m);
        kib += status ? Number(status[1]) : 0;
    }
    return kib / 1024;
}

/** The command lines of a process tree, arguments joined by spaces. */
function commandLines(pid: number): { pid: number; command: string }[] {
    return processTree(pid).flatMap((member) => {
        try {
            return [{ pid: member, command: fs.readFileSync(`/proc/${member}/cmdline`, "utf8").split("\0").join(" ") }];
        } catch {
            return [];
        }
    });
}

/** Once a `pulumi up` runs under the fleet command, SIGTERM to the fleet's own Node.js process. */
async function interruptOnceRunning(npmPid: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
        const tree = commandLines(npmPid);
        // Node.js itself, not the shell npm starts it with, whose command line names the script too.
        const fleetProcess = tree.find((p) => /(^|\/)node$/.test(p.command.split(" ")[0]) && p.command.includes("scripts/fleet.ts"));
        if (fleetProcess !== undefined && tree.some((p) => /pulumi up /.test(p.command))) {
            process.kill(fleetProcess.pid, "SIGTERM");
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/** `npm run fleet -- <args>`, timed as `step`, its memory sampled. */
function fleet(step: string, ...args: string[]): Promise<FleetRun> {
    return fleetWith({}, step, args);
}

/**
 * `npm run fleet -- <args>` with `extraEnv` added to the harness's environment; with `interruptAt`,
 * its Node.js process (not npm, not Pulumi) gets SIGTERM once its progress matches, as a CI job's
 * cancel sends it.
 */
function fleetWith(extraEnv: NodeJS.ProcessEnv, step: string, args: string[], interruptAt?: RegExp): Promise<FleetRun> {
    const start = Date.now();
    const child = spawn("npm", ["run", "-s", "fleet", "--", ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => {
        stderr += data;
        if (interruptAt !== undefined && interruptAt.test(stderr)) {
            interruptAt = undefined;
            void interruptOnceRunning(child.pid!);
        }
    });
    let peakMiB = 0;
    const sampler = setInterval(() => {
        try {
            peakMiB = Math.max(peakMiB, treeMiB(child.pid!));
        } catch {
            // A process of the tree ended between the listing and the read.
        }
    }, 1000);
    return new Promise((resolve) => {
        child.on("close", (status) => {
            clearInterval(sampler);
            const seconds = (Date.now() - start) / 1000;
            timings.push([`${step} (peak ${peakMiB.toFixed(0)} MiB)`, seconds]);
            resolve({ status, stdout, stderr, seconds, peakMiB });
        });
    });
}

function reportOf(result: FleetRun): FleetReport {
    try {
        return JSON.parse(result.stdout) as FleetReport;
    } catch {
        return assert.fail(`not a JSON report (exit ${result.status}):\n${result.stdout}\n${result.stderr.slice(-4000)}`);
    }
}

/** The fleet's hold tag on a stack, in the harness's backend or the one `backendEnv` names. */
function tagOf(stack: string, backendEnv: NodeJS.ProcessEnv = {}): string | undefined {
    const listed = ok(pulumi(`tags of ${stack}`, ["stack", "tag", "ls", "--json", "--stack", stack], ROOT, backendEnv)).output;
    return JSON.parse(listed.slice(listed.indexOf("{"), listed.lastIndexOf("}") + 1))[LOCK_TAG];
}

function results(report: FleetReport): Record<string, string> {
    return Object.fromEntries(report.rows.map((row) => [row.cluster, row.result]));
}

describe("fleet: three clusters, a canary and two waves (real charts)", function () {
    const fleetFile = path.join(work, "fleet.yaml");
    let clusters: FleetCluster[] = [];
    const measured: string[] = [];

    function writeFleet(release: string): void {
        const document = {
            name: "e2e",
            release,
            concurrency: 3,
            config: FLEET_CONFIG,
            canary: "fleet-a",
            waves: [
                { name: "first", clusters: ["fleet-b"] },
                { name: "second", clusters: ["fleet-c"] },
            ],
            clusters: clusters.map((cluster) => ({ name: cluster.name, kubeconfig: cluster.kubeconfig, context: "e2e" })),
        };
        fs.writeFileSync(fleetFile, yaml.dump(document));
    }

    before(async () => {
        await baseline("fleet", { localPath: "unowned" });
        clusters = [new FleetCluster("fleet-a", process.env.KUBECONFIG!), FleetCluster.start("fleet-b"), FleetCluster.start("fleet-c")];
    });

    after(() => {
        for (const cluster of clusters) {
            cluster.stop();
        }
        for (const name of ["fleet-a", "fleet-b", "fleet-c"]) {
            fs.rmSync(path.join(ROOT, `Pulumi.${name}.yaml`), { force: true });
        }
        console.log(`      fleet measurements:\n${measured.map((line) => `        ${line}`).join("\n")}`);
    });

    it("1. plan previews the three clusters at once: each an install of 0.9.0", async () => {
        writeFleet("0.9.0");
        const result = await fleet("fleet plan (0.9.0, three at once)", "plan", "--fleet", fleetFile, "--json");
        const report = reportOf(result);
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(results(report), { "fleet-a": "planned", "fleet-b": "planned", "fleet-c": "planned" });
        for (const row of report.rows) {
            assert.equal(row.detail, "install", JSON.stringify(row));
            assert.equal(row.to, "0.9.0");
            assert.ok((row.changes ?? 0) >= 5, JSON.stringify(row));
            assert.ok(
                row.findings.every((finding) => finding.startsWith("auto-configuration: ")),
                `only the program's findings, not the engine's warnings: ${row.findings.join(" | ")}`,
            );
        }
        measured.push(`plan, 3 previews at once: ${result.seconds.toFixed(0)} s, peak ${result.peakMiB.toFixed(0)} MiB`);
    });

    it("2. up installs 0.9.0: the canary, then each wave, every cluster through verify", async () => {
        const result = await fleet("fleet up (0.9.0 on three clusters)", "up", "--fleet", fleetFile, "--json");
        const report = reportOf(result);
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr.slice(-4000)}`);
        assert.deepEqual(
            report.rows.map((row) => [row.cluster, row.wave, row.result]),
            [
                ["fleet-a", "canary", "done"],
                ["fleet-b", "first", "done"],
                ["fleet-c", "second", "done"],
            ],
        );
        for (const row of report.rows) {
            assert.match(row.detail, /^verify: 16 checks passed/, JSON.stringify(row));
        }
        // The waves ran in order: the progress names each before its clusters.
        const order = ["wave 1/3 canary", "canary/fleet-a: up done", "wave 2/3 first", "first/fleet-b: up done", "wave 3/3 second"];
        const positions = order.map((line) => result.stderr.indexOf(line));
        assert.ok(
            positions.every((at, i) => at >= 0 && (i === 0 || at > positions[i - 1])),
            result.stderr,
        );
        for (const cluster of clusters) {
            assert.deepEqual(await cluster.platformRelease(), { revision: 1, version: "0.9.0" }, cluster.name);
        }
        const perCluster = report.rows.map((row) => row.seconds ?? 0);
        measured.push(
            `up, install of 0.9.0, one cluster at a time: ${result.seconds.toFixed(0)} s in all; per cluster ${perCluster.map((s) => s.toFixed(0)).join(", ")} s; peak ${result.peakMiB.toFixed(0)} MiB`,
        );
    });

    it("3. 0.9.1 with a second operator on fleet-b: plan refuses it; up halts after the canary, fleet-c untouched", async () => {
        await clusters[1].rbac.createClusterRole({
            body: {
                metadata: {
                    name: SECOND_OPERATOR_ROLE,
                    annotations: { "meta.helm.sh/release-name": "team-a", "meta.helm.sh/release-namespace": "team-a" },
                },
                rules: [],
            },
        });
        writeFleet("0.9.1");
        const planned = await fleet("fleet plan (0.9.1, fleet-b refused)", "plan", "--fleet", fleetFile);
        assert.equal(planned.status, 1, planned.stdout);
        assert.match(planned.stdout, /fleet-a\s+canary\s+0\.9\.0 → 0\.9\.1\s+planned\s+\d+\s+\d+s\s+patch/);
        assert.match(planned.stdout, /fleet-b\s+first\s+0\.9\.0 → 0\.9\.1\s+refused\s+.*a cluster-wide Dynamo operator already runs/);
        assert.match(planned.stdout, /refused \(1\): fleet-b/);
        console.log(planned.stdout.replace(/^/gm, "      "));

        const result = await fleet("fleet up (0.9.1, halted at fleet-b)", "up", "--fleet", fleetFile, "--json");
        const report = reportOf(result);
        assert.equal(result.status, 1, result.stdout);
        assert.deepEqual(results(report), { "fleet-a": "done", "fleet-b": "failed", "fleet-c": "untouched" });
        assert.equal(report.halted, "cluster fleet-b failed in wave first");
        assert.match(
            report.rows[1].detail,
            /^preview: .*a cluster-wide Dynamo operator already runs \(ClusterRole team-a-dynamo-operator-manager-role/,
        );
        assert.match(report.next ?? "", /run up again: it resumes/);
        assert.deepEqual(await clusters[0].platformRelease(), { revision: 2, version: "0.9.1" });
        assert.deepEqual(await clusters[1].platformRelease(), { revision: 1, version: "0.9.0" }, "the refused cluster is unchanged");
        assert.deepEqual(await clusters[2].platformRelease(), { revision: 1, version: "0.9.0" }, "the later wave is untouched");
    });

    it("4. with the second operator gone, up resumes: the canary is checked, not changed; fleet-b and fleet-c reach 0.9.1", async () => {
        await clusters[1].rbac.deleteClusterRole({ name: SECOND_OPERATOR_ROLE });
        const result = await fleet("fleet up (resumed)", "up", "--fleet", fleetFile, "--json");
        const report = reportOf(result);
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr.slice(-4000)}`);
        assert.deepEqual(results(report), { "fleet-a": "unchanged", "fleet-b": "done", "fleet-c": "done" });
        assert.match(result.stderr, /canary\/fleet-a: already at 0\.9\.1: no change/);
        assert.deepEqual(await clusters[0].platformRelease(), { revision: 2, version: "0.9.1" }, "the canary is not applied again");
        for (const cluster of clusters.slice(1)) {
            assert.deepEqual(await cluster.platformRelease(), { revision: 2, version: "0.9.1" }, cluster.name);
        }
        const resumed = report.rows[0].seconds ?? 0;
        measured.push(
            `up, resumed: ${result.seconds.toFixed(0)} s; the done canary took ${resumed.toFixed(0)} s (preview and verify), the upgrades ${report.rows
                .slice(1)
                .map((row) => (row.seconds ?? 0).toFixed(0))
                .join(", ")} s; peak ${result.peakMiB.toFixed(0)} MiB`,
        );
    });

    it("5. one run per stack: a live run's hold refuses a second, a dead one's is taken over, unlock clears one", async () => {
        const hold = (pid: number) =>
            JSON.stringify({ fleet: "e2e", run: `other-${pid}`, host: os.hostname(), pid, since: new Date().toISOString() });
        ok(pulumi("tag fleet-b as held by a live run", ["stack", "tag", "set", LOCK_TAG, hold(process.pid), "--stack", "fleet-b"]));
        const refused = await fleet("fleet plan (fleet-b held)", "plan", "--fleet", fleetFile);
        assert.equal(refused.status, 2, refused.stdout);
        assert.match(
            refused.stderr,
            new RegExp(
                `fleet: stack fleet-b \\(cluster fleet-b\\) is held by fleet e2e \\(run other-${process.pid}, process ${process.pid} on `,
            ),
        );
        assert.match(refused.stderr, /npm run fleet -- unlock --fleet /);
        assert.equal(tagOf("fleet-a"), NO_HOLDER, "the refused run took no stack");

        ok(run("fleet unlock fleet-b", "npm", ["run", "-s", "fleet", "--", "unlock", "--fleet", fleetFile, "--cluster", "fleet-b"], ROOT));
        assert.equal(tagOf("fleet-b"), NO_HOLDER);
        const dead = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
        ok(
            pulumi("tag fleet-c as held by a killed run", [
                "stack",
                "tag",
                "set",
                LOCK_TAG,
                hold(Number(dead.stdout.trim())),
                "--stack",
                "fleet-c",
            ]),
        );
        const taken = await fleet("fleet plan (a killed run's hold)", "plan", "--fleet", fleetFile);
        assert.equal(taken.status, 0, taken.stderr);
        assert.match(taken.stderr, /fleet-c: taking over the tag of fleet e2e .* whose process is gone/);
        assert.match(taken.stdout, /planned \(3\): fleet-a, fleet-b, fleet-c/);
        assert.equal(tagOf("fleet-c"), NO_HOLDER, "the run gave its hold back");
    });

    it("6. status: every cluster ok; after a manual helm upgrade on fleet-c, fleet-c drifts", async () => {
        const clean = await fleet("fleet status", "status", "--fleet", fleetFile, "--json");
        const report = reportOf(clean);
        assert.equal(clean.status, 0, `${clean.stdout}\n${clean.stderr.slice(-4000)}`);
        assert.deepEqual(results(report), { "fleet-a": "ok", "fleet-b": "ok", "fleet-c": "ok" });
        for (const row of report.rows) {
            assert.equal(row.from, "0.9.1");
            assert.equal(row.to, "0.9.1");
        }
        measured.push(`status, 3 at once: ${clean.seconds.toFixed(0)} s, peak ${clean.peakMiB.toFixed(0)} MiB`);

        const chart = path.join(CHARTS, "dynamo-platform-0.9.1.tgz");
        ok(
            run(
                "helm upgrade on fleet-c by hand",
                "helm",
                [
                    "upgrade",
                    "dynamo-platform",
                    chart,
                    "-n",
                    NAMESPACE,
                    "--reuse-values",
                    "--set-string",
                    "e2eDrift=changed-by-hand",
                    "--kubeconfig",
                    clusters[2].kubeconfig,
                ],
                ROOT,
            ),
        );
        const drifted = await fleet("fleet status (fleet-c drifted)", "status", "--fleet", fleetFile, "--json");
        const after = reportOf(drifted);
        assert.equal(drifted.status, 1, drifted.stdout);
        assert.deepEqual(results(after), { "fleet-a": "ok", "fleet-b": "ok", "fleet-c": "drift" });
        const row = after.rows[2];
        assert.match(row.detail, /Helm release dynamo-platform is at revision 3, the stack recorded 2: changed outside Pulumi/);
        console.log(`      fleet-c drift: ${row.detail}`);
    });

    it("7. destroy goes in reverse order and keeps every cluster's CRDs", async () => {
        const crds = await Promise.all(clusters.map((cluster) => cluster.dynamoCrds()));
        const result = await fleet("fleet destroy", "destroy", "--fleet", fleetFile, "--json", "--yes");
        const report = reportOf(result);
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr.slice(-4000)}`);
        assert.deepEqual(
            report.rows.map((row) => [row.cluster, row.result]),
            [
                ["fleet-c", "destroyed"],
                ["fleet-b", "destroyed"],
                ["fleet-a", "destroyed"],
            ],
        );
        for (const [index, cluster] of clusters.entries()) {
            assert.equal(await cluster.platformRelease(), undefined, cluster.name);
            assert.ok(crds[index].length >= 6, `${cluster.name}: ${crds[index]}`);
            assert.deepEqual(await cluster.dynamoCrds(), crds[index], `${cluster.name}: the CRDs are kept`);
        }
        const again = await fleet("fleet destroy (nothing left)", "destroy", "--fleet", fleetFile, "--json", "--yes");
        assert.equal(again.status, 0, again.stdout);
        assert.deepEqual(results(reportOf(again)), { "fleet-a": "absent", "fleet-b": "absent", "fleet-c": "absent" });
    });
});

/** A free port on loopback. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

/** One request to the S3 API on loopback; resolves to the status and body. */
function s3(method: string, port: number, target: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const request = http.request({ host: "127.0.0.1", port, method, path: target }, (response) => {
            let body = "";
            response.on("data", (chunk) => (body += chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
        request.end();
    });
}

describe("fleet: the same commands with the stacks in object storage (an S3 API on loopback)", function () {
    const BUCKET = "fleet-state";
    const fleetFile = path.join(work, "fleet-s3.yaml");
    const credentials = {
        AWS_ACCESS_KEY_ID: "e2e",
        AWS_SECRET_ACCESS_KEY: "e2e",
        AWS_REGION: "us-east-1",
        AWS_EC2_METADATA_DISABLED: "true",
    };
    let cluster: FleetCluster | undefined;
    let server: ReturnType<typeof spawn> | undefined;
    let port = 0;
    /** The environment that points the Pulumi CLI at the bucket, for the test's own reads. */
    let s3Backend: NodeJS.ProcessEnv = {};

    before(async () => {
        cluster = FleetCluster.start("fleet-s3");
        port = await freePort();
        server = spawn(S3_SERVER, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
        const deadline = Date.now() + 60_000;
        while ((await s3("PUT", port, `/${BUCKET}`).catch(() => ({ status: 0 }))).status !== 200) {
            assert.ok(Date.now() < deadline, "the S3 API did not answer within 60 s");
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const backend = `s3://${BUCKET}?endpoint=http://127.0.0.1:${port}&s3ForcePathStyle=true&region=us-east-1`;
        s3Backend = { ...credentials, PULUMI_BACKEND_URL: backend };
        fs.writeFileSync(
            fleetFile,
            yaml.dump({
                name: "e2e-s3",
                release: "0.9.1",
                backend,
                config: FLEET_CONFIG,
                waves: [{ name: "only", clusters: ["fleet-s3"] }],
                clusters: [{ name: "fleet-s3", kubeconfig: cluster.kubeconfig, context: "e2e" }],
            }),
        );
    });

    after(() => {
        server?.kill();
        cluster?.stop();
        fs.rmSync(path.join(ROOT, "Pulumi.fleet-s3.yaml"), { force: true });
    });

    it("up, interrupted by SIGTERM during the install, stops cleanly and gives its hold back; the next up completes", async () => {
        const interrupted = await fleetWith(
            credentials,
            "fleet up (backend in S3, SIGTERM during the install)",
            ["up", "--fleet", fleetFile, "--json"],
            /only\/fleet-s3: up: \d+ changes/,
        );
        assert.equal(interrupted.status, 130, `${interrupted.stdout}\n${interrupted.stderr.slice(-4000)}`);
        assert.match(interrupted.stderr, /SIGTERM: the running clusters stop once Pulumi has finished their in-flight operations/);
        const report = reportOf(interrupted);
        assert.equal(report.ok, false);
        assert.equal(report.rows[0].result, "failed", JSON.stringify(report.rows[0]));
        assert.equal(
            report.rows[0].detail,
            "up: interrupted: Pulumi stopped once its in-flight operations had finished, and saved the state",
        );
        assert.equal(report.halted, "the run was interrupted");
        assert.equal(tagOf("fleet-s3", s3Backend), NO_HOLDER, "the interrupted run gave its hold back");
    });

    it("up, status (without the stack file, as on another machine) and destroy keep the stack, its state and its hold in the bucket", async () => {
        const rolled = await fleetWith(credentials, "fleet up (backend in S3)", ["up", "--fleet", fleetFile, "--json"]);
        assert.equal(rolled.status, 0, `${rolled.stdout}\n${rolled.stderr.slice(-4000)}`);
        assert.deepEqual(results(reportOf(rolled)), { "fleet-s3": "done" }, "what the interrupted run left converges");
        assert.deepEqual(await cluster!.platformRelease(), { revision: 1, version: "0.9.1" });

        const listing = await s3("GET", port, `/${BUCKET}?list-type=2`);
        const keys = [...listing.body.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
        assert.ok(keys.includes(".pulumi/stacks/dynamo/fleet-s3.json"), keys.join(", "));
        assert.ok(keys.includes(".pulumi/stacks/dynamo/fleet-s3.pulumi-tags"), keys.join(", "));
        assert.equal(tagOf("fleet-s3", s3Backend), NO_HOLDER, "the run's hold, given back, is in the bucket");
        assert.ok(
            !fs.existsSync(path.join(work, "state", ".pulumi", "stacks", "dynamo", "fleet-s3.json")),
            "not in the harness's folder backend",
        );

        // As a CI job on another machine finds it: the stack in the bucket, no stack file here.
        fs.rmSync(path.join(ROOT, "Pulumi.fleet-s3.yaml"));
        const checked = await fleetWith(credentials, "fleet status (backend in S3, no stack file)", [
            "status",
            "--fleet",
            fleetFile,
            "--json",
        ]);
        assert.equal(checked.status, 0, checked.stdout);
        assert.deepEqual(results(reportOf(checked)), { "fleet-s3": "ok" });

        const destroyed = await fleetWith(credentials, "fleet destroy (backend in S3)", [
            "destroy",
            "--fleet",
            fleetFile,
            "--json",
            "--yes",
        ]);
        assert.equal(destroyed.status, 0, destroyed.stdout);
        assert.deepEqual(results(reportOf(destroyed)), { "fleet-s3": "destroyed" });
        assert.equal(await cluster!.platformRelease(), undefined);
    });
});
