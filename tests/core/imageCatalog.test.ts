import { strict as assert } from "assert";
import { configRefusal } from "../refusal";
import { chartImageValues, ImageSettings, imageValues, platformImageSlots, slotRepository } from "../../components/core/imageCatalog";
import { formatImageReference, mirroredImage, parseImageReference } from "../../components/core/images";
import { platformReleaseValues } from "../../components/core/releaseValues";
import { resolveSettings } from "../../components/core/settings";
import { chartLineFor, parseReleaseVersion } from "../../components/core/versions";
import { valueAt } from "../../components/core/valueTree";

const MIRROR = "registry.internal:5000/dynamo";
const lineOf = (release: string) => chartLineFor(parseReleaseVersion(release)!);

describe("image references", () => {
    it("reads registries, Docker Hub short names, ports, tags and digests as runtimes do", () => {
        assert.deepEqual(parseImageReference("nats:2.10.21-alpine"), {
            registry: "docker.io",
            path: "library/nats",
            tag: "2.10.21-alpine",
            digest: undefined,
        });
        assert.deepEqual(parseImageReference("bitnamilegacy/etcd:3.5.18-debian-12-r5")?.path, "bitnamilegacy/etcd");
        assert.deepEqual(parseImageReference("localhost:5000/a/b:1")?.registry, "localhost:5000");
        const digest = `sha256:${"a".repeat(64)}`;
        assert.deepEqual(parseImageReference(`registry.k8s.io/ingress-nginx/controller:v1.14.0@${digest}`), {
            registry: "registry.k8s.io",
            path: "ingress-nginx/controller",
            tag: "v1.14.0",
            digest,
        });
        for (const bad of ["", "Upper/Case:1", "a b:1", "registry.io/", "x@sha256:short"]) {
            assert.equal(parseImageReference(bad), undefined, bad);
        }
    });

    it("moves an image below the mirror, keeping its path", () => {
        const nats = parseImageReference("nats:2.10.21-alpine")!;
        assert.equal(formatImageReference(mirroredImage(nats, "mirror.local")), "mirror.local/library/nats:2.10.21-alpine");
        assert.equal(formatImageReference(mirroredImage(nats, MIRROR)), "registry.internal:5000/dynamo/library/nats:2.10.21-alpine");
    });
});

describe("image catalog", () => {
    const mirror: ImageSettings = { registry: MIRROR, overrides: {} };

    it("moves every 0.9.x platform image a value can move, each by its chart's own keys", () => {
        const values = imageValues(platformImageSlots(lineOf("0.9.1")), mirror);
        const expect = (path: string, value: unknown) => assert.deepEqual(valueAt(values, path.split(".")), value, path);
        expect("dynamo-operator.controllerManager.manager.image.repository", `${MIRROR}/nvidia/ai-dynamo/kubernetes-operator`);
        expect("dynamo-operator.controllerManager.kubeRbacProxy.image.repository", `${MIRROR}/kubebuilder/kube-rbac-proxy`);
        expect("dynamo-operator.webhook.certGenerator.image", { repository: `${MIRROR}/bitnamilegacy/kubectl`, tag: "1.33.4" });
        expect("dynamo-operator.dynamo.internalImages.debugger", `${MIRROR}/library/python:3.12-slim`);
        // Bitnami: registry and path apart, and the chart's guard against unknown registries lifted.
        expect("etcd.image", { registry: "registry.internal:5000", repository: "dynamo/bitnamilegacy/etcd" });
        expect("etcd.global.security.allowInsecureImages", true);
        expect("nats.container.image", { registry: "registry.internal:5000", repository: "dynamo/library/nats" });
        expect("nats.reloader.image.repository", "dynamo/natsio/nats-server-config-reloader");
        expect("grove.image.repository", `${MIRROR}/nvidia/grove/grove-operator`);
        expect("grove.deployment.env", [{ name: "GROVE_INIT_CONTAINER_IMAGE", value: `${MIRROR}/nvidia/grove/grove-initc` }]);
        expect("kai-scheduler.global.registry", `${MIRROR}/nvidia/kai-scheduler`);
        // Tags stay the chart's own unless an override gives one.
        assert.equal(valueAt(values, ["dynamo-operator", "controllerManager", "manager", "image", "tag"]), undefined);
    });

    it("knows each line's own images: no hook Jobs from 1.0, the moved KAI registry from 1.4, the snapshot subchart from 1.5", () => {
        const names = (release: string) => platformImageSlots(lineOf(release)).map(slotRepository);
        assert.ok(names("0.9.1").includes("docker.io/bitnamilegacy/kubectl"));
        assert.ok(!names("1.0.1").includes("docker.io/bitnamilegacy/kubectl"));
        assert.ok(names("1.0.1").includes("ghcr.io/ai-dynamo/grove/grove-operator"));
        assert.ok(names("1.0.1").includes("ghcr.io/nvidia/kai-scheduler"));
        assert.ok(names("1.4.0").includes("ghcr.io/kai-scheduler/kai-scheduler"));
        assert.ok(!names("1.4.0").includes("ghcr.io/ai-dynamo/snapshot/agent"));
        assert.ok(names("1.5.0").includes("ghcr.io/ai-dynamo/snapshot/agent"));
        const values = imageValues(platformImageSlots(lineOf("1.0.1")), mirror);
        assert.equal(valueAt(values, ["dynamo-operator", "webhook"]), undefined, "1.2+ charts refuse the 0.9 hook keys");
    });

    it("moves nothing without a mirror or overrides", () => {
        assert.deepEqual(imageValues(platformImageSlots(lineOf("0.9.1")), { overrides: {} }), {});
    });

    it("replaces one image by its repository, tag or digest where its chart takes one", () => {
        const digest = `sha256:${"b".repeat(64)}`;
        const values = imageValues(platformImageSlots(lineOf("0.9.1")), {
            registry: MIRROR,
            overrides: {
                "docker.io/bitnamilegacy/kubectl": "tools.internal/kubectl:1.34.0",
                "docker.io/library/nats": `tools.internal/nats@${digest}`,
            },
        });
        assert.deepEqual(valueAt(values, ["dynamo-operator", "webhook", "certGenerator", "image"]), {
            repository: "tools.internal/kubectl",
            tag: "1.34.0",
        });
        assert.deepEqual(valueAt(values, ["nats", "container", "image"]), { registry: "tools.internal", repository: "nats", digest });
    });
});

