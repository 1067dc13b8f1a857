/** Images: the mirror and per-image replacements of everything an install puts on the cluster, and the pull secret. */
import { ImagePullSecretArgs } from "../args";
import {
    checkImageOverrides,
    ImageSettings,
    ImageSlot,
    INGRESS_NGINX_IMAGE_SLOTS,
    localPathImageSlots,
    movedSetting,
    NFS_DRIVER_IMAGE_SLOTS,
    platformImageSlots,
} from "../imageCatalog";
import { IMAGE_PULL_SECRET_SHAPE } from "../schema";
import { ChartLine } from "../versions";
import { ImagePullSecretSettings, IngressSettings, LocalPathSettings, NfsSettings } from "./types";

/** The images of everything an install puts on the cluster, add-ons included. */
function installedImageSlots(
    chartLine: ChartLine,
    nfs: NfsSettings | undefined,
    ingress: IngressSettings,
    localPath: LocalPathSettings | undefined,
): ImageSlot[] {
    return [
        ...platformImageSlots(chartLine),
        ...(nfs?.installDriver ? NFS_DRIVER_IMAGE_SLOTS : []),
        ...(ingress.nginx ? INGRESS_NGINX_IMAGE_SLOTS : []),
        ...(localPath ? localPathImageSlots(localPath.image, localPath.helperImage) : []),
    ];
}

/** The install's images, with the `images` overrides checked against them. */
export function resolveImages(
    key: string,
    args: { imageRegistry?: string; images?: Record<string, string> },
    install: { chartLine: ChartLine; nfs?: NfsSettings; ingress: IngressSettings; localPath?: LocalPathSettings },
): { images: ImageSettings; imageSlots: ImageSlot[] } {
    const images: ImageSettings = { registry: args.imageRegistry, overrides: args.images ?? {} };
    const imageSlots = installedImageSlots(install.chartLine, install.nfs, install.ingress, install.localPath);
    checkImageOverrides(key, images.overrides, imageSlots);
    return { images, imageSlots };
}

/** local-path with its images where `images` moves them (they are settings, not chart values). */
export function movedLocalPath(localPath: LocalPathSettings, images: ImageSettings): LocalPathSettings {
    const [image, helperImage] = localPathImageSlots(localPath.image, localPath.helperImage).map((slot) => movedSetting(slot, images));
    return { ...localPath, image, helperImage };
}

export function resolveImagePullSecret(secret: ImagePullSecretArgs | undefined): ImagePullSecretSettings | undefined {
    if (secret === undefined) {
        return undefined;
    }
    return {
        name: secret.name ?? IMAGE_PULL_SECRET_SHAPE.name.default,
        registry: secret.registry ?? IMAGE_PULL_SECRET_SHAPE.registry.default,
        username: secret.username ?? IMAGE_PULL_SECRET_SHAPE.username.default,
        password: secret.password,
    };
}
