/**
 * Faults, injected for real on the end-to-end cluster, and what the user sees and does next; each
 * case asserts that the user's model, the CRDs and the platform are still there afterwards. On
 * 1.5.0 with its real operator (webhooks `Fail`), from the harness's baseline:
 *
 * - `pulumi up` killed (SIGKILL, the CLI and every process under it) while Helm installs the
 *   platform, and again while Helm upgrades it: the next run reports the stale lock with Pulumi's
 *   `pulumi cancel`, the run after that stops before anything changes with the one command that
 *   clears Helm's pending state (preflight), and after it `pulumi up` converges;
 * - the cluster unreachable: `pulumi up` stops with one error naming the cluster, nothing registered;
 * - two `pulumi up` of one stack at once: the second is refused by the backend's lock, the first
 *   completes, and the state is intact (a preview plans no changes);
 * - the operator down (scaled to zero) while its webhooks fail closed: verify names both causes,
 *   `pulumi up` of a platform change completes and brings the operator back, and with it down again
 *   `pulumi destroy` completes, keeping the CRDs and the model, and the next `pulumi up` reconciles
 *   the model again;
 * - with etcd: a platform hook Job that fails, and the operator crash-looping from a bad value: verify
 *   and preflight name the Job or the container with the command for its log, the teardown deletes
 *   nothing while the operator is down, and the corrected run converges (after the rollback a failed
 *   upgrade needs);
 * - on 1.0.1, every pod simulated: the API server killed and back 5 s later while Helm upgrades: the
 *   run fails, the next stops with the rollback, and after it `pulumi up` converges, the model, the
 *   CRDs and etcd's and NATS's volumes kept.
 *
 * Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    apps,
    baseline,
    batch,
    core,
    custom,
    dynamoCrds,
    env,
    eventually,
    exists,
    helmRelease,
    installWithModel,
    MODELS_NAMESPACE,
    ok,
    NAMESPACE,
    OPERATOR,
    operator,
    PLATFORM_CONFIG,
    PlatformStack,
    processTree,
    pulumi,
    readUserModel,
    ROOT,
    run,
    timings,
    work,
} from "./harness";
import { deployMockerModel, graphAddress, graphReady, MODEL, operatorConfig } from "./mockerModel";

const config = operatorConfig("1.5.0");

/** A platform change that rolls the operator out again: an annotation on its pod template, `e2e.test/change: <value>`. */
function changedConfig(value: string): Record<string, unknown> {
    return { ...config, helmValues: { "dynamo-operator": { controllerManager: { podAnnotations: { "e2e.test/change": value } } } } };
}

