import { strict as assert } from "assert";
import { DeployerFeature, deployerFeatures, DEPLOYER_RULES, rulesFor } from "../../../../components/core/deployerRole";
import { DynamoConfigError } from "../../../../components/core/errors";
import { resolveSettings } from "../../../../components/core/settings";
import { accessChecks, checkDeployerPermissions, permissionText } from "../../../../program/live/detect/permissions";
import { fakeReader } from "../../../fakeCluster";

const settings = (args: Record<string, unknown> = {}) =>
    resolveSettings({ releaseVersion: "1.5.0", persistenceStorageClass: "local-path", kaiSchedulerEnabled: false, ...args }, "dynamo:");

describe("the deployer's permissions", () => {
    it("asks only for the rules a configuration needs: KAI's, etcd's and monitoring's with them, the EKS reads on EKS", () => {
        const features = (args: Record<string, unknown>) => [...deployerFeatures(settings(args))].sort();
        assert.deepEqual(features({}), ["gpuOperator"]);
        assert.deepEqual(features({ kaiSchedulerEnabled: true, discoveryBackend: "etcd", monitoringStack: "org/monitoring/prod" }), [
            "etcd",
            "gpuOperator",
            "kaiScheduler",
            "monitoring",
        ]);
        const everything = new Set<DeployerFeature>(["kaiScheduler", "etcd", "monitoring", "eks", "gpuOperator"]);
        assert.equal(rulesFor(everything).length, DEPLOYER_RULES.length);
        assert.ok(!accessChecks(rulesFor(new Set())).some((check) => check.group === "kai.scheduler"));
    });

    it("passes when every permission is granted, asking the API server once per verb and resource", async () => {
        const reader = fakeReader({});
        await checkDeployerPermissions(reader, settings());
        const asked = reader.calls.filter((call) => call.startsWith("allowed "));
        assert.equal(asked.length, accessChecks(rulesFor(deployerFeatures(settings()))).length);
        assert.ok(asked.includes("allowed create customresourcedefinitions.apiextensions.k8s.io"));
        assert.ok(asked.includes("allowed escalate clusterroles.rbac.authorization.k8s.io"));
        assert.ok(asked.includes("allowed get pods/log"));
    });

    it("stops before anything changes, naming every missing permission and the role that grants them", async () => {
        const denied = ["create customresourcedefinitions.apiextensions.k8s.io", "bind clusterroles.rbac.authorization.k8s.io"];
        await assert.rejects(
            checkDeployerPermissions(fakeReader({ denied }), settings()),
            (error: DynamoConfigError) =>
                error.key === "dynamo:autoConfigure" &&
                error.message.includes(
                    "lacks 2 permissions the platform's install, upgrade, verify and destroy need, so nothing was changed: bind clusterroles.rbac.authorization.k8s.io, create customresourcedefinitions.apiextensions.k8s.io (cluster-wide)",
                ) &&
                error.message.includes("`kubectl apply -f docs/deployer-role.yaml`"),
        );
    });

    it("passes when the server cannot answer, and writes a permission as kubectl auth can-i takes it", async () => {
        const reader = fakeReader({});
        reader.allowed = async () => undefined;
        await checkDeployerPermissions(reader, settings());
        assert.equal(permissionText({ group: "", resource: "pods/log", verb: "get" }), "get pods/log");
        assert.equal(permissionText({ group: "apps", resource: "deployments", verb: "patch" }), "patch deployments.apps");
    });
});
