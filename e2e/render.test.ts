/**
 * The values this package gives the platform release, rendered by the real Helm against the newest
 * chart archives here (the 1.4.0 and 1.5.0 builds), so every validation template of the chart
 * (1.5's `validate-values.yaml` with its BREAKING CHANGE checks, the Grove-and-KAI staleness rule)
 * judges them: for the committed stacks' configuration and the common variations. A control case
 * shows the validation templates do run. Needs no cluster state (`helm template` reads nothing
 * from it). Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DiscoveryBackend, DynamoPlatformArgs, Platform, Profile } from "../components/core/args";
import { platformReleaseValues, ResolvedPlatformInputs } from "../components/core/releaseValues";
import { resolveSettings } from "../components/core/settings";
import { CHARTS, ROOT, run, work } from "./harness";

const ARCHIVES: Record<string, string> = {
    "1.4.0": "dynamo-platform-1.4.0-branchcut.e147ceea.tgz",
    "1.5.0": "dynamo-platform-1.5.0-main.2a6da14c.tgz",
};

/** The configurations rendered, by what they vary from the committed `k8s` stack (Grove and KAI bundled). */
const CONFIGS: [string, Partial<DynamoPlatformArgs>, ResolvedPlatformInputs][] = [
    ["the committed k8s stack: Kubernetes discovery, no etcd or NATS, Grove and KAI bundled", {}, {}],
    [
        "etcd discovery and NATS, on local-path volumes",
        { discoveryBackend: DiscoveryBackend.Etcd, installNats: true, persistenceStorageClass: "local-path" },
        {},
    ],
    ["the ha profile, with etcd and NATS", { profile: Profile.Ha, discoveryBackend: DiscoveryBackend.Etcd, installNats: true }, {}],
    [
        "a mirror, its pull secret and Prometheus",
        { imageRegistry: "mirror.example.com:5000/dynamo" },
        { pullSecretName: "mirror", prometheusUrl: "http://prometheus.monitoring:9090" },
    ],
    ["Grove and KAI off", { groveEnabled: false, kaiSchedulerEnabled: false }, {}],
    [
        "an ingress class and GPU-node tolerations",
        { ingress: { className: "nginx" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
        {},
    ],
];

function render(release: string, values: unknown): { status: number | null; output: string } {
    const file = path.join(work, `render-${release}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(values));
    return run(
        `helm template ${release}`,
        "helm",
        ["template", "dynamo-platform", path.join(CHARTS, ARCHIVES[release]), "-n", "dynamo-system", "-f", file],
        ROOT,
    );
}

describe("end-to-end render: this package's values through every validation template of the newest charts (helm template)", () => {
    for (const release of Object.keys(ARCHIVES)) {
        describe(`dynamo-platform ${release}`, () => {
            for (const [name, args, resolved] of CONFIGS) {
                it(name, () => {
                    const settings = resolveSettings({
                        platform: Platform.Kubernetes,
                        releaseVersion: release,
                        storageClass: "nfs",
                        ...args,
                    });
                    const rendered = render(release, platformReleaseValues(settings, resolved));
                    assert.equal(rendered.status, 0, rendered.output.slice(-3000));
                    assert.match(rendered.output, /kind: Deployment\n/);
                });
            }

            it("control: a key the chart's validation refuses (top-level nats.enabled) fails the render with the chart's message", () => {
                const settings = resolveSettings({ platform: Platform.Kubernetes, releaseVersion: release, storageClass: "nfs" });
                const rendered = render(release, { ...platformReleaseValues(settings, {}), nats: { enabled: true } });
                assert.notEqual(rendered.status, 0);
                assert.match(rendered.output, /global\.nats/);
            });
        });
    }
});