async function scaleOperator(replicas: number): Promise<void> {
    await apps.patchNamespacedDeploymentScale(
        { name: OPERATOR, namespace: NAMESPACE, body: { spec: { replicas } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await eventually(`the operator at ${replicas} replicas`, async () => {
        const pods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/name=dynamo-operator" }))
            .items;
        return pods.filter((p) => !p.metadata?.deletionTimestamp).length === replicas && pods.length === replicas;
    });
}

/** The stack's resources, from its state. */
function stateResources(stack: PlatformStack): string[] {
    const exported = pulumi("stack export", ["stack", "export", "--stack", stack.stack]).output;
    const deployment = JSON.parse(exported.slice(exported.indexOf("{"))).deployment as { resources?: { type: string }[] };
    return (deployment.resources ?? []).map((r) => r.type);
}

/** A `pulumi up` running in the background, in a process group of its own, its output collected. */
interface BackgroundUp {
    pid: number;
    exited: Promise<number | null>;
    /** Its exit code once it has ended, else undefined. */
    exitCode(): number | null | undefined;
    output(): string;
}

function startUp(stack: PlatformStack): BackgroundUp {
    const child = spawn("pulumi", [...stack.on("up", "--yes", "--skip-preview"), "--non-interactive", "--color", "never"], {
        cwd: ROOT,
        env,
        detached: true,
    });
    let output = "";
    let exitCode: number | null | undefined;
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => {
            exitCode = code;
            resolve(code);
        }),
    );
    return { pid: child.pid!, exited, exitCode: () => exitCode, output: () => output };
}

/** Waits until Helm is at work on the platform release (its newest revision has `status`) while `up` runs. */
async function releaseReaches(status: string, up: BackgroundUp): Promise<void> {
    await eventually(
        `the platform release ${status}`,
        async () => {
            assert.equal(up.exitCode(), undefined, `the run ended before the release was ${status}:\n${up.output().slice(-3000)}`);
            return (await helmRelease("dynamo-platform", NAMESPACE))?.status === status;
        },
        120,
    );
}

/**
 * Starts `pulumi up` on `stack`, waits until the platform release reaches `status`, then kills the
 * CLI and every process under it (the language host, the provider that runs Helm) with SIGKILL.
 * Pulumi starts its plugins in process groups of their own, so killing the CLI's group would leave
 * the provider that runs Helm alive to finish the install; a CI job's timeout can kill the job's
 * whole tree, as this does. The CLI goes first: with its provider killed first, the CLI lived on to
 * write a checkpoint and was killed in the middle of it, leaving the stack's state file empty
 * (`failed to load checkpoint: EOF`; see docs/reliability.md).
 */
async function killUpWhile(stack: PlatformStack, step: string, status: string): Promise<void> {
    const start = Date.now();
    const up = startUp(stack);
    try {
        await releaseReaches(status, up);
    } finally {
        const tree = processTree(up.pid);
        for (const pid of tree) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // Already gone.
            }
        }
        await up.exited;
        timings.push([step, (Date.now() - start) / 1000]);
    }
}

/**
 * The first thing a killed run leaves: the backend's lock, which the next `pulumi up` reports with
 * Pulumi's own fix, `pulumi cancel`; that is run as printed.
 */
function clearStaleLock(stack: PlatformStack, what: string): void {
    const locked = stack.tryUp(`up (after the killed ${what}: the lock)`);
    assert.notEqual(locked.status, 0, locked.output);
    assert.match(
        locked.output,
        /the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`/,
    );
    ok(pulumi(`pulumi cancel (after the killed ${what})`, ["cancel", "--yes", "--stack", stack.stack]));
}

describe("end-to-end faults: pulumi up killed (SIGKILL) during the first install and during an upgrade (1.5.0, the real operator)", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("faults-kill");

    before(async () => {
        await baseline("faults-kill");
        stack.init();
        stack.write(config);
    });

    after(() => stack.cleanup());

    it("killed during the first install: the next run stops with the one command that clears Helm's pending install; after it, pulumi up converges", async () => {
        await killUpWhile(stack, "up (killed during the first install)", "pending-install");
        await new Promise((resolve) => setTimeout(resolve, 3000));
        assert.equal((await helmRelease("dynamo-platform", NAMESPACE))?.status, "pending-install", "what the kill left");

        clearStaleLock(stack, "install");
        const stopped = stack.tryUp("up (after the killed install)");
        assert.notEqual(stopped.status, 0, stopped.output);
        const command = "helm uninstall dynamo-platform -n dynamo-system --no-hooks";
        assert.match(stopped.output, /the dynamo-platform release \(revision 1\) is pending-install: a run was interrupted/);
        assert.ok(stopped.output.includes(`run \`${command}\``), stopped.output);
        assert.match(stopped.output, /pending operations from previous deployment/, "Pulumi's own warning of the interrupted create");
        assert.doesNotMatch(stopped.output, / (creating|updating|deleting) \(\d/, "stopped before any resource operation");

        ok(run(command, "helm", command.split(" ").slice(1), ROOT));
        stack.up("up (after the printed command)");
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.equal((await operator()).ready, 1);
        stack.previewNoChanges("preview --expect-no-changes (after the killed install)");
    });

    it("killed during an upgrade: the next run stops with the rollback; after it, pulumi up converges, the model Ready before and after", async () => {
        await deployMockerModel("1.5.0", "the model Ready", 120);

        stack.write(changedConfig("1"));
        await killUpWhile(stack, "up (killed during an upgrade)", "pending-upgrade");
        await new Promise((resolve) => setTimeout(resolve, 3000));
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "pending-upgrade" }, "what the kill left");

        clearStaleLock(stack, "upgrade");
        const stopped = stack.tryUp("up (after the killed upgrade)");
        assert.notEqual(stopped.status, 0, stopped.output);
        const command = "helm rollback dynamo-platform -n dynamo-system";
        assert.match(stopped.output, /\(revision 2\) is pending-upgrade/);
        assert.ok(stopped.output.includes(`run \`${command}\``), stopped.output);

        ok(run(command, "helm", command.split(" ").slice(1), ROOT));
        stack.up("up (after the rollback)");
        assert.equal((await helmRelease("dynamo-platform", NAMESPACE))?.status, "deployed");
        const annotations = (await apps.readNamespacedDeployment({ name: OPERATOR, namespace: NAMESPACE })).spec?.template.metadata
            ?.annotations;
        assert.equal(annotations?.["e2e.test/change"], "1", "the upgrade the killed run started is applied");
        await eventually("the model Ready after it", () => graphReady(), 120);
        assert.ok((await dynamoCrds()).includes("dynamographdeployments.nvidia.com"));
        stack.previewNoChanges("preview --expect-no-changes (after the killed upgrade)");
        stack.destroy("destroy (faults-kill, cleanup)");
    });
});

