/**
 * End to end with the real Dynamo operator: on the 1.4.0 and 1.5.0 builds (the chart archives whose
 * operator source is in ../shared/operator), the operator pod runs for real (e2e/realPods.ts), as
 * the chart configures it, with its service account's permissions; every other pod stays simulated
 * by KWOK. Waits on, and the webhooks' failurePolicy left at the chart's Fail:
 *
 * - the operator's own `crd-apply` applies the CRDs, which become Established, and their conversion
 *   webhooks carry the CA the operator injected; verify's admission row is answered by the webhook;
 * - a GPU-free mocker graph (the smoke test's) is admitted by the webhook, reconciled into
 *   workloads and reaches Ready; an invalid one is refused with the webhook's own message;
 * - `npm run verify -- --smoke` goes as far as the request, which the network namespace cannot carry;
 * - 1.4.0 → 1.5.0 upgrades with the model ready before and after, and the new operator reconciles it;
 * - the default destroy keeps the operator's CRDs and the model, and `pulumi up` takes over again;
 *   `removeCrdsOnDestroy` makes them the stack's (an owner ClusterRole), and its destroy deletes them;
 * - with Grove on (the committed stacks' path), the real Grove operator turns the graph's
 *   PodCliqueSet into pods. KAI's scheduler is not built here: with KAI on, the pods would wait for a
 *   scheduler that only KWOK pretends to run, so this part runs with KAI off.
 *
 * Starts from the harness's baseline. Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { spawnSync } from "child_process";
import { crdOwnerName } from "../components/core/names";
import { SMOKE_GRAPH } from "../program/live/smoke";
import {
    admission,
    apiextensions,
    apps,
    baseline,
    core,
    custom,
    dynamoCrds,
    established,
    eventually,
    exists,
    MODELS_NAMESPACE,
    NAMESPACE,
    operator,
    PlatformStack,
    rbac,
} from "./harness";
import { deployMockerModel, graphAddress, graphReady, MODEL, mockerModel, operatorConfig, readGraph } from "./mockerModel";

/** The Dynamo CRDs the 1.4 and 1.5 operators apply (1.4 also applies podsnapshots and podsnapshotcontents). */
const OPERATOR_CRDS = [
    "dynamocheckpoints.nvidia.com",
    "dynamocomponentdeployments.nvidia.com",
    "dynamographdeploymentrequests.nvidia.com",
    "dynamographdeployments.nvidia.com",
    "dynamographdeploymentscalingadapters.nvidia.com",
    "dynamomodels.nvidia.com",
    "dynamoworkermetadatas.nvidia.com",
];

async function runningPods(namespace: string): Promise<string[]> {
    const pods = (await core.listNamespacedPod({ namespace })).items;
    return pods.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
}

/** The managers of a CRD's fields but its status (the API server's): who applied it. */
async function crdManagers(crd: string): Promise<string[]> {
    const found = await apiextensions.readCustomResourceDefinition({ name: crd });
    const spec = (found.metadata?.managedFields ?? []).filter((f) => f.subresource !== "status");
    return [...new Set(spec.map((f) => f.manager ?? ""))].sort();
}

async function refusal(create: () => Promise<unknown>): Promise<string> {
    try {
        await create();
    } catch (error) {
        if (error instanceof k8s.ApiException) {
            return String((JSON.parse(String(error.body)) as { message?: string }).message ?? error.body);
        }
        throw error;
    }
    assert.fail("the object was admitted");
}

