/**
 * End-to-end upgrades with the real charts, waits on: in place from 0.9.0 (installed with a model)
 * through 0.9.0-post1 to 0.9.1; the upgrade path from a mirror, 0.9.1 with a model to 1.0.1 as a
 * migration and then the run that retires the CRDs chart, with every image from the mirror; and
 * the plan's refusal of a skipped minor line. Each part starts from the harness's baseline, with an
 * unowned `local-path` class and the monitoring stack. Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as yaml from "js-yaml";
import { inventoryOf, isInMirror, mergeInventories } from "../components/core/imageInventory";
import { LOCAL_PATH_NAMESPACE } from "../components/core/names";
import {
    allPodsReady,
    baseline,
    core,
    CRDS_09,
    custom,
    dynamoCrds,
    established,
    eventually,
    exists,
    helmRecord,
    helmRelease,
    installWithModel,
    MIRROR,
    modelAddress,
    NAMESPACE,
    operator,
    PLATFORM_CONFIG,
    PlatformStack,
    readUserModel,
    servedCharts,
    stateVolumes,
    userModel,
} from "./harness";

/**
 * Every image of the platform's and local-path's pods, and of every manifest and hook Job the
 * platform release applied (hook Jobs are gone once they succeed), is pulled from the mirror.
 */
async function expectEveryImageFromMirror(release: string): Promise<void> {
    const pods = (
        await Promise.all([NAMESPACE, LOCAL_PATH_NAMESPACE].map(async (namespace) => (await core.listNamespacedPod({ namespace })).items))
    ).flat();
    const record = await helmRecord("dynamo-platform", NAMESPACE);
    const fromPods = inventoryOf(
        "pods",
        pods.map((pod) => ({ kind: "Pod", metadata: pod.metadata, spec: pod.spec })),
    );
    const fromRelease = inventoryOf("release", yaml.loadAll(record.manifest ?? ""));
    const fromHooks = inventoryOf(
        "hooks",
        (record.hooks ?? []).flatMap((hook) => yaml.loadAll(hook.manifest)),
    );
    assert.ok(fromPods.length >= 5 && fromRelease.length >= 5, `${release}: pods and manifests hold the platform's images`);
    assert.ok(fromHooks.length >= 1, `${release}: the hook Jobs are in the record`);
    const everything = mergeInventories(fromPods, fromRelease, fromHooks);
    assert.deepEqual(
        everything.filter((row) => !isInMirror(row.image, MIRROR)).map((row) => `${row.image} (${row.uses[0].kind}/${row.uses[0].name})`),
        [],
        `${release}: every image from ${MIRROR}`,
    );
}

describe("end-to-end upgrade in place: 0.9.0 with a model, through 0.9.0-post1 to 0.9.1", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("upgrade");
    let volumesBefore: string[] = [];
    let revisionBefore = 0;

    before(async () => {
        await baseline("upgrade", { localPath: "unowned", monitoring: true });
        stack.init();
        await installWithModel(stack, "up (0.9.0 with a model, the upgrades' start)", PLATFORM_CONFIG);
        volumesBefore = await stateVolumes();
        assert.equal(volumesBefore.length, 2, `etcd's and NATS's volumes: ${volumesBefore}`);
        revisionBefore = (await helmRelease("dynamo-platform", NAMESPACE))!.revision;
    });

    after(() => stack.cleanup());

    it("7. upgrades in place through 0.9.0-post1 to 0.9.1, keeping etcd's and NATS's volumes and the user's model", async () => {
        for (const [index, version] of ["0.9.0-post1", "0.9.1"].entries()) {
            stack.write({ ...PLATFORM_CONFIG, releaseVersion: version });
            assert.doesNotMatch(stack.up(`up (upgrade to ${version})`).output, /replaced|replacing/i, `${version}: updated, not replaced`);
            assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: revisionBefore + 1 + index, status: "deployed" });
        }
        const running = await operator();
        assert.deepEqual([running.image, running.ready], ["nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.1", 1]);
        assert.deepEqual(await stateVolumes(), volumesBefore);
        assert.ok(await exists(readUserModel), "the DynamoGraphDeployment survived the upgrades");
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        await allPodsReady(NAMESPACE);
    });
});

describe("end-to-end upgrade path from a mirror: 0.9.1 with a model → 1.0.1 (migration) → the CRDs chart retired; a skipped minor line refused", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("migration");
    const config = {
        ...PLATFORM_CONFIG,
        releaseVersion: "0.9.1",
        removeCrdsOnDestroy: true,
        imageRegistry: MIRROR,
    };

    before(async () => {
        await baseline("upgrade", { localPath: "unowned", monitoring: true });
        stack.init();
    });

    after(() => stack.cleanup());

    it("15. the upgrade path, from a mirror: 0.9.1 with a model, then 1.0.1 as a migration that keeps every CRD and the model, then the CRDs chart retired; every image from dynamo:imageRegistry", async () => {
        stack.write(config);
        stack.up("up (0.9.1 from a mirror, before the migration)");
        await expectEveryImageFromMirror("0.9.1");
        await core.createNamespace({ body: { metadata: { name: modelAddress.namespace } } });
        await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel });

        stack.write({ ...config, releaseVersion: "1.0.1" });
        const migration = stack.up("up (0.9.1 → 1.0.1, migration)").output;
        assert.match(migration, /upgrade plan: 0\.9\.1 → 1\.0\.1 \[migration\]/);
        assert.match(migration, /keep the dynamo-crds CRDs/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 2, status: "deployed" });
        assert.equal((await operator()).image, `${MIRROR}/nvidia/ai-dynamo/kubernetes-operator:1.0.1`);
        await expectEveryImageFromMirror("1.0.1");
        assert.ok(await exists(readUserModel), "the model survived the migration");
        const crdResources = stack.crdResources();
        assert.equal(crdResources.length, 6);
        assert.ok(
            crdResources.every((r: { retainOnDelete?: boolean }) => r.retainOnDelete === true),
            "retained for the retiring run, although removeCrdsOnDestroy is set",
        );

        const retire = stack.up("up (1.0.1, the CRDs chart retired)").output;
        assert.match(retire, /deleted/);
        for (const crd of CRDS_09) {
            assert.ok(await established(crd), `${crd} kept`);
        }
        assert.ok(await exists(readUserModel), "the model survived the retirement");
        stack.previewNoChanges("preview --expect-no-changes (1.0.1)");
    });

    it("16. the plan refuses a skipped minor line (1.0.1 → 1.5.0) before anything changes; the upgraded stack destroys", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        stack.write({
            ...PLATFORM_CONFIG,
            releaseVersion: "1.5.0",
            removeCrdsOnDestroy: true,
            chartRepository: servedCharts(),
        });
        const skip = stack.tryUp("up (1.0.1 → 1.5.0, refused)");
        assert.notEqual(skip.status, 0);
        assert.match(skip.output, /Invalid dynamo:releaseVersion "1\.5\.0": 1\.0\.1 → 1\.5\.0 skips 1\.2\.x, 1\.3\.x, 1\.4\.x/);
        assert.match(skip.output, /expected 1\.2\.x next \(the installed release is 1\.0\.1\)/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);

        // Back to what is installed: the upgraded stack destroys.
        stack.write({ ...config, releaseVersion: "1.0.1" });
        stack.destroy("destroy (after the upgrade path)");
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
    });
});
