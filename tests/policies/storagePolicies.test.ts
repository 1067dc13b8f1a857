import { strict as assert } from "assert";
import { modelCacheReadWriteMany, persistenceNotOnNetworkStorage } from "../../policies/storagePolicies";
import { policyResource, resourceArgs, stackArgs, violations } from "./policyHarness";
import { T } from "../types";

const role = (r: string) => ({ "dynamo.nvidia.com/storage-role": r });

describe("storage policies", () => {
    describe("dynamo-model-cache-read-write-many (mandatory)", () => {
        for (const provisioner of ["nfs.csi.k8s.io", "efs.csi.aws.com"]) {
            it(`passes ${provisioner}`, async () => {
                const args = resourceArgs(T.storageClass, { metadata: { name: "cache", labels: role("model-cache") }, provisioner });
                assert.deepEqual(await violations(modelCacheReadWriteMany, args), []);
            });
        }
        it("reports a block-storage provisioner", async () => {
            const found = await violations(
                modelCacheReadWriteMany,
                resourceArgs(T.storageClass, { metadata: { name: "cache", labels: role("model-cache") }, provisioner: "ebs.csi.aws.com" }),
            );
            assert.match(found[0].message, /cache.*"ebs\.csi\.aws\.com".*ReadWriteMany/);
        });
        it("ignores classes that are not the model cache", async () => {
            assert.deepEqual(
                await violations(
                    modelCacheReadWriteMany,
                    resourceArgs(T.storageClass, { metadata: { name: "gp3" }, provisioner: "ebs.csi.aws.com" }),
                ),
                [],
            );
        });
    });

    describe("dynamo-persistence-not-on-nfs (mandatory, stack)", () => {
        const platform = (persistence: string) =>
            policyResource(
                T.release,
                {
                    chart: "dynamo-platform",
                    name: "dynamo-platform",
                    values: {
                        etcd: { persistence: { storageClass: persistence } },
                        nats: { config: { jetstream: { fileStore: { pvc: { storageClassName: persistence } } } } },
                    },
                },
                "p",
            );
        const efs = policyResource(
            T.storageClass,
            { metadata: { name: "efs", labels: role("model-cache") }, provisioner: "efs.csi.aws.com" },
            "efs",
        );
        const gp3 = policyResource(
            T.storageClass,
            { metadata: { name: "gp3", labels: role("persistence") }, provisioner: "ebs.csi.aws.com" },
            "gp3",
        );

        it("passes block storage", async () =>
            assert.deepEqual(await violations(persistenceNotOnNetworkStorage, stackArgs([efs, gp3, platform("gp3")])), []));
        it("passes a class outside the stack", async () =>
            assert.deepEqual(await violations(persistenceNotOnNetworkStorage, stackArgs([efs, platform("standard")])), []));
        it("reports etcd and NATS on the EFS class", async () => {
            const found = await violations(persistenceNotOnNetworkStorage, stackArgs([efs, gp3, platform("efs")]));
            assert.equal(found.length, 2, "etcd and NATS");
            assert.match(found[0].message, /efs \(efs\.csi\.aws\.com\)/);
        });
        it("reports a persistence-labelled class on NFS", async () => {
            const nfs = policyResource(
                T.storageClass,
                { metadata: { name: "fast", labels: role("persistence") }, provisioner: "nfs.csi.k8s.io" },
                "fast",
            );
            const found = await violations(persistenceNotOnNetworkStorage, stackArgs([nfs]));
            assert.equal(found[0].urn, nfs.urn);
        });
    });
});
