/**
 * Where every chart this package installs takes its images from, per chart line: the values keys
 * that move each image to a mirror, and the few that no value can move. Read from the real charts
 * (`../shared/charts`); `npm run images` renders them, and the end-to-end test checks this table
 * against what they render. Pure.
 */
import { DynamoConfigError } from "./errors";
import { formatImageReference, ImageReference, mirroredImage, parseImageReference, repositoryName, WEBHOOK_CERT_JOB_IMAGE } from "./images";
import { deepMerge, Values, valuesAt } from "./valueTree";
import { ChartLine, compareReleases, parseReleaseVersion } from "./versions";

/** The charts (and the one set of resources) whose images the platform installs. */
export type ImageSource = "dynamo-platform" | "csi-driver-nfs" | "ingress-nginx" | "local-path-provisioner";

/** How a chart composes one image from its values, and so what moves it. */
export type ImageKeys =
    /** `<at>.repository` holds registry and path, `<at>.tag` the tag. */
    | { style: "repository"; at: readonly string[] }
    /** `<at>.registry` and `<at>.<pathKey>` (the path below the registry), `<at>.tag`, `<at>.digest`. */
    | { style: "registry"; at: readonly string[]; pathKey: string }
    /** One string holding the whole reference. */
    | { style: "reference"; at: readonly string[] }
    /** The value of one variable of a container's `env` list (the list is replaced whole). */
    | { style: "env"; at: readonly string[]; name: string }
    /** One registry prefix for every image of a subchart (`<prefix>/<name>:<tag>`). */
    | { style: "prefix"; at: readonly string[] }
    /** A component setting of this package rather than a chart value. */
    | { style: "setting"; setting: "localPath.image" | "localPath.helperImage" }
    /** Written into a template: no value moves it. */
    | { style: "fixed"; workaround: string };

/** One image (or, for `prefix`, one family of images) a chart installs. */
export interface ImageSlot {
    source: ImageSource;
    /** What runs it, as the inventory names it. */
    component: string;
    /** The image as installed without a mirror; a `prefix` slot's shared prefix; an `env` slot's repository. */
    image: string;
    keys: ImageKeys;
    /** Whether an `images` override may pin it by digest. */
    digest: boolean;
    /** Values that must accompany a moved image (the Bitnami charts refuse unknown registries without it). */
    whenMoved?: Values;
}

const BITNAMI_ALLOW_MIRROR: Values = { etcd: { global: { security: { allowInsecureImages: true } } } };

function slot(component: string, image: string, keys: ImageKeys, digest = false, whenMoved?: Values): ImageSlot {
    return { source: "dynamo-platform", component, image, keys, digest, whenMoved };
}

const OPERATOR = ["dynamo-operator"];

/** Whether a chart line is `line` or newer. */
function since(chartLine: ChartLine, line: string): boolean {
    return compareReleases(parseReleaseVersion(`${chartLine.line}.0`)!, parseReleaseVersion(`${line}.0`)!) >= 0;
}

