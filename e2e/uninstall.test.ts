/**
 * End-to-end uninstall and reinstall with the real 0.9.1 charts, waits on, from 0.9.1 installed
 * with a model (the default: the CRDs a `dynamo-crds` release): the default destroy keeps every CRD
 * and the model; the install right after adopts them; the CRDs move between Pulumi and the release
 * without one deleted; the opt-in destroy (`removeCrdsOnDestroy`) stops within its timeout on a
 * finalizer nobody clears, and removes everything once it is cleared; and what a raw `helm
 * uninstall` of the same charts leaves. Starts from the harness's baseline, with an unowned
 * `local-path` class and the monitoring stack. Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as path from "path";
import {
    allPodsReady,
    apiextensions,
    awaitCrdDeletion,
    awaitDeletion,
    baseline,
    CHARTS,
    core,
    CRDS_09,
    custom,
    dynamoCrds,
    eventually,
    exists,
    helmRelease,
    helmValues,
    installWithModel,
    modelAddress,
    MODELS_NAMESPACE,
    NAMESPACE,
    ok,
    PLATFORM_CONFIG,
    PlatformStack,
    readUserModel,
    ROOT,
    run,
    storage,
    timings,
    userModel,
    work,
} from "./harness";

/** `dynamo:teardownTimeoutSeconds` in the opt-in destroy steps: how long a CRD deletion may wait. */
const TEARDOWN_SECONDS = 15;

