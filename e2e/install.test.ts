/**
 * End-to-end installs: the monitoring stack (the real kube-prometheus-stack), then this project's
 * program under the real Pulumi engine, Node language host and Kubernetes provider installing the
 * real NVIDIA charts (`../shared/charts`) on the loopback control plane of e2e/cluster, whose KWOK
 * nodes run the pods, with Helm waiting for workloads and hook Jobs: 0.9.0 with every check, and
 * 1.0.1 on a fresh cluster. Each part starts from the harness's baseline, with an unowned
 * `local-path` class and the monitoring stack. Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as path from "path";
import {
    allPodsReady,
    apiextensions,
    baseline,
    batch,
    core,
    CRDS_09,
    custom,
    dynamoCrds,
    established,
    exists,
    graphAddress,
    graphProbe,
    helmRelease,
    helmValues,
    modelAddress,
    notOkChecks,
    MODELS_NAMESPACE,
    MONITORING_STACK,
    NAMESPACE,
    ok,
    operator,
    PLATFORM_CONFIG,
    PlatformStack,
    PROMETHEUS,
    pulumi,
    readUserModel,
    ROOT,
    storage,
    userModel,
    eventually,
} from "./harness";

describe("end-to-end install: the monitoring stack, then 0.9.0 with the real charts, waits on", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("install");

    before(async () => {
        await baseline("install", { localPath: "unowned", monitoring: true });
        stack.init();
    });

    after(() => stack.cleanup());

    it("1. the monitoring stack installed the real kube-prometheus-stack, Ready, and exports its Prometheus URL", async () => {
        assert.deepEqual(await helmRelease("prometheus", "monitoring"), { revision: 1, status: "deployed" });
        const ready = await allPodsReady("monitoring");
        for (const app of ["prometheus-operator", "kube-state-metrics", "grafana", "prometheus-node-exporter"]) {
            assert.ok(
                ready.some((name) => name.includes(app)),
                `${app} among ${ready}`,
            );
        }
        for (const kind of ["podmonitors", "servicemonitors", "prometheuses"]) {
            assert.ok(await established(`${kind}.monitoring.coreos.com`), kind);
        }
        const outputs = JSON.parse(
            ok(pulumi("monitoring: stack output", ["stack", "output", "--json", "--stack", MONITORING_STACK])).output,
        );
        assert.equal(outputs.prometheusEndpoint, PROMETHEUS);
    });

    it("2. pulumi up installs 0.9.0: Helm waited for every workload and hook Job; the running operator has the 0.9.0 image and the chained Prometheus", async () => {
        stack.write(PLATFORM_CONFIG);
        stack.up("up (0.9.0, waits on)");
        assert.ok(await exists(() => core.readNamespace({ name: NAMESPACE })));
        assert.deepEqual(await dynamoCrds(), CRDS_09);
        for (const crd of CRDS_09) {
            assert.ok(await established(crd), `${crd} Established`);
        }
        assert.deepEqual(await helmRelease("dynamo-crds", "default"), { revision: 1, status: "deployed" });
        for (const crd of CRDS_09) {
            const { metadata } = await apiextensions.readCustomResourceDefinition({ name: crd });
            assert.equal(metadata?.annotations?.["helm.sh/resource-policy"], "keep", `${crd}: the post-renderer marked it keep`);
            assert.equal(metadata?.annotations?.["meta.helm.sh/release-name"], "dynamo-crds", `${crd} belongs to the release`);
        }
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });

        const running = await operator();
        assert.equal(running.image, "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.0", "not the chart's 0.7.1");
        assert.equal(running.ready, 1);
        assert.ok(running.args.includes(`--prometheus-endpoint=${PROMETHEUS}`), running.args.join(" "));
        const monitors = (await custom.listNamespacedCustomObject({
            group: "monitoring.coreos.com",
            version: "v1",
            namespace: NAMESPACE,
            plural: "podmonitors",
        })) as { items: unknown[] };
        assert.ok(monitors.items.length > 0, "the chart rendered its PodMonitors against the real monitoring CRDs");

        const ready = await allPodsReady(NAMESPACE);
        for (const name of ["dynamo-operator", "etcd", "nats"]) {
            assert.equal(ready.filter((app) => app === name).length, 1, `one Ready ${name} pod among ${ready}`);
        }
        const jobs = (await batch.listNamespacedJob({ namespace: NAMESPACE })).items;
        for (const hook of ["webhook-cert-gen", "webhook-ca-inject"]) {
            const job = jobs.find((j) => j.metadata?.name?.includes(hook));
            assert.ok(job, `hook Job ${hook} among ${jobs.map((j) => j.metadata?.name)}`);
            assert.equal(job.status?.succeeded, 1, `${hook} succeeded`);
        }
        const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NAMESPACE })).items;
        assert.deepEqual(claims.map((c) => [c.spec?.storageClassName, c.status?.phase]).sort(), [
            ["local-path", "Bound"],
            ["local-path", "Bound"],
        ]);

        const values = (await helmValues("dynamo-platform", NAMESPACE)) as Record<string, any>;
        assert.equal(values["dynamo-operator"].discoveryBackend, "etcd");
        assert.equal(values.grove.enabled, true);
        assert.equal(values["kai-scheduler"].enabled, true);
        // Auto-configuration used the existing class and did not install a provisioner of its own.
        const localPath = await storage.readStorageClass({ name: "local-path" });
        assert.equal(localPath.metadata?.labels?.["dynamo.nvidia.com/owner"], undefined, "not taken over");
        assert.ok(!(await exists(() => core.readNamespace({ name: "local-path-storage" }))), "no local-path-provisioner installed");
        const nfs = await storage.readStorageClass({ name: "nfs" });
        assert.deepEqual([nfs.provisioner, nfs.parameters], ["nfs.csi.k8s.io", { server: "nfs.e2e.invalid", share: "/exports/models" }]);
    });

    it("3. while the operator's webhook cannot answer (failurePolicy Fail), a model is refused and verify turns that one row red with the fix", async () => {
        await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
        const refused = await custom.createNamespacedCustomObject({ ...graphAddress, body: graphProbe }).then(
            () => "admitted",
            (error: k8s.ApiException<unknown>) => (typeof error.body === "string" ? error.body : JSON.stringify(error.body)),
        );
        assert.match(refused, /failed calling webhook \\?"vdynamographdeployment\.kb\.io/);

        const result = stack.verify("npm run verify (webhook Fail)");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /admission webhook\s+FAIL\s+vdynamographdeployment\.kb\.io cannot be called: /);
        assert.match(result.stdout, /- admission webhook: Every DynamoGraphDeployment create or update is refused/);
        assert.match(result.stdout, /1 of 16 checks failed\./);
    });

    it("4. the other 15 rows of verify are green and report the GPU nodes; a Dynamo object no webhook intercepts is admitted", async () => {
        const result = stack.verify("npm run verify");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /1 of 16 checks failed\./);
        assert.deepEqual(notOkChecks(result.stdout), ["admission webhook"]);
        assert.match(result.stdout, /nodes\s+OK\s+5 ready and schedulable of 5; 16 GPUs on 2: kwok-gpu-0 \(8\), kwok-gpu-1 \(8\)/);
        assert.match(result.stdout, /etcd pods\s+OK\s+1\/1 ready/);
        assert.match(result.stdout, /NATS pods\s+OK\s+1\/1 ready/);

        await custom.createNamespacedCustomObject({ ...modelAddress, body: userModel });
        assert.ok(await exists(readUserModel));
    });

    it("5. a second run plans no changes (timed from the compiled build and from sources newer than it)", () => {
        stack.previewNoChanges("preview --expect-no-changes");
        // As after an edit: program/main.js then runs the TypeScript sources, transpiled only.
        const build = path.join(ROOT, "bin", "program", "index.js");
        const built = fs.statSync(build).mtime;
        fs.utimesSync(build, new Date(0), new Date(0));
        try {
            stack.previewNoChanges("preview --expect-no-changes (sources newer than the build)");
        } finally {
            fs.utimesSync(build, built, built);
        }
    });

    it("6. without a monitoring stack, auto-configuration detects the real kube-prometheus-stack and finds the same URL", async () => {
        stack.write({ ...PLATFORM_CONFIG, monitoringStack: undefined });
        stack.up("up (Prometheus detected)");
        const outputs = stack.outputs();
        assert.equal(outputs.prometheusEndpointSource, "detected");
        assert.ok(
            outputs.detected.some(
                (d: { subject: string; found: string }) =>
                    d.subject === "prometheus" &&
                    d.found === "kube-prometheus-stack service monitoring/prometheus-kube-prometheus-prometheus",
            ),
            JSON.stringify(outputs.detected),
        );
        assert.equal(outputs.prometheusEndpoint, PROMETHEUS);
        assert.ok((await operator()).args.includes(`--prometheus-endpoint=${PROMETHEUS}`));
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" }, "nothing to upgrade");
    });
});

describe("end-to-end install: 1.0.1 on a fresh cluster, waits on", function () {
    this.timeout(30 * 60 * 1000);
    const stack = new PlatformStack("install-1.0.1");

    before(async () => {
        await baseline("install", { localPath: "unowned", monitoring: true });
        stack.init();
    });

    after(() => stack.cleanup());

    it("14. 1.0.1 on a fresh cluster: CRDs from the platform chart, workloads Ready, Prometheus in the operator's config, verify green but for the simulated operator's webhook; destroy keeps the CRDs", async () => {
        stack.write({ ...PLATFORM_CONFIG, releaseVersion: "1.0.1" });
        stack.up("up (1.0.1, fresh)");
        const crds = await dynamoCrds();
        assert.deepEqual(crds, [...CRDS_09.slice(0, 1), "dynamocheckpoints.nvidia.com", ...CRDS_09.slice(1)].sort());
        for (const crd of crds) {
            assert.ok(await established(crd), `${crd} Established`);
        }
        assert.equal(await helmRelease("dynamo-crds", "default"), undefined);
        assert.deepEqual(await helmRelease("dynamo-platform", NAMESPACE), { revision: 1, status: "deployed" });
        assert.match((await operator()).image ?? "", /kubernetes-operator:1\.0\.1$/);
        const configMaps = (await core.listNamespacedConfigMap({ namespace: NAMESPACE })).items;
        assert.ok(
            configMaps.some((c) => Object.values(c.data ?? {}).some((text) => text.includes(`prometheusEndpoint: "${PROMETHEUS}"`))),
            "the operator's config carries the chained Prometheus",
        );
        await allPodsReady(NAMESPACE);
        const result = stack.verify("npm run verify (1.0.1)");
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /1 of 16 checks failed\./);
        assert.match(result.stdout, /admission webhook\s+FAIL\s+[mv]dynamographdeployment\.kb\.io cannot be called: /);

        stack.destroy("destroy (1.0.1)");
        await eventually("namespace deleted", async () => !(await exists(() => core.readNamespace({ name: NAMESPACE }))));
        assert.deepEqual(await dynamoCrds(), crds, "Helm never deletes a chart's crds/ folder");
        // KAI's Config is a pre-install hook in 1.0.1 (a plain resource in 0.9.x): it outlives the
        // uninstall, and a later 0.9.x install refuses to adopt it (README, Uninstall). The next
        // file's baseline deletes it with the CRDs.
        assert.ok(
            await exists(() =>
                custom.getClusterCustomObject({ group: "kai.scheduler", version: "v1", plural: "configs", name: "kai-config" }),
            ),
        );
    });
});
