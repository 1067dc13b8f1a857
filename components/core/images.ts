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