describe("end-to-end with the real operator: 1.4.0, a mocker graph, 1.4.0 → 1.5.0, destroy and take over", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("operator");

    before(async () => {
        await baseline("operator");
        stack.init();
    });

    after(() => stack.cleanup());

    it("1.4.0: the operator's crd-apply applies the CRDs, Established, their conversion webhooks carry the injected CA; the webhooks fail closed and answer", async () => {
        stack.write(operatorConfig("1.4.0"));
        stack.up("up (1.4.0, the real operator)");
        const running = await operator();
        assert.match(running.image ?? "", /kubernetes-operator:1\.4\.0$/);
        assert.equal(running.ready, 1);

        const crds = await dynamoCrds();
        assert.deepEqual(crds, OPERATOR_CRDS);
        for (const crd of crds) {
            assert.ok(await established(crd), `${crd} Established`);
            // The operator's crd-apply applied it; its manager injects the conversion webhook's CA. Neither Helm nor Pulumi.
            const managers = await crdManagers(crd);
            assert.ok(managers.includes("dynamo-crd-apply"), `${crd} applied by the operator's crd-apply: ${managers}`);
            assert.deepEqual(
                managers.filter((m) => m !== "dynamo-crd-apply" && m !== "manager"),
                [],
                `${crd}: no other manager`,
            );
        }
        const graphCrd = await apiextensions.readCustomResourceDefinition({ name: "dynamographdeployments.nvidia.com" });
        const conversion = graphCrd.spec.conversion;
        assert.equal(conversion?.strategy, "Webhook");
        assert.equal(conversion?.webhook?.clientConfig?.service?.namespace, NAMESPACE);
        const conversionCa = conversion?.webhook?.clientConfig?.caBundle ?? "";
        assert.ok(conversionCa.length > 0, "the operator injected its CA into the conversion webhook");

        const configurations = (await admission.listValidatingWebhookConfiguration()).items.filter((c) =>
            (c.webhooks ?? []).some((w) => w.clientConfig.service?.namespace === NAMESPACE),
        );
        const webhooks = configurations.flatMap((c) => c.webhooks ?? []);
        assert.ok(webhooks.length >= 4, `the operator's validating webhooks: ${webhooks.map((w) => w.name)}`);
        for (const webhook of webhooks) {
            assert.equal(webhook.failurePolicy, "Fail", `${webhook.name} fails closed, as the chart sets it`);
            assert.equal(webhook.clientConfig.caBundle, conversionCa, `${webhook.name} carries the same injected CA`);
        }

        const verified = stack.verify("npm run verify (1.4.0, the real operator)");
        assert.equal(verified.status, 0, verified.stdout);
        assert.match(
            verified.stdout,
            /admission webhook\s+OK\s+answers \(it refused the empty probe object: admission webhook "[^"]+" denied the request/,
        );
    });

    it("a mocker graph is admitted by the real webhook, reconciled into workloads the nodes run, and Ready; an invalid one is refused with the webhook's message", async () => {
        const start = Date.now();
        await deployMockerModel("1.4.0");
        console.log(`      the mocker graph was Ready ${((Date.now() - start) / 1000).toFixed(1)} s after its create`);
        const components = (await custom.listNamespacedCustomObject({ ...graphAddress, plural: "dynamocomponentdeployments" })) as {
            items: { metadata: { name: string } }[];
        };
        assert.equal(
            components.items.length,
            2,
            `a DynamoComponentDeployment per component: ${components.items.map((c) => c.metadata.name)}`,
        );
        const pods = await runningPods(MODELS_NAMESPACE);
        assert.ok(pods.some((p) => p.includes("frontend")) && pods.some((p) => p.includes("decode")), `the graph's pods run: ${pods}`);

        // Read through the other served version: the API server calls the operator's conversion webhook.
        const asAlpha = await readGraph(MODEL, "v1alpha1");
        assert.deepEqual(Object.keys(asAlpha.spec.services ?? {}).sort(), ["Frontend", "decode"]);

        const empty = {
            apiVersion: "nvidia.com/v1beta1",
            kind: "DynamoGraphDeployment",
            metadata: { name: "empty" },
            spec: { components: [] },
        };
        const message = await refusal(() => custom.createNamespacedCustomObject({ ...graphAddress, body: empty }));
        assert.match(
            message,
            /^admission webhook "[^"]+" denied the request: .*spec\.components: Required value: must have at least one component/,
        );
    });

    it("the operator pod follows its process: killed, it is restarted, Ready again, and its webhook answers again", async () => {
        const pods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/name=dynamo-operator" }))
            .items;
        assert.equal(pods.length, 1);
        const name = pods[0].metadata!.name!;
        const restartsOf = async () =>
            (await core.readNamespacedPod({ name, namespace: NAMESPACE })).status?.containerStatuses?.find((c) => c.name === "manager");
        const before = (await restartsOf())?.restartCount ?? 0;
        const killed = spawnSync("pkill", ["-KILL", "-f", "kubernetes-operator_1.4.0/manager"], { encoding: "utf8" });
        assert.equal(killed.status, 0, "the manager process was found and killed");
        await eventually("the manager restarted and Ready", async () => {
            const manager = await restartsOf();
            return (manager?.restartCount ?? 0) > before && manager?.ready === true;
        });
        const manager = await restartsOf();
        assert.equal(manager?.lastState?.terminated?.exitCode, 137, "the kill is the last termination reported");
        const probe = { ...graphAddress, dryRun: "All", body: { ...mockerModel("1.4.0"), metadata: { name: "after-restart" } } };
        await eventually("the webhook answers again (a dry-run create admitted)", async () =>
            custom.createNamespacedCustomObject(probe).then(
                () => true,
                () => false,
            ),
        );
    });

    it("npm run verify -- --smoke deploys, readies and cleans up its graph; the request cannot leave the network namespace", async () => {
        const smoke = stack.verify(
            "npm run verify -- --smoke (1.4.0)",
            "--smoke",
            "--smoke-timeout",
            "180",
            "--smoke-request-timeout",
            "5",
        );
        assert.equal(smoke.status, 1, smoke.stdout);
        assert.match(
            smoke.stdout,
            /smoke: graph admitted\s+OK\s+v1beta1 dynamo-smoke \(nvcr\.io\/nvidia\/ai-dynamo\/dynamo-planner:1\.4\.0\)/,
        );
        assert.match(smoke.stdout, /smoke: graph ready\s+OK/);
        assert.match(
            smoke.stdout,
            /smoke: chat completion\s+FAIL\s+dynamo-smoke-frontend:8000 \/v1\/chat\/completions: .*network is unreachable/,
        );
        assert.match(smoke.stdout, /smoke: cleanup\s+OK/);
        const smokeNamespace = await core.readNamespace({ name: "dynamo-smoke" }).catch(() => undefined);
        assert.ok(smokeNamespace === undefined || smokeNamespace.metadata?.deletionTimestamp !== undefined, "the scratch namespace goes");
        assert.ok(!(await exists(() => readGraph(SMOKE_GRAPH))), "the smoke graph was never in the models namespace");
    });

    it("1.4.0 → 1.5.0 upgrades in place: the model stays Ready, and the 1.5.0 operator reconciles a change to it", async () => {
        stack.write(operatorConfig("1.5.0"));
        stack.up("up (1.4.0 → 1.5.0, the real operators)");
        const running = await operator();
        assert.match(running.image ?? "", /kubernetes-operator:1\.5\.0$/);
        assert.equal(running.ready, 1);
        assert.ok(await graphReady(), "the model is Ready after the upgrade");

        await custom.patchNamespacedCustomObject(
            { ...graphAddress, name: MODEL, body: [{ op: "replace", path: "/spec/components/1/replicas", value: 2 }] },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
        );
        await eventually("two decode pods and the graph Ready", async () => {
            const decode = (await runningPods(MODELS_NAMESPACE)).filter((p) => p.includes("decode"));
            return decode.length === 2 && (await graphReady());
        });
        stack.previewNoChanges("preview --expect-no-changes (1.5.0)");
    });

    it("the default destroy keeps the operator's CRDs and the model; pulumi up takes over and the operator reconciles the model again", async () => {
        stack.destroy("destroy (1.5.0, default)");
        assert.ok(
            !(await exists(() =>
                apps.readNamespacedDeployment({ name: "dynamo-platform-dynamo-operator-controller-manager", namespace: NAMESPACE }),
            )),
        );
        assert.deepEqual(await dynamoCrds(), OPERATOR_CRDS, "every CRD kept");
        const kept = await readGraph();
        assert.equal(kept.spec.components?.length, 2, "the model kept as it was");

        stack.up("up (1.5.0 after the destroy)");
        assert.equal((await operator()).ready, 1);
        await custom.patchNamespacedCustomObject(
            { ...graphAddress, name: MODEL, body: [{ op: "replace", path: "/spec/components/1/replicas", value: 1 }] },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
        );
        await eventually("one decode pod and the graph Ready", async () => {
            const decode = (await runningPods(MODELS_NAMESPACE)).filter((p) => p.includes("decode"));
            return decode.length === 1 && (await graphReady());
        });
        stack.previewNoChanges("preview --expect-no-changes (after taking over)");
    });

    it("removeCrdsOnDestroy: the stack owns the operator's CRDs through a ClusterRole (off again gives them up), and destroy deletes them and the model while the operator runs", async () => {
        const owners = async () =>
            Promise.all(
                OPERATOR_CRDS.map(async (crd) =>
                    ((await apiextensions.readCustomResourceDefinition({ name: crd })).metadata?.ownerReferences ?? []).map(
                        (o) => `${o.kind}/${o.name}`,
                    ),
                ),
            );
        const owned = OPERATOR_CRDS.map(() => [`ClusterRole/${crdOwnerName(NAMESPACE)}`]);
        stack.write({ ...operatorConfig("1.5.0"), removeCrdsOnDestroy: true });
        stack.up("up (1.5.0, removeCrdsOnDestroy)");
        assert.deepEqual(await owners(), owned);
        stack.write(operatorConfig("1.5.0"));
        stack.up("up (1.5.0, removeCrdsOnDestroy off again)");
        assert.deepEqual(
            await owners(),
            OPERATOR_CRDS.map(() => []),
            "the ownerReferences given up, the CRDs kept",
        );
        assert.ok(await graphReady(), "the model untouched");
        stack.write({ ...operatorConfig("1.5.0"), removeCrdsOnDestroy: true });
        stack.up("up (1.5.0, removeCrdsOnDestroy on)");
        assert.deepEqual(await owners(), owned);

        stack.destroy("destroy (1.5.0, removeCrdsOnDestroy)");
        assert.deepEqual(await dynamoCrds(), [], "every CRD deleted before the destroy returned");
        assert.ok(!(await exists(() => rbac.readClusterRole({ name: crdOwnerName(NAMESPACE) }))));
    });
});