describe("end-to-end faults: an unreachable cluster, two runs at once, an operator that is down (1.5.0, the real operator)", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("faults");

    before(async () => {
        await baseline("faults");
        stack.init();
        stack.write(config);
    });

    after(() => stack.cleanup());

    it("the cluster unreachable: pulumi up stops with one error naming the cluster, and nothing is registered", () => {
        const kubeconfig = path.join(work, "unreachable.kubeconfig");
        fs.writeFileSync(
            kubeconfig,
            [
                "apiVersion: v1",
                "kind: Config",
                "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
                "users: [{name: gone, user: {token: t}}]",
                "contexts: [{name: gone, context: {cluster: gone, user: gone}}]",
                "current-context: gone",
            ].join("\n"),
        );
        const run = pulumi("up (the cluster unreachable)", stack.on("up", "--yes", "--skip-preview"), ROOT, { KUBECONFIG: kubeconfig });
        assert.notEqual(run.status, 0, run.output);
        assert.match(
            run.output,
            /The cluster cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:1\), so nothing was changed: .*kubectl cluster-info.*pulumi config set dynamo:autoConfigure false/,
        );
        assert.equal(run.output.match(/^ {4}error: /gm)?.length, 1, "one error among the diagnostics");
        assert.deepEqual(
            stateResources(stack).filter((type) => type.startsWith("kubernetes:") || type.startsWith("dynamo:")),
            [],
            "nothing registered",
        );
    });

    it("two pulumi up of one stack at once: the second is refused by the backend's lock; the first completes and the state is intact", async () => {
        const start = Date.now();
        const first = startUp(stack);
        await eventually("the first run has started updating", async () => /Updating \(/.test(first.output()), 60);
        const second = stack.tryUp("up (a second run while the first holds the lock)");
        assert.notEqual(second.status, 0, second.output);
        assert.match(second.output, /currently locked/i);
        const firstStatus = await first.exited;
        timings.push(["up (the first of two at once)", (Date.now() - start) / 1000]);
        assert.equal(firstStatus, 0, first.output());
        assert.equal((await operator()).ready, 1);
        stack.previewNoChanges("preview --expect-no-changes (after two runs at once)");
    });

    it("the operator down while its webhooks fail closed: verify names the causes; an up completes and brings it back; a destroy completes keeping the CRDs and the model", async () => {
        await deployMockerModel("1.5.0", "the model Ready", 120);

        await scaleOperator(0);
        const verified = stack.verify("npm run verify (the operator down)");
        assert.equal(verified.status, 1, verified.stdout);
        assert.match(verified.stdout, /operator deployment\s+FAIL\s+0\/0 ready: scaled to zero/);
        assert.match(
            verified.stdout,
            /admission webhook\s+FAIL\s+conversion webhook for nvidia\.com\/v1alpha1, Kind=DynamoGraphDeployment cannot be called: /,
        );
        assert.match(
            verified.stdout,
            /kubectl scale deployment dynamo-platform-dynamo-operator-controller-manager -n dynamo-system --replicas=1/,
        );

        // A platform change while it is down: Helm's upgrade puts the chart's replica count back.
        const revision = (await helmRelease("dynamo-platform", NAMESPACE))!.revision;
        stack.write(changedConfig("1"));
        stack.up("up (a platform change, the operator down)");
        assert.equal((await helmRelease("dynamo-platform", NAMESPACE))!.revision, revision + 1);
        assert.equal((await operator()).ready, 1, "the upgrade brought the operator back");
        await eventually("the model Ready again", () => graphReady(), 120);

        await scaleOperator(0);
        stack.destroy("destroy (the operator down)");
        assert.ok((await dynamoCrds()).includes("dynamographdeployments.nvidia.com"), "the CRDs kept");
        assert.ok(await exists(() => custom.getNamespacedCustomObject({ ...graphAddress, name: MODEL })), "the model kept");

        stack.up("up (after a destroy with the operator down)");
        await eventually("the model reconciled again", () => graphReady(), 120);
        stack.destroy("destroy (faults, cleanup)");
    });
});

