import { strict as assert } from "assert";
import { inventoryOf, isInMirror, mergeInventories, settingImages } from "../../components/core/imageInventory";
import { localPathImageSlots } from "../../components/core/imageCatalog";

const deployment = {
    kind: "Deployment",
    metadata: { name: "op" },
    spec: {
        template: {
            spec: {
                initContainers: [{ name: "crd-apply", image: "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.0.1" }],
                containers: [
                    {
                        name: "manager",
                        image: "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.0.1",
                        args: ["--operator-image=nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.0.1", "--leader-elect"],
                        env: [
                            { name: "GROVE_INIT_CONTAINER_IMAGE", value: "ghcr.io/ai-dynamo/grove/grove-initc" },
                            { name: "LOG_LEVEL", value: "info" },
                        ],
                    },
                ],
            },
        },
    },
};

const hookJob = {
    kind: "Job",
    metadata: { name: "cert-gen", annotations: { "helm.sh/hook": "pre-install,pre-upgrade" } },
    spec: { template: { spec: { containers: [{ name: "gen", image: "docker.io/bitnamilegacy/kubectl:1.33.4" }] } } },
};

const cronJob = {
    kind: "CronJob",
    metadata: { name: "defrag" },
    spec: {
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "d", image: "bitnamilegacy/etcd:3.5.18-debian-12-r5" }] } } } },
    },
};

const kaiConfig = {
    apiVersion: "kai.scheduler/v1",
    kind: "Config",
    metadata: { name: "kai-config" },
    spec: { binder: { service: { image: { repository: "ghcr.io/nvidia/kai-scheduler", name: "binder", tag: "v0.13.0-rc1" } } } },
};

const secret = {
    kind: "Secret",
    metadata: { name: "env" },
    data: { INTERNAL_IMAGES_DEBUGGER: Buffer.from("python:3.12-slim").toString("base64"), OTHER: "eA==" },
};

describe("image inventory", () => {
    const rows = inventoryOf("dynamo-platform", [deployment, hookJob, cronJob, kaiConfig, secret, null, { kind: "Service" }]);

    it("finds containers, hook Jobs, CronJobs and the images handed to operators, each once", () => {
        assert.deepEqual(
            rows.map((row) => row.image),
            [
                "bitnamilegacy/etcd:3.5.18-debian-12-r5",
                "docker.io/bitnamilegacy/kubectl:1.33.4",
                "ghcr.io/ai-dynamo/grove/grove-initc",
                "ghcr.io/nvidia/kai-scheduler/binder:v0.13.0-rc1",
                "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.0.1",
                "python:3.12-slim",
            ],
        );
        const operator = rows.find((row) => row.image.startsWith("nvcr.io"))!;
        assert.deepEqual(
            operator.uses.map((use) => use.where),
            ["initContainer crd-apply", "container manager", "container manager --operator-image"],
        );
        assert.equal(rows.find((row) => row.image.includes("kubectl"))!.uses[0].hook, "pre-install,pre-upgrade");
        assert.equal(rows.find((row) => row.image.includes("python"))!.repository, "docker.io/library/python");
        assert.equal(rows.find((row) => row.image.includes("binder"))!.uses[0].where, "spec.binder.service");
    });

    it("joins the inventories of several charts and the images this package writes out", () => {
        const local = settingImages(
            localPathImageSlots("docker.io/rancher/local-path-provisioner:v0.0.37", "docker.io/library/busybox:1.37.0"),
            {
                overrides: {},
            },
        );
        const joined = mergeInventories(rows, local, inventoryOf("other", [hookJob]));
        assert.equal(joined.length, rows.length + 2);
        assert.deepEqual(
            joined.find((row) => row.image.includes("kubectl"))!.uses.map((use) => use.source),
            ["dynamo-platform", "other"],
        );
    });

    it("tells images in the mirror from the rest, by whole path segments", () => {
        assert.equal(isInMirror("mirror.local:5000/dynamo/library/nats:2.10", "mirror.local:5000/dynamo"), true);
        assert.equal(isInMirror("mirror.local:5000/dynamo-other/nats:2.10", "mirror.local:5000/dynamo"), false);
        assert.equal(isInMirror("nats:2.10", "mirror.local:5000"), false);
    });
});