describe("end-to-end uninstall and reinstall: 0.9.1 with a model, the real charts, waits on", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("uninstall");
    const config = { ...PLATFORM_CONFIG, releaseVersion: "0.9.1" };
    let platformValues: Record<string, unknown> = {};

    before(async () => {
        await baseline("uninstall", { localPath: "unowned", monitoring: true });
        stack.init();
        await installWithModel(stack, "up (0.9.1 with a model, the uninstall's start)", config);
    });

    after(() => stack.cleanup());

    it("10. pulumi destroy removes the platform and deletes its namespace without waiting, but keeps every CRD and the user's model", async () => {
        stack.destroy("destroy (default)");
        assert.equal(await helmRelease("dynamo-platform", NAMESPACE), undefined);
        // Destroy does not wait for the namespace controller (5 s or more here): step 11 starts at once.
        const namespace = await core.readNamespace({ name: NAMESPACE });
        assert.ok(namespace.metadata?.deletionTimestamp, "the namespace is still terminating when the destroy returns");
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined, "uninstalled");
        assert.deepEqual(await dynamoCrds(), CRDS_09, "all six kept, DynamoWorkerMetadata too (the chart does not mark it keep)");
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the destroy");
        assert.ok(!(await exists(() => storage.readStorageClass({ name: "nfs" }))), "the stack's own class is removed");
        assert.ok(await exists(() => storage.readStorageClass({ name: "local-path" })), "the class the stack did not create stays");
    });

    it("11. pulumi up right after needs no manual step: it waits for the namespace, adopts the kept CRDs and the model stays; the CRDs move between Pulumi and the release without one deleted", async () => {
        const withTimeout = { ...config, teardownTimeoutSeconds: TEARDOWN_SECONDS };
        stack.write({ ...withTimeout, removeCrdsOnDestroy: true });
        const adopted = stack.up("up (0.9.1 onto the kept CRDs, the namespace still terminating)");
        assert.match(adopted.output, /auto-configuration: waiting for namespace dynamo-system to finish terminating/);
        assert.ok(await exists(readUserModel), "adopting the CRDs did not delete the model");
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined, "rendered by Pulumi, which deletes each CRD on destroy");
        const rendered = stack.crdResources();
        assert.equal(rendered.length, 6);
        assert.ok(
            rendered.every((r) => r.retainOnDelete !== true),
            "deleted by a destroy",
        );

        // Back to the default: the CRDs, held by resources that a destroy would delete, are handed over.
        stack.write(withTimeout);
        const handedOver = stack.up("up (0.9.1, the CRDs handed over to the dynamo-crds release)");
        assert.match(handedOver.output, /auto-configuration: crds: .* without a dynamo-crds release .* -> hand them over/);
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 1, status: "deployed" });
        assert.equal(stack.crdResources().length, 6);
        assert.ok(
            stack.crdResources().every((r) => r.retainOnDelete === true),
            "retained for the hand-over run",
        );
        const released = stack.up("up (0.9.1, the rendered chart dropped)");
        assert.match(released.output, /deleted/);
        assert.equal(stack.crdResources().length, 0);
        assert.deepEqual(await dynamoCrds(), CRDS_09, "dropping the rendered chart deleted no CRD");
        assert.ok(await exists(readUserModel));
        stack.previewNoChanges("preview --expect-no-changes (the CRDs a release)");

        // And to removeCrdsOnDestroy again, for step 12: the release goes, its uninstall keeping every CRD.
        stack.write({ ...withTimeout, removeCrdsOnDestroy: true });
        stack.up("up (0.9.1, removeCrdsOnDestroy: the CRDs rendered by Pulumi again)");
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined);
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        assert.ok(await exists(readUserModel));
        platformValues = await helmValues("dynamo-platform", NAMESPACE);
        stack.previewNoChanges("preview --expect-no-changes (after adoption)");
    });

    it("12. with removeCrdsOnDestroy and a model whose finalizer nobody removes: the destroy stops within the timeout, the teardown names it, then everything goes", async () => {
        const stuck = { ...userModel, metadata: { name: "stuck", namespace: MODELS_NAMESPACE, finalizers: ["e2e.test/keep"] } };
        await custom.createNamespacedCustomObject({ ...modelAddress, body: stuck });

        const start = Date.now();
        const blocked = stack.tryDestroy("destroy (removeCrdsOnDestroy, a finalizer left)");
        const waited = (Date.now() - start) / 1000;
        assert.notEqual(blocked.status, 0, blocked.output);
        assert.ok(waited < TEARDOWN_SECONDS + 60, `the destroy stopped after ${waited}s instead of hanging`);
        assert.match(blocked.output, new RegExp(`${modelAddress.plural}\\.nvidia\\.com`));

        const teardown = (step: string, ...args: string[]) => run(step, "npm", ["run", "-s", "teardown", "--", ...args], ROOT);
        const named = teardown("npm run teardown (a finalizer left)", "--yes", "--timeout", "5");
        assert.equal(named.status, 1, named.output);
        assert.match(named.output, new RegExp(`${modelAddress.plural}/models/stuck \\(finalizers: e2e\\.test/keep\\)`));
        await custom.patchNamespacedCustomObject(
            { ...modelAddress, name: "stuck", body: { metadata: { finalizers: null } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        const cleared = teardown("npm run teardown", "--yes");
        assert.equal(cleared.status, 0, cleared.output);
        assert.match(cleared.output, /none left/);

        stack.destroy("destroy (removeCrdsOnDestroy)");
        await eventually("the six CRDs deleted", async () => (await dynamoCrds()).length === 0);
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        assert.ok(!(await exists(readUserModel)));
    });

    it("13. a raw helm install of the same two charts with the same values, and what its uninstall leaves", async () => {
        const valuesFile = path.join(work, "platform-values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(platformValues));
        const start = Date.now();
        ok(
            run(
                "helm install dynamo-crds 0.9.1",
                "helm",
                ["install", "dynamo-crds", path.join(CHARTS, "dynamo-crds-0.9.1.tgz"), "-n", "default"],
                ROOT,
            ),
        );
        ok(
            run(
                "helm install dynamo-platform 0.9.1 (--wait --wait-for-jobs)",
                "helm",
                [
                    ...[
                        "install",
                        "dynamo-platform",
                        path.join(CHARTS, "dynamo-platform-0.9.1.tgz"),
                        "-n",
                        NAMESPACE,
                        "--create-namespace",
                    ],
                    ...["-f", valuesFile, "--wait", "--wait-for-jobs", "--timeout", "10m"],
                ],
                ROOT,
            ),
        );
        // The like-for-like comparison with pulumi up is npm run bench:e2e's (e2e/bench.ts).
        timings.push(["helm install, both charts", (Date.now() - start) / 1000]);
        await allPodsReady(NAMESPACE);

        // What Pulumi rendering the CRDs chart avoids: Helm's uninstall keeps the five CRDs marked
        // `keep` and deletes DynamoWorkerMetadata.
        ok(run("helm uninstall dynamo-platform", "helm", ["uninstall", "dynamo-platform", "-n", NAMESPACE, "--wait"], ROOT));
        ok(run("helm uninstall dynamo-crds", "helm", ["uninstall", "dynamo-crds", "-n", "default"], ROOT));
        await awaitCrdDeletion("DynamoWorkerMetadata's CRD, deleted by helm uninstall", CRDS_09[5]);
        assert.deepEqual(await dynamoCrds(), CRDS_09.slice(0, 5), "the five keep-annotated CRDs stay");
        // The CRDs first and the namespace once they are gone: a namespace deleted while CRDs go
        // meets stale API discovery, and the namespace controller retries with a growing backoff.
        for (const crd of CRDS_09.slice(0, 5)) {
            await apiextensions.deleteCustomResourceDefinition({ name: crd });
        }
        for (const crd of CRDS_09.slice(0, 5)) {
            await awaitCrdDeletion(`CRD ${crd}`, crd);
        }
        await core.deleteNamespace({ name: NAMESPACE });
        await awaitDeletion(`namespace ${NAMESPACE}`, () => core.readNamespace({ name: NAMESPACE }));
    });
});