describe("end-to-end faults: a platform hook Job that fails, an operator that crash-loops (1.5.0 with etcd, the real operator)", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("faults-hooks");
    /** 1.5.0 with etcd, whose chart has a pre-upgrade hook Job (off unless switched on). */
    const withEtcd = { ...config, discoveryBackend: "etcd", persistenceStorageClass: "local-path", localPath: { install: true } };
    /** How long Helm waits for a hook or the rollout in the runs that are meant to fail. */
    const failingTimeout = { helmReleaseOptions: { timeout: 40 } };
    const preUpgradeJob = (podLabels: Record<string, string>) => ({
        ...withEtcd,
        helmValues: { etcd: { preUpgradeJob: { enabled: true, podLabels } } },
    });
    /** KWOK's chaos stage fails a running pod with this label, exit code 1. */
    const failingPod = { "pod-container-running-failed.stage.kwok.x-k8s.io": "true" };

    before(async () => {
        await baseline("faults-hooks");
        stack.init();
        stack.write(withEtcd);
        stack.up("up (1.5.0 with etcd)");
        await deployMockerModel("1.5.0", "the model Ready", 120);
    });

    after(() => stack.cleanup());

    it("a pre-upgrade hook Job whose pod exits 1: the run fails; preview, verify and the next run name the Job, its pod's exit and its log; without the cause the run succeeds", async () => {
        stack.write({ ...preUpgradeJob(failingPod), ...failingTimeout });
        const failed = stack.tryUp("up (the pre-upgrade hook Job fails)");
        assert.notEqual(failed.status, 0, failed.output);
        assert.match(failed.output, /pre-upgrade hooks failed/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "failed" });

        const job = "dynamo-platform-etcd-pre-upgrade";
        const named = new RegExp(
            `the pre-upgrade hook Job dynamo-system/${job} has failed pods and was still retrying when Helm stopped waiting: pod (${job}-\\w+) exited 1 \\(containerFailed\\); its log: \`(kubectl logs -n dynamo-system ${job}-\\w+ -c pre-upgrade-job)\``,
        );
        const verified = stack.verify("npm run verify (a hook Job failed)");
        assert.equal(verified.status, 1, verified.stdout);
        assert.match(verified.stdout, /release dynamo-platform\s+FAIL\s+revision 2 failed: /);
        const logCommand = named.exec(verified.stdout)?.[2];
        assert.ok(logCommand, verified.stdout);
        ok(run("the log command verify printed", "kubectl", logCommand.split(" ").slice(1), ROOT));
        const preview = pulumi("preview (a hook Job failed)", stack.on("preview"));
        assert.match(
            preview.output,
            /warning: auto-configuration: hooks: the pre-upgrade hook Job .*-> an earlier run failed in this hook; Helm replaces the Job and runs it again now/,
        );
        assert.ok(await exists(() => custom.getNamespacedCustomObject({ ...graphAddress, name: MODEL })), "the model kept");

        stack.write(preUpgradeJob({}));
        const fixed = stack.up("up (the hook's cause removed)");
        assert.match(fixed.output, named, "the run names the failed Job before it replaces it");
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 3, status: "deployed" });
        const rerun = await batch.readNamespacedJob({ name: job, namespace: NAMESPACE });
        assert.equal(rerun.status?.succeeded, 1, "Helm replaced the failed Job and the new one completed");
        await eventually("the model Ready", () => graphReady(), 120);
        assert.ok((await dynamoCrds()).includes("dynamographdeployments.nvidia.com"));
        stack.previewNoChanges("preview --expect-no-changes (after the failed hook)");
    });

    it("the operator crash-looping (a bad value in dynamo:helmValues): verify names its exit and log; the teardown deletes nothing and says why; the corrected up stops with the rollback, after it converges", async () => {
        // The Go runtime refuses a malformed GOMEMLIMIT at start: the real manager exits 2 on every start.
        stack.write({
            ...withEtcd,
            ...failingTimeout,
            helmValues: { "dynamo-operator": { env: [{ name: "GOMEMLIMIT", value: "bogus" }] } },
        });
        const broken = stack.tryUp("up (a value that makes the operator crash)");
        assert.notEqual(broken.status, 0, broken.output);
        await eventually(
            "the operator restarted",
            async () =>
                (
                    await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/name=dynamo-operator" })
                ).items.some((pod) => (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0),
            60,
        );

        const pod = "dynamo-platform-dynamo-operator-controller-manager-[\\w-]+";
        const verified = stack.verify("npm run verify (the operator crash-looping)");
        assert.equal(verified.status, 1, verified.stdout);
        assert.match(
            verified.stdout,
            new RegExp(
                `operator deployment\\s+FAIL\\s+0/1 ready: pod ${pod} container manager (CrashLoopBackOff, )?restarted \\d+ times?, last exit 2 \\(Error\\)`,
            ),
        );
        const logCommand = new RegExp(`\`(kubectl logs -n dynamo-system ${pod} -c manager --previous)\``).exec(verified.stdout)?.[1];
        assert.ok(logCommand, verified.stdout);
        const log = run("the log command verify printed", "kubectl", logCommand.split(" ").slice(1), ROOT);
        assert.match(log.output, /malformed GOMEMLIMIT/, "the log of the run that ended says why");

        const listed = run("npm run teardown (the operator crash-looping: lists)", "npm", ["run", "-s", "teardown"], ROOT);
        assert.equal(listed.status, 0, listed.output);
        assert.match(
            listed.output,
            new RegExp(`^dynamographdeployments/${MODELS_NAMESPACE}/${MODEL}$`, "m"),
            "listed with the conversion webhook down",
        );
        const refused = run(
            "npm run teardown -- --yes (the operator crash-looping)",
            "npm",
            ["run", "-s", "teardown", "--", "--yes"],
            ROOT,
        );
        assert.equal(refused.status, 1, refused.output);
        assert.match(
            refused.output,
            new RegExp(
                `teardown: nothing deleted: the Dynamo operator dynamo-system/${OPERATOR} is not running \\(0/1 ready: pod ${pod} container manager .*last exit 2 \\(Error\\)\\)`,
            ),
        );
        const model = (await custom.getNamespacedCustomObject({ ...graphAddress, name: MODEL })) as k8s.KubernetesObject;
        assert.equal(model.metadata?.deletionTimestamp, undefined, "the model is not being deleted");

        // Helm would compute the next upgrade against the last deployed revision and keep the variable
        // the failed one set: preflight stops with the rollback first.
        stack.write(withEtcd);
        const stopped = stack.tryUp("up (the value corrected: stops with the rollback)");
        assert.notEqual(stopped.status, 0, stopped.output);
        const rollback = /Run `(helm rollback dynamo-platform \d+ -n dynamo-system)`/.exec(stopped.output)?.[1];
        assert.ok(rollback, stopped.output);
        assert.match(stopped.output, /revision \d+ failed after Helm applied it/);
        assert.doesNotMatch(stopped.output, / (creating|updating|deleting) \(\d/, "stopped before any resource operation");
        ok(run(rollback, "helm", rollback.split(" ").slice(1), ROOT));
        stack.up("up (after the rollback, the value corrected)");
        assert.equal((await operator()).ready, 1);
        await eventually("the model Ready again", () => graphReady(), 120);
        stack.previewNoChanges("preview --expect-no-changes (after the crash loop)");
    });
});

