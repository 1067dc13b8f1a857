import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { autoConfigure, isUnreachable } from "../../../program/live/autoConfigure";
import { DynamoConfigError } from "../../../components/core/errors";
import { resolveSettings } from "../../../components/core/settings";
import { fakeReader } from "../../fakeCluster";
import { Platform } from "../../../components/core/args";
import { AwsReader } from "../../../program/live/detect/awsReadiness";
import { VPC_ID } from "../../awsMocks";
import { ZONE_LABEL } from "../../../components/core/names";

const args = { releaseVersion: "0.9.1", persistenceStorageClass: "local-path" };

async function withLogs(run: () => Promise<unknown>): Promise<{ info: string[]; warn: string[] }> {
    const logs = { info: [] as string[], warn: [] as string[] };
    const [info, warn] = [pulumi.log.info, pulumi.log.warn];
    pulumi.log.info = async (m: string) => void logs.info.push(m);
    pulumi.log.warn = async (m: string) => void logs.warn.push(m);
    try {
        await run();
    } finally {
        [pulumi.log.info, pulumi.log.warn] = [info, warn];
    }
    return logs;
}

describe("autoConfigure (the program's step)", () => {
    it("logs every decision once, warnings as warnings", async () => {
        const reader = fakeReader({ storageClasses: [{ name: "nfs", provisioner: "nfs.csi.k8s.io", labels: {} }] });
        let decisions = 0;
        const logs = await withLogs(async () => {
            decisions = (await autoConfigure({ args, settings: resolveSettings(args), reader })).decisions.length;
        });
        assert.equal(logs.info.length + logs.warn.length, decisions);
        assert.equal(logs.warn.length, 2);
        assert.match(logs.warn[0], /^auto-configuration: gpuNodes: none of 0 nodes offers nvidia\.com\/gpu -> /);
        assert.match(logs.warn[1], /^auto-configuration: ingress: no IngressClass -> /);
        assert.ok(
            logs.info.some(
                (l) => l === "auto-configuration: persistenceStorageClass: no StorageClass local-path -> install local-path-provisioner",
            ),
        );
    });

    it("stops with one error naming the key and the fix when the cluster cannot be reached: every resource would fail", async () => {
        await assert.rejects(
            autoConfigure({
                args,
                settings: resolveSettings(args),
                reader: fakeReader({ failWith: new Error("connect ECONNREFUSED 127.0.0.1:6443") }),
            }),
            (error: DynamoConfigError) =>
                error.key === "dynamo:autoConfigure" &&
                /^The cluster cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:6443\), so nothing was changed: .*kubectl cluster-info.*pulumi config set dynamo:autoConfigure false/.test(
                    error.message,
                ),
        );
    });

    it("skips with one line when the cluster answers but a read is refused (or it is slower than the timeout), and the explicit config applies", async () => {
        let detection: Awaited<ReturnType<typeof autoConfigure>> | undefined;
        const logs = await withLogs(async () => {
            detection = await autoConfigure({
                args,
                settings: resolveSettings(args),
                reader: fakeReader({ failWith: new Error('nodes is forbidden: User "ci" cannot list resource "nodes"') }),
            });
        });
        assert.deepEqual(logs.info, [
            'auto-configuration: cluster: the cluster cannot be read (nodes is forbidden: User "ci" cannot list resource "nodes") -> auto-configuration skipped; the explicit config applies',
        ]);
        assert.equal(detection?.installLocalPath, undefined);
        assert.equal(isUnreachable("no answer within 8s"), false);
        assert.equal(isUnreachable("getaddrinfo ENOTFOUND api.gone.example"), true);
    });

    it("skips when the stack creates its EKS cluster or reads it from another stack, without touching any cluster", async () => {
        const reader = fakeReader({});
        for (const eksCluster of [
            { kind: "create" as const, cluster: { clusterName: "c" } },
            { kind: "stack" as const, stack: "acme/eks/prod" },
        ]) {
            const detection = await autoConfigure({ args, settings: resolveSettings(args), eksCluster, reader });
            assert.match(detection.decisions[0].found, /created by this stack|comes from stack acme\/eks\/prod/);
        }
        assert.deepEqual(reader.calls, []);
    });

    it("skips with the reason when there is no usable kubeconfig", async () => {
        const detection = await autoConfigure({ args, settings: resolveSettings(args), kubeconfig: "/nonexistent/kubeconfig" });
        assert.match(detection.decisions[0].found, /^no usable kubeconfig \(ENOENT/);
    });

    it("on EKS, reads AWS for the settings and warns about zones whose nodes get no mount target", async () => {
        const eksArgs = {
            releaseVersion: "0.9.1",
            platform: Platform.Eks,
            eks: { clusterName: "gpu", vpcId: VPC_ID, privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"] },
        };
        const node = (name: string, zone: string) => ({ name, ready: true, unschedulable: false, gpus: 0, labels: { [ZONE_LABEL]: zone } });
        const reader = fakeReader({ nodes: [node("a", "us-west-2a"), node("b", "us-west-2b"), node("c", "us-west-2c")] });
        const zoneOf: Record<string, string> = { "subnet-0aaaaaaaaaaaaaaa1": "us-west-2a", "subnet-0bbbbbbbbbbbbbbb2": "us-west-2b" };
        const aws: AwsReader = {
            subnet: async (id) => ({ subnetId: id, vpcId: VPC_ID, availabilityZone: zoneOf[id] }),
            clusterOidcIssuer: async () => assert.fail("no OIDC read under Pod Identity"),
            oidcProviderClientIds: async () => assert.fail("no OIDC read under Pod Identity"),
        };
        const logs = await withLogs(() => autoConfigure({ args: eksArgs, settings: resolveSettings(eksArgs), reader, aws }));
        assert.ok(
            logs.warn.includes(
                "auto-configuration: mountTargets: nodes in us-west-2c, where no subnet of dynamo:eks.privateSubnetIds lies -> pods on those nodes cannot mount the model cache (mount targets only in us-west-2a, us-west-2b): add a private subnet of us-west-2c to dynamo:eks.privateSubnetIds",
            ),
            logs.warn.join("\n"),
        );
    });

    describe("an EKS cluster from a cluster stack, or one that cannot be read", () => {
        const eksArgs = {
            releaseVersion: "0.9.1",
            platform: Platform.Eks,
            eks: { clusterName: "gpu", vpcId: VPC_ID },
            efs: { fileSystemId: "fs-0123456789abcdef0" },
        };
        const unreachable = JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "gpu", cluster: { server: "https://127.0.0.1:1" } }],
            users: [{ name: "gpu", user: { token: "t" } }],
            contexts: [{ name: "gpu", context: { cluster: "gpu", user: "gpu" } }],
            "current-context": "gpu",
        });

        it("reads the cluster with the cluster stack's kubeconfig, not the ambient one", async () => {
            await assert.rejects(
                autoConfigure({
                    args: eksArgs,
                    settings: resolveSettings(eksArgs),
                    kubeconfig: "/nonexistent/kubeconfig",
                    eksCluster: { kind: "stack", stack: "acme/eks/prod", outputs: { kubeconfigText: unreachable } },
                }),
                /The cluster cannot be reached \(.*127\.0\.0\.1:1/,
            );
        });

        it("warns that a Pod Identity agent is assumed when the cluster could not be read", async () => {
            const logs = await withLogs(() =>
                autoConfigure({ args: eksArgs, settings: resolveSettings(eksArgs), kubeconfig: "/nonexistent/kubeconfig" }),
            );
            assert.equal(logs.warn.length, 1);
            assert.match(
                logs.warn[0],
                /^auto-configuration: podIdentityAgent: not read .* -> assumed present, .* run `pulumi config set --path 'dynamo:eks\.installPodIdentityAgent' true`, or every model-cache volume fails with Access Denied$/,
            );
            const explicit = { ...eksArgs, eks: { ...eksArgs.eks, installPodIdentityAgent: false } };
            const quiet = await withLogs(() =>
                autoConfigure({ args: explicit, settings: resolveSettings(explicit), kubeconfig: "/nonexistent/kubeconfig" }),
            );
            assert.deepEqual(quiet.warn, [], "an explicit choice is not second-guessed");
        });
    });

    it("lets a config problem found in the cluster stop the run", async () => {
        await assert.rejects(
            autoConfigure({ args, settings: resolveSettings(args), reader: fakeReader({}) }),
            /model-cache StorageClass "nfs" does not exist/,
        );
    });
});
