import { strict as assert } from "assert";
import { Recording, runProgram, stackFileConfig } from "./harness";

const PLATFORM_RELEASE = "kubernetes:helm.sh/v3:Release";

function platformValues(recording: Recording) {
    return recording.object(PLATFORM_RELEASE, "dynamo-platform").inputs.values;
}

describe("program (index.ts)", () => {
    describe("the k8s stack (Pulumi.k8s.yaml)", () => {
        let recording: Recording;
        before(async () => {
            recording = await runProgram({ config: stackFileConfig("k8s"), stack: "k8s" });
        });

        it("installs the platform release of the stack's version with its CRDs", () => {
            assert.equal(recording.object(PLATFORM_RELEASE, "dynamo-platform").inputs.version, "0.9.0-post1");
            assert.equal(recording.object(PLATFORM_RELEASE, "dynamo-crds").inputs.version, "0.9.0");
        });

        it("puts etcd and NATS on local-path and turns Grove and KAI on", () => {
            const values = platformValues(recording);
            assert.equal(values.etcd.persistence.storageClass, "local-path");
            assert.equal(values.grove.enabled, true);
            assert.equal(values["kai-scheduler"].enabled, true);
            assert.equal(values["dynamo-operator"].discoveryBackend, "etcd");
            assert.equal(
                recording.object("kubernetes:storage.k8s.io/v1:StorageClass", "local-path").inputs.provisioner,
                "rancher.io/local-path",
            );
        });

        it("exports what other stacks consume", () => {
            assert.deepEqual(recording.stackOutputs(), {
                namespace: "dynamo-system",
                crdsReleaseName: "dynamo-crds",
                crdsReleaseVersion: "0.9.0",
                platformReleaseName: "dynamo-platform",
                platformReleaseVersion: "0.9.0-post1",
                crdNames: [
                    "dynamographdeployments.nvidia.com",
                    "dynamographdeploymentrequests.nvidia.com",
                    "dynamoworkermetadatas.nvidia.com",
                ],
                etcdEndpoint: "dynamo-platform-etcd.dynamo-system.svc.cluster.local:2379",
                natsEndpoint: "nats://dynamo-platform-nats.dynamo-system.svc.cluster.local:4222",
                prometheusEndpoint: "",
                prometheusEndpointSource: "none",
                modelCacheStorageClass: "nfs",
                persistenceStorageClass: "local-path",
            });
        });
    });

    it("chains the Prometheus endpoint from dynamo:monitoringStack", async () => {
        const url = "http://prometheus-kube-prometheus-prometheus.monitoring.svc.cluster.local:9090";
        const recording = await runProgram({
            config: { ...stackFileConfig("k8s"), "dynamo:monitoringStack": "acme/monitoring/k8s" },
            stackOutputs: { "acme/monitoring/k8s": { prometheusEndpoint: url } },
        });
        assert.equal(recording.one("pulumi:pulumi:StackReference").inputs.name, "acme/monitoring/k8s");
        assert.equal(platformValues(recording)["dynamo-operator"].dynamo.metrics.prometheusEndpoint, url);
        assert.equal(recording.stackOutputs().prometheusEndpoint, url);
        assert.equal(recording.stackOutputs().prometheusEndpointSource, "monitoringStack");
    });

    it("lets dynamo:prometheusEndpoint win over the monitoring stack", async () => {
        const recording = await runProgram({
            config: {
                ...stackFileConfig("k8s"),
                "dynamo:monitoringStack": "acme/monitoring/k8s",
                "dynamo:prometheusEndpoint": "http://prom.local:9090",
            },
            stackOutputs: { "acme/monitoring/k8s": { prometheusEndpoint: "http://other:9090" } },
        });
        assert.equal(recording.ofType("pulumi:pulumi:StackReference").length, 0);
        assert.equal(recording.stackOutputs().prometheusEndpoint, "http://prom.local:9090");
    });

    describe("bad config stops the program before any resource is registered", () => {
        const cases: [string, Record<string, string>, RegExp][] = [
            ["unknown platform", { "dynamo:platform": "gke" }, /^Invalid dynamo:platform "gke": expected one of "k8s", "eks"\.$/],
            [
                "release range",
                { "dynamo:releaseVersion": "~0.9" },
                /^Invalid dynamo:releaseVersion "~0\.9": expected an exact published version/,
            ],
            ["namespace", { "dynamo:namespace": "Dynamo_System" }, /^Invalid dynamo:namespace "Dynamo_System": expected a DNS-1123 label/],
            ["discovery backend", { "dynamo:discoveryBackend": "zookeeper" }, /^Invalid dynamo:discoveryBackend "zookeeper"/],
            ["Prometheus endpoint", { "dynamo:prometheusEndpoint": "prometheus.monitoring:9090" }, /^Invalid dynamo:prometheusEndpoint/],
            ["Grove flag", { "dynamo:groveEnabled": "on" }, /^Invalid dynamo:groveEnabled "on": expected true or false\.$/],
            ["KAI flag", { "dynamo:kaiSchedulerEnabled": "1" }, /^Invalid dynamo:kaiSchedulerEnabled "1"/],
            ["storage class", { "dynamo:storageClass": "NFS" }, /^Invalid dynamo:storageClass "NFS": expected a Kubernetes object name/],
            [
                "persistence class",
                { "dynamo:persistenceStorageClass": "local_path" },
                /^Invalid dynamo:persistenceStorageClass "local_path"/,
            ],
            [
                "conflicting classes",
                { "dynamo:persistenceStorageClass": "nfs" },
                /^dynamo:persistenceStorageClass conflicts with dynamo:storageClass/,
            ],
        ];
        for (const [what, change, message] of cases) {
            it(what, async () => {
                const recording = await runProgram({ config: { ...stackFileConfig("k8s"), ...change }, expectFailure: true });
                assert.match((recording.error as Error).message, message);
                assert.deepEqual(
                    recording.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                    [],
                );
            });
        }
    });
});
