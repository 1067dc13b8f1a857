/**
 * The image inventory of rendered manifests: every image reference, once, with where it comes
 * from. Reads pod specs (workloads, hook Jobs, CronJobs) and the places operators are handed images
 * to start later (`*_IMAGE` variables, `--…-image=` arguments, KAI Scheduler's Config, the Dynamo
 * operator's image settings). Pure: manifests in, rows out.
 */
import { ImageSlot, movedImage, slotRepository, ImageSettings } from "./imageCatalog";
import { formatImageReference, parseImageReference, repositoryName } from "./images";

/** One place an image is named. */
export interface ImageUse {
    /** The chart (or `local-path-provisioner`, written out by this package). */
    source: string;
    kind: string;
    name: string;
    /** The container, or what hands the image on (`env GROVE_INIT_CONTAINER_IMAGE`, `spec.binder.service`). */
    where: string;
    /** A Helm hook, e.g. `pre-install,pre-upgrade`. */
    hook?: string;
}

/** One image of the inventory. */
export interface InventoryImage {
    /** The reference as rendered. */
    image: string;
    /** `registry/path`, the key of `dynamo:images`. */
    repository: string;
    uses: ImageUse[];
}

type Manifest = {
    kind?: string;
    apiVersion?: string;
    metadata?: { name?: string; annotations?: Record<string, string> };
    [key: string]: unknown;
};