/** The images of the `dynamo-platform` chart of a line, subcharts and hook Jobs included. */
export function platformImageSlots(chartLine: ChartLine): ImageSlot[] {
    const v09 = !since(chartLine, "1.0");
    const v14 = since(chartLine, "1.4");
    const grove = v09 ? "ghcr.io/nvidia/grove" : "ghcr.io/ai-dynamo/grove";
    const nats = (component: string, image: string, at: string[]) =>
        slot(`NATS ${component}`, image, { style: "registry", at: ["nats", ...at, "image"], pathKey: "repository" }, true);
    return [
        slot("operator", "nvcr.io/nvidia/ai-dynamo/kubernetes-operator", {
            style: "repository",
            at: [...OPERATOR, "controllerManager", "manager", "image"],
        }),
        ...(v09
            ? [
                  slot("operator kube-rbac-proxy", "gcr.io/kubebuilder/kube-rbac-proxy", {
                      style: "repository",
                      at: [...OPERATOR, "controllerManager", "kubeRbacProxy", "image"],
                  }),
                  slot("webhook certificate Jobs (hooks)", `${WEBHOOK_CERT_JOB_IMAGE.repository}:${WEBHOOK_CERT_JOB_IMAGE.tag}`, {
                      style: "repository",
                      at: [...OPERATOR, "webhook", "certGenerator", "image"],
                  }),
                  slot("operator debugger (started by the operator)", "docker.io/library/python:3.12-slim", {
                      style: "reference",
                      at: [...OPERATOR, "dynamo", "internalImages", "debugger"],
                  }),
                  ...["docker.io/bitnamisecure/git:latest", "docker.io/alpine/k8s:1.34.1"].map((image) =>
                      slot("MPI ssh-keygen Job (hook, off by default)", image, {
                          style: "fixed",
                          workaround:
                              "off by default; it only makes the SSH key Secret of multi-node mpirun deployments (see docs/airgap.md)",
                      }),
                  ),
              ]
            : []),
        ...(v14
            ? [
                  slot("operator checkpoint cleanup (started by the operator)", "docker.io/library/busybox:1.36", {
                      style: "reference",
                      at: [...OPERATOR, "checkpoint", "cleanupImage"],
                  }),
              ]
            : []),
        slot(
            "etcd",
            "docker.io/bitnamilegacy/etcd",
            { style: "registry", at: ["etcd", "image"], pathKey: "repository" },
            true,
            BITNAMI_ALLOW_MIRROR,
        ),
        slot(
            "etcd volume permissions (off by default)",
            "docker.io/bitnami/os-shell",
            { style: "registry", at: ["etcd", "volumePermissions", "image"], pathKey: "repository" },
            true,
            BITNAMI_ALLOW_MIRROR,
        ),
        nats("server", "docker.io/library/nats", ["container"]),
        nats("config reloader", "docker.io/natsio/nats-server-config-reloader", ["reloader"]),
        nats("exporter (off by default)", "docker.io/natsio/prometheus-nats-exporter", ["promExporter"]),
        nats("box (off by default)", "docker.io/natsio/nats-box", ["natsBox", "container"]),
        slot("Grove operator", `${grove}/grove-operator`, { style: "repository", at: ["grove", "image"] }, true),
        slot("Grove init container (started by the Grove operator)", `${grove}/grove-initc`, {
            style: "env",
            at: ["grove", "deployment", "env"],
            name: "GROVE_INIT_CONTAINER_IMAGE",
        }),
        slot("KAI Scheduler (every image)", v14 ? "ghcr.io/kai-scheduler/kai-scheduler" : "ghcr.io/nvidia/kai-scheduler", {
            style: "prefix",
            at: ["kai-scheduler", "global", "registry"],
        }),
        ...(since(chartLine, "1.5")
            ? [
                  slot("snapshot operator", "ghcr.io/ai-dynamo/snapshot/operator", {
                      style: "repository",
                      at: ["snapshot", "image", "operator"],
                  }),
                  slot("snapshot agent", "ghcr.io/ai-dynamo/snapshot/agent", { style: "repository", at: ["snapshot", "image", "agent"] }),
                  slot(
                      "snapshot seccomp init container",
                      "docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0",
                      { style: "reference", at: ["snapshot", "daemonset", "initContainer", "image"] },
                      true,
                  ),
              ]
            : []),
    ];
}

/** csi-driver-nfs 4.x: the driver by its full repository, the CSI sidecars below `image.baseRepo`. */
export const NFS_DRIVER_IMAGE_SLOTS: readonly ImageSlot[] = [
    {
        source: "csi-driver-nfs",
        component: "NFS CSI driver",
        image: "registry.k8s.io/sig-storage/nfsplugin",
        keys: { style: "repository", at: ["image", "nfs"] },
        digest: false,
    },
    {
        source: "csi-driver-nfs",
        component: "NFS CSI sidecars (every image)",
        image: "registry.k8s.io",
        keys: { style: "prefix", at: ["image", "baseRepo"] },
        digest: false,
    },
];

/** ingress-nginx 4.x: registry and image name apart, digests pinned by the chart. */
export const INGRESS_NGINX_IMAGE_SLOTS: readonly ImageSlot[] = [
    ["controller", "registry.k8s.io/ingress-nginx/controller", ["controller", "image"]],
    [
        "admission certificate Jobs (hooks)",
        "registry.k8s.io/ingress-nginx/kube-webhook-certgen",
        ["controller", "admissionWebhooks", "patch", "image"],
    ],
    ["default backend (off by default)", "registry.k8s.io/defaultbackend-amd64", ["defaultBackend", "image"]],
].map(([component, image, at]) => ({
    source: "ingress-nginx" as const,
    component: component as string,
    image: image as string,
    keys: { style: "registry" as const, at: at as string[], pathKey: "image" },
    digest: true,
}));

/** local-path-provisioner, written out by this package: its images are component settings. */
export function localPathImageSlots(image: string, helperImage: string): ImageSlot[] {
    return [
        {
            source: "local-path-provisioner",
            component: "provisioner",
            image,
            keys: { style: "setting", setting: "localPath.image" },
            digest: true,
        },
        {
            source: "local-path-provisioner",
            component: "volume helper pods (started by the provisioner)",
            image: helperImage,
            keys: { style: "setting", setting: "localPath.helperImage" },
            digest: true,
        },
    ];
}

/** The mirror and per-image replacements of an install. */
export interface ImageSettings {
    /** `host[:port][/path]` every image moves to. */
    registry?: string;
    /** Repository (`registry/path`) to the full reference that replaces it. */
    overrides: Record<string, string>;
}

