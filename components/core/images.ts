/**
 * The "is this image pinned" rule, for image references and for Helm values trees. The component
 * refuses unpinned images in its arguments; the policy pack reports them in whatever a stack registers.
 */

/** Whether an image reference lacks a tag or digest, or uses `latest`. */
export function isUnpinnedImage(image: string): boolean {
    const name = image.slice(image.lastIndexOf("/") + 1);
    if (name.includes("@")) {
        return false;
    }
    const colon = name.lastIndexOf(":");
    return colon === -1 || name.slice(colon + 1) === "latest" || name.slice(colon + 1) === "";
}

/**
 * Paths, in a Helm values tree, of image references that are not pinned: an `image` string without
 * a tag or digest, or a `tag` of `latest`. An empty `tag` is left alone: charts read it as their
 * own pinned appVersion.
 */
export function unpinnedImagesInValues(node: unknown, path = ""): string[] {
    if (Array.isArray(node)) {
        return node.flatMap((child, i) => unpinnedImagesInValues(child, `${path}[${i}]`));
    }
    if (typeof node !== "object" || node === null) {
        return [];
    }
    return Object.entries(node).flatMap(([key, value]) => {
        const at = path ? `${path}.${key}` : key;
        if (key === "tag" && value === "latest") {
            return [at];
        }
        if (key === "image" && typeof value === "string") {
            return isUnpinnedImage(value) ? [at] : [];
        }
        return unpinnedImagesInValues(value, at);
    });
}

/** An image reference split the way registries address it. */
export interface ImageReference {
    /** Registry host with optional port, e.g. `docker.io` or `registry.internal:5000`. */
    registry: string;
    /** Path below the registry, e.g. `library/nats` or `nvidia/ai-dynamo/kubernetes-operator`. */
    path: string;
    tag?: string;
    digest?: string;
}

const DOCKER_HUB = "docker.io";

/**
 * Splits an image reference as container runtimes read it: a first segment with a dot or a port
 * (or `localhost`) is the registry, otherwise Docker Hub, whose one-segment names live in `library/`.
 */
export function parseImageReference(image: string): ImageReference | undefined {
    const match = /^([^@\s]+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(image);
    if (match === null || match[1].endsWith("/")) {
        return undefined;
    }
    const [, name, tag, digest] = match;
    const slash = name.indexOf("/");
    const first = slash === -1 ? "" : name.slice(0, slash);
    const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
    const registry = hasRegistry ? first : DOCKER_HUB;
    const rest = hasRegistry ? name.slice(slash + 1) : name;
    const path = registry === DOCKER_HUB && !rest.includes("/") ? `library/${rest}` : rest;
    if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(path)) {
        return undefined;
    }
    return { registry, path, tag, digest };
}

/** `registry/path`, the key `npm run images` lists an image under and `images` overrides take. */
export function repositoryName(image: ImageReference): string {
    return `${image.registry}/${image.path}`;
}

/** The whole reference: `registry/path[:tag][@digest]`. */
export function formatImageReference(image: ImageReference): string {
    return `${repositoryName(image)}${image.tag ? `:${image.tag}` : ""}${image.digest ? `@${image.digest}` : ""}`;
}

/**
 * Where an image lives in a mirror: the mirror's host (and path, if any) in place of its own
 * registry, the path below it kept, so `docker.io/library/nats` becomes `<mirror>/library/nats`.
 */
export function mirroredImage(image: ImageReference, imageRegistry: string): ImageReference {
    const slash = imageRegistry.indexOf("/");
    return slash === -1
        ? { ...image, registry: imageRegistry }
        : { ...image, registry: imageRegistry.slice(0, slash), path: `${imageRegistry.slice(slash + 1)}/${image.path}` };
}

/** The pinned image of the 0.9.x webhook certificate Jobs, instead of the chart's `bitnami/kubectl:latest`. */
export const WEBHOOK_CERT_JOB_IMAGE = { repository: "docker.io/bitnamilegacy/kubectl", tag: "1.33.4" };