interface Found {
    image: string;
    where: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(node: unknown, ...path: string[]): unknown {
    return path.reduce<unknown>((n, key) => (isObject(n) ? n[key] : undefined), node);
}

const POD_SPEC_PATHS: Record<string, string[]> = {
    Pod: ["spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};
const TEMPLATE_SPEC = ["spec", "template", "spec"];

/** Images a container hands on: `*_IMAGE` variables and `--…-image=<ref>` arguments. */
function handedOn(container: Record<string, unknown>, label: string): Found[] {
    const env = Array.isArray(container.env) ? container.env : [];
    const fromEnv = env
        .filter((v): v is { name: string; value: string } => isObject(v) && typeof v.name === "string" && typeof v.value === "string")
        .filter((v) => /_IMAGE$/.test(v.name) && v.value !== "")
        .map((v) => ({ image: v.value, where: `${label} env ${v.name}` }));
    const args = [...(Array.isArray(container.args) ? container.args : []), ...(Array.isArray(container.command) ? container.command : [])];
    const fromArgs = args
        .filter((a): a is string => typeof a === "string")
        .map((a) => /^--[\w-]*image=(.+)$/.exec(a))
        .filter((m): m is RegExpExecArray => m !== null && m[1] !== "")
        .map((m) => ({ image: m[1], where: `${label} ${m[0].slice(0, m[0].indexOf("="))}` }));
    return [...fromEnv, ...fromArgs];
}

function podSpecImages(spec: unknown): Found[] {
    return (["initContainers", "containers", "ephemeralContainers"] as const).flatMap((list) => {
        const containers = at(spec, list);
        return (Array.isArray(containers) ? containers : []).filter(isObject).flatMap((c) => {
            const label = `${list === "containers" ? "container" : list.replace(/s$/, "")} ${String(c.name)}`;
            const own = typeof c.image === "string" ? [{ image: c.image, where: label }] : [];
            return [...own, ...handedOn(c, label)];
        });
    });
}

/** KAI Scheduler's Config: the images its operator deploys, as `{repository, name, tag}` per service. */
function kaiConfigImages(manifest: Manifest): Found[] {
    const found: Found[] = [];
    const walk = (node: unknown, path: string) => {
        if (!isObject(node)) {
            return;
        }
        const image = node.image;
        if (isObject(image) && typeof image.name === "string" && typeof image.repository === "string") {
            const tag = typeof image.tag === "string" && image.tag !== "" ? `:${image.tag}` : "";
            found.push({ image: `${image.repository}/${image.name}${tag}`, where: path });
        }
        for (const [key, child] of Object.entries(node)) {
            if (key !== "image") {
                walk(child, `${path}.${key}`);
            }
        }
    };
    walk(manifest.spec, "spec");
    return found;
}

/** Images in a Secret or ConfigMap under a key that names one (the 0.9.x operator's `INTERNAL_IMAGES_*`). */
function dataImages(manifest: Manifest): Found[] {
    const decode = (value: unknown) =>
        manifest.kind === "Secret" && typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : value;
    const entries: [string, unknown][] = [
        ...Object.entries(isObject(manifest.stringData) ? manifest.stringData : {}),
        ...Object.entries(isObject(manifest.data) ? manifest.data : {}).map(([key, value]): [string, unknown] => [key, decode(value)]),
    ];
    return entries
        .filter((e): e is [string, string] => /IMAGE/i.test(e[0]) && typeof e[1] === "string" && parseImageReference(e[1]) !== undefined)
        .map(([key, value]) => ({ image: value, where: `data ${key}` }));
}

function manifestImages(manifest: Manifest): Found[] {
    const kind = manifest.kind ?? "";
    if (kind === "Config" && (manifest.apiVersion ?? "").startsWith("kai.scheduler/")) {
        return kaiConfigImages(manifest);
    }
    if (kind === "Secret" || kind === "ConfigMap") {
        return dataImages(manifest);
    }
    const specPath = POD_SPEC_PATHS[kind] ?? (isObject(at(manifest, ...TEMPLATE_SPEC)) ? TEMPLATE_SPEC : undefined);
    return specPath ? podSpecImages(at(manifest, ...specPath)) : [];
}

/** Every image named in a chart's rendered manifests, once each, with every place that names it. */
export function inventoryOf(source: string, manifests: readonly unknown[]): InventoryImage[] {
    const uses = manifests.filter(isObject).flatMap((raw) => {
        const manifest = raw as Manifest;
        const hook = manifest.metadata?.annotations?.["helm.sh/hook"];
        return manifestImages(manifest).map((found) => ({
            image: found.image,
            use: {
                source,
                kind: manifest.kind ?? "?",
                name: manifest.metadata?.name ?? "?",
                where: found.where,
                ...(hook ? { hook } : {}),
            },
        }));
    });
    return mergeInventories(
        uses.map(({ image, use }) => {
            const parsed = parseImageReference(image);
            return { image, repository: parsed ? repositoryName(parsed) : image, uses: [use] };
        }),
    );
}

/** Inventories joined: one row per image, uses concatenated, sorted by image. */
export function mergeInventories(...inventories: InventoryImage[][]): InventoryImage[] {
    const byImage = new Map<string, InventoryImage>();
    for (const row of inventories.flat()) {
        const known = byImage.get(row.image);
        byImage.set(row.image, known ? { ...known, uses: [...known.uses, ...row.uses] } : row);
    }
    return [...byImage.values()].sort((a, b) => a.image.localeCompare(b.image));
}

/** The images set as component settings (local-path-provisioner), as inventory rows. */
export function settingImages(slots: readonly ImageSlot[], images: ImageSettings): InventoryImage[] {
    return slots
        .filter((slot) => slot.keys.style === "setting")
        .map((slot) => {
            const moved = movedImage(slot, images);
            const image = moved ? formatImageReference(moved) : slot.image;
            return {
                image,
                repository: moved ? repositoryName(moved) : slotRepository(slot),
                uses: [{ source: slot.source, kind: "Deployment", name: "local-path-provisioner", where: slot.component }],
            };
        });
}

/** Whether an image is pulled from the mirror `imageRegistry` (`host[:port][/path]`). */
export function isInMirror(image: string, imageRegistry: string): boolean {
    const parsed = parseImageReference(image);
    return parsed !== undefined && `${repositoryName(parsed)}/`.startsWith(`${imageRegistry}/`);
}