describe("image settings", () => {
    const base = { releaseVersion: "0.9.1" };

    it("gives the platform release the pinned hook image and no ssh-keygen Job on 0.9.x, mirror or not", () => {
        const values = platformReleaseValues(resolveSettings(base), {});
        assert.deepEqual(valueAt(values, ["dynamo-operator", "webhook", "certGenerator", "image"]), {
            repository: "docker.io/bitnamilegacy/kubectl",
            tag: "1.33.4",
        });
        assert.equal(valueAt(values, ["dynamo-operator", "dynamo", "mpiRun", "sshKeygen", "enabled"]), false);
        const onOne = platformReleaseValues(resolveSettings({ releaseVersion: "1.0.1" }), {});
        assert.equal(valueAt(onOne, ["dynamo-operator", "webhook"]), undefined);
        assert.equal(valueAt(onOne, ["dynamo-operator", "dynamo", "mpiRun"]), undefined);
    });

    it("lets helmValues win over the mirror, as over everything else", () => {
        const settings = resolveSettings({ ...base, imageRegistry: MIRROR });
        const values = platformReleaseValues(settings, { overrides: { grove: { image: { repository: "own/grove" } } } });
        assert.equal(valueAt(values, ["grove", "image", "repository"]), "own/grove");
    });

    it("moves the add-ons this stack installs: csi-driver-nfs, ingress-nginx and local-path", () => {
        const settings = resolveSettings({
            ...base,
            imageRegistry: MIRROR,
            nfs: { server: "10.0.0.5", share: "/exports" },
            ingress: { installNginx: true },
            localPath: { install: true },
        });
        assert.deepEqual(chartImageValues("csi-driver-nfs", settings), {
            image: { nfs: { repository: `${MIRROR}/sig-storage/nfsplugin` }, baseRepo: MIRROR },
        });
        assert.deepEqual(valueAt(chartImageValues("ingress-nginx", settings), ["controller", "image"]), {
            registry: "registry.internal:5000",
            image: "dynamo/ingress-nginx/controller",
        });
        assert.equal(settings.localPath?.image, `${MIRROR}/rancher/local-path-provisioner:v0.0.37`);
        assert.equal(settings.localPath?.helperImage, `${MIRROR}/library/busybox:1.37.0`);
    });

    it("refuses an override for an image the install does not have, listing those it has", () => {
        const error = configRefusal(() =>
            resolveSettings({ ...base, images: { "docker.io/library/redis": "mirror/redis:7.4.1" } }, "dynamo:"),
        );
        assert.equal(error.key, 'dynamo:images["docker.io/library/redis"]');
        assert.match(error.message, /this install has no image docker\.io\/library\/redis/);
        assert.match(error.message, /docker\.io\/bitnamilegacy\/kubectl/);
        assert.doesNotMatch(error.message, /registry\.k8s\.io\/sig-storage\/nfsplugin/, "csi-driver-nfs is not installed");
    });

    it("refuses to move one KAI image alone: they share one registry prefix", () => {
        const error = configRefusal(() =>
            resolveSettings({ ...base, images: { "ghcr.io/nvidia/kai-scheduler/binder": "mirror/binder:v0.9.4" } }, "dynamo:"),
        );
        assert.match(error.message, /share one registry prefix, which only imageRegistry moves/);
    });

    it("refuses a digest where the chart builds <repository>:<tag>", () => {
        const error = configRefusal(() =>
            resolveSettings(
                { ...base, images: { "nvcr.io/nvidia/ai-dynamo/kubernetes-operator": `mirror/op@sha256:${"c".repeat(64)}` } },
                "dynamo:",
            ),
        );
        assert.match(error.message, /takes no digest/);
    });

    it("refuses a mirror that is not a registry, and an unpinned replacement, through the schema", () => {
        assert.match(
            configRefusal(() => resolveSettings({ ...base, imageRegistry: "https://mirror" }, "dynamo:")).message,
            /dynamo:imageRegistry/,
        );
        assert.match(
            configRefusal(() => resolveSettings({ ...base, images: { "docker.io/library/nats": "mirror/nats:latest" } }, "dynamo:"))
                .message,
            /pinned tag or digest/,
        );
    });
});