describe("end-to-end with the real operators, Grove on: a mocker graph through Grove's PodCliqueSet on 1.5.0", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("operator-grove");

    before(async () => {
        await baseline("operator-grove");
        stack.init();
    });

    after(() => stack.cleanup());

    it("the Dynamo operator creates a PodCliqueSet, the real Grove operator its pods, and the graph is Ready", async () => {
        stack.write(operatorConfig("1.5.0", true));
        stack.up("up (1.5.0, Grove on)");
        const grove = (await apps.listNamespacedDeployment({ namespace: NAMESPACE })).items.find(
            (d) => d.metadata?.name === "grove-operator",
        );
        assert.equal(grove?.status?.readyReplicas, 1, "Grove's operator runs for real and is Ready");

        await deployMockerModel("1.5.0", "the mocker graph Ready through Grove");
        const sets = (await custom.listNamespacedCustomObject({
            group: "grove.io",
            version: "v1alpha1",
            namespace: MODELS_NAMESPACE,
            plural: "podcliquesets",
        })) as { items: { metadata: { name: string } }[] };
        assert.deepEqual(
            sets.items.map((s) => s.metadata.name),
            [MODEL],
        );
        const pods = await runningPods(MODELS_NAMESPACE);
        assert.ok(pods.some((p) => p.includes("frontend")) && pods.some((p) => p.includes("decode")), `Grove's pods run: ${pods}`);

        const verified = stack.verify("npm run verify (1.5.0, Grove on)");
        assert.equal(verified.status, 0, verified.stdout);
        stack.destroy("destroy (1.5.0, Grove on)");
        assert.ok(await exists(() => readGraph()), "the model kept");
    });
});