/** The repository an `images` override names this slot by (a `prefix` slot: the prefix itself). */
export function slotRepository(slot: ImageSlot): string {
    return slot.keys.style === "prefix" ? slot.image : repositoryName(parseImageReference(slot.image)!);
}

/** A registry prefix (`host[/path]`, the host always first) below the mirror: the path below the host kept. */
function mirroredPrefix(prefix: string, imageRegistry: string): string {
    const slash = prefix.indexOf("/");
    return slash === -1 ? imageRegistry : `${imageRegistry}/${prefix.slice(slash + 1)}`;
}

/** Where a slot's image goes under `settings`, or undefined when it stays. */
export function movedImage(slot: ImageSlot, settings: ImageSettings): ImageReference | undefined {
    if (slot.keys.style === "fixed" || slot.keys.style === "prefix") {
        return undefined;
    }
    const current = parseImageReference(slot.image)!;
    const override = settings.overrides[repositoryName(current)];
    if (override !== undefined) {
        return parseImageReference(override);
    }
    return settings.registry === undefined ? undefined : mirroredImage(current, settings.registry);
}

function keyValues(keys: ImageKeys, moved: ImageReference): unknown {
    const tag = moved.tag !== undefined ? { tag: moved.tag } : {};
    switch (keys.style) {
        case "repository":
            // The only digest a repository/tag chart takes is Grove's `tag: sha256:…`.
            return { repository: repositoryName(moved), ...(moved.digest !== undefined ? { tag: moved.digest } : tag) };
        case "registry":
            return {
                registry: moved.registry,
                [keys.pathKey]: moved.path,
                ...tag,
                ...(moved.digest !== undefined ? { digest: moved.digest } : {}),
            };
        case "reference":
        case "setting":
            return formatImageReference(moved);
        case "env":
            return [{ name: keys.name, value: repositoryName(moved) }];
        case "prefix":
        case "fixed":
            return undefined;
    }
}

/** The chart values that move a chart's images as `settings` say; empty when nothing moves. */
export function imageValues(slots: readonly ImageSlot[], settings: ImageSettings): Values {
    return slots.reduce<Values>((values, slot) => {
        const { keys } = slot;
        if (keys.style === "prefix") {
            return settings.registry === undefined
                ? values
                : deepMerge(values, valuesAt(keys.at, mirroredPrefix(slot.image, settings.registry)));
        }
        const moved = movedImage(slot, settings);
        if (moved === undefined || keys.style === "setting" || keys.style === "fixed") {
            return values;
        }
        const withImage = deepMerge(values, valuesAt(keys.at, keyValues(keys, moved)));
        return slot.whenMoved ? deepMerge(withImage, slot.whenMoved) : withImage;
    }, {});
}

/** The values that move the images of one chart of an install. */
export function chartImageValues(source: ImageSource, install: { imageSlots: readonly ImageSlot[]; images: ImageSettings }): Values {
    return imageValues(
        install.imageSlots.filter((slot) => slot.source === source),
        install.images,
    );
}

/** A component setting's image under `settings` (local-path's images are not chart values). */
export function movedSetting(slot: ImageSlot, settings: ImageSettings): string {
    const moved = movedImage(slot, settings);
    return moved === undefined ? slot.image : formatImageReference(moved);
}

/**
 * Checks the `images` overrides against the images the install really has: each key must name
 * one of them that a value can move, and a digest only where its chart takes one.
 */
export function checkImageOverrides(key: string, overrides: Record<string, string>, slots: readonly ImageSlot[]): void {
    const movable = slots.filter((s) => s.keys.style !== "fixed" && s.keys.style !== "prefix");
    for (const [repository, image] of Object.entries(overrides)) {
        const at = `${key}["${repository}"]`;
        const target = movable.find((s) => slotRepository(s) === repository);
        if (target === undefined) {
            const shared = slots.find((s) => s.keys.style === "prefix" && repository.startsWith(`${slotRepository(s)}/`));
            throw DynamoConfigError.invalid(
                at,
                image,
                `one of the images this install has: ${movable.map(slotRepository).join(", ")}`,
                shared
                    ? `the ${shared.component} images share one registry prefix, which only imageRegistry moves`
                    : `this install has no image ${repository}`,
            );
        }
        const parsed = parseImageReference(image);
        if (parsed === undefined) {
            throw DynamoConfigError.invalid(at, image, "a full image reference such as registry.internal/tools/kubectl:1.33.4");
        }
        if (parsed.digest !== undefined && !target.digest) {
            throw DynamoConfigError.invalid(
                at,
                image,
                "a tag (registry/name:tag)",
                `the chart builds this image as <repository>:<tag> and takes no digest`,
            );
        }
        if (parsed.digest !== undefined && parsed.tag !== undefined && target.keys.style === "repository") {
            throw DynamoConfigError.invalid(at, image, "a tag or a digest, not both", "the chart takes the digest in place of the tag");
        }
    }
}