describe("end-to-end faults: the API server restarted during an upgrade (1.0.1, every pod simulated)", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("faults-restart");
    /** 1.0.1 with etcd and NATS, whose volumes are the platform's data; no pod runs for real (see docs/reliability.md). */
    const simulated = {
        ...PLATFORM_CONFIG,
        releaseVersion: "1.0.1",
        monitoringStack: undefined,
        groveEnabled: false,
        kaiSchedulerEnabled: false,
    };
    const CLUSTER_STATE = path.dirname(process.env.KUBECONFIG ?? "");
    const claims = async () =>
        (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items
            .map((c) => `${c.metadata?.name} ${c.metadata?.uid}`)
            .sort();

    before(async () => {
        await baseline("faults-restart", { localPath: "absent" });
        stack.init();
        await installWithModel(stack, "up (1.0.1 with a model)", simulated);
    });

    after(() => stack.cleanup());

    it("killed (SIGKILL) and back 5 s later while Helm upgrades: the run fails, the next stops with the rollback, after it pulumi up converges; the model, the CRDs and the volumes kept", async () => {
        const volumes = await claims();
        assert.equal(volumes.length, 2, "etcd's and NATS's claims");
        const crds = await dynamoCrds();

        // A platform change Helm applies as an upgrade: a toleration every platform pod gets.
        stack.write({ ...simulated, tolerations: [{ key: "e2e.test/change", operator: "Exists" }] });
        const start = Date.now();
        const up = startUp(stack);
        await releaseReaches("pending-upgrade", up);
        ok(run("restart the API server (down 5 s)", path.join(ROOT, "e2e", "cluster"), ["restart-apiserver", CLUSTER_STATE, "5"], ROOT));
        const status = await up.exited;
        timings.push(["up (the API server restarted during it)", (Date.now() - start) / 1000]);
        console.log(
            `      the run during the restart exited ${status}; the release is then ${JSON.stringify(await helmRelease("dynamo-platform", NAMESPACE))}`,
        );

        // The way back: pulumi up, following the one command a refusal prints, until it converges.
        for (let attempt = 1; attempt <= 3; attempt++) {
            const next = stack.tryUp(`up (after the API server restart, attempt ${attempt})`);
            if (next.status === 0) {
                break;
            }
            const command = /[Rr]un `((?:helm (?:uninstall|rollback))[^`]*)`/.exec(next.output)?.[1];
            assert.ok(
                command !== undefined && attempt < 3,
                `no command to follow:\n${next.output.slice(-3000)}\n(the run during the restart:\n${up.output().slice(-3000)})`,
            );
            assert.doesNotMatch(next.output, / (creating|updating|deleting) \(\d/, "stopped before any resource operation");
            const [program, ...args] = command.split(" ");
            ok(run(command, program, args, ROOT));
        }
        assert.equal((await helmRelease("dynamo-platform", NAMESPACE))?.status, "deployed");
        const tolerations =
            (await apps.readNamespacedDeployment({ name: OPERATOR, namespace: NAMESPACE })).spec?.template.spec?.tolerations ?? [];
        assert.ok(
            tolerations.some((t) => t.key === "e2e.test/change"),
            "the upgrade applied",
        );
        assert.ok(await exists(readUserModel), "the model kept");
        assert.deepEqual(await dynamoCrds(), crds, "the CRDs kept");
        assert.deepEqual(await claims(), volumes, "etcd's and NATS's volumes kept (the same claims)");
        stack.previewNoChanges("preview --expect-no-changes (after the API server restart)");
    });
});
