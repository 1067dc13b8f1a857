/**
 * End-to-end day-2 refusals on a running platform (the real 0.9.1 charts, waits on): bad config
 * fails with one clear message and changes nothing; an operator scaled to zero turns verify's
 * operator row red with the command that brings it back; preflight refuses a second Dynamo
 * operator before anything changes. Starts from the harness's baseline, with an unowned
 * `local-path` class and the monitoring stack, and 0.9.1 installed. Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import {
    apps,
    baseline,
    core,
    eventually,
    helmRelease,
    NAMESPACE,
    operator,
    OPERATOR,
    PLATFORM_CONFIG,
    PlatformStack,
    rbac,
    storage,
} from "./harness";

/** A ClusterRole as another release's Dynamo operator leaves it (what the chart's own check and preflight look for). */
const SECOND_OPERATOR_ROLE = "team-a-dynamo-operator-manager-role";

describe("end-to-end day-2 refusals: 0.9.1 installed, the real charts, waits on", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("refusals");
    const config = { ...PLATFORM_CONFIG, releaseVersion: "0.9.1" };

    before(async () => {
        await baseline("refusals", { localPath: "unowned", monitoring: true });
        stack.init();
        stack.write(config);
        stack.up("up (0.9.1, the refusals' start)");
    });

    after(async () => {
        await rbac.deleteClusterRole({ name: SECOND_OPERATOR_ROLE }).catch(() => undefined);
        stack.cleanup();
    });

    it("8. bad config fails with the clear message and changes nothing", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        const namespaceVersion = (await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion;
        const classVersion = (await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion;
        stack.write({ ...config, namespace: "Dynamo_System" });
        const run = stack.tryUp("up (bad namespace)");
        assert.notEqual(run.status, 0);
        assert.match(run.output, /Invalid dynamo:namespace "Dynamo_System": expected a DNS-1123 label/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);
        assert.equal((await core.readNamespace({ name: NAMESPACE })).metadata?.resourceVersion, namespaceVersion);
        assert.equal((await storage.readStorageClass({ name: "local-path" })).metadata?.resourceVersion, classVersion);
        assert.doesNotMatch(run.output, /creating|updating \(|deleting/, "no resource operation started");
        stack.write(config);
    });

    it("9. an operator scaled to zero turns verify's operator row red with the command that brings it back", async () => {
        const scale = (replicas: number) =>
            apps.patchNamespacedDeploymentScale(
                { name: OPERATOR, namespace: NAMESPACE, body: { spec: { replicas } } },
                k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
            );
        await scale(0);
        const result = stack.verify("npm run verify (operator scaled to zero)");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /operator deployment\s+FAIL\s+0\/0 ready: scaled to zero/);
        assert.match(result.stdout, /- operator deployment: .*kubectl scale deployment dynamo-platform-dynamo-operator-controller-manager/);
        await scale(1);
        await eventually("operator Ready again", async () => (await operator()).ready === 1);
    });

    it("16. preflight refuses a second Dynamo operator before anything changes", async () => {
        const before = await helmRelease("dynamo-platform", NAMESPACE);
        await rbac.createClusterRole({
            body: {
                metadata: {
                    name: SECOND_OPERATOR_ROLE,
                    annotations: { "meta.helm.sh/release-name": "team-a", "meta.helm.sh/release-namespace": "team-a" },
                },
                rules: [],
            },
        });
        const second = stack.tryUp("up (a second operator, refused)");
        assert.notEqual(second.status, 0);
        assert.match(
            second.output,
            /a cluster-wide Dynamo operator already runs \(ClusterRole team-a-dynamo-operator-manager-role, release team-a in namespace team-a\)/,
        );
        assert.match(second.output, /helm uninstall team-a -n team-a/);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), before);
        await rbac.deleteClusterRole({ name: SECOND_OPERATOR_ROLE });
    });
});
