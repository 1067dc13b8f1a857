/**
 * The values of every Helm release of an install, from its settings: what the component gives
 * Helm and what `npm run images` renders, from one place. Pure.
 */
import { chartImageValues } from "./imageCatalog";
import { placementValues } from "./placement";
import { PlatformSettings } from "./settings/types";
import { buildPlatformValues } from "./values";
import { deepMerge, Values } from "./valueTree";

/** What is known only once the run resolves it: Prometheus, the pull secret, the user's values. */
export interface ResolvedPlatformInputs {
    prometheusUrl?: string;
    pullSecretName?: string;
    /** The checked `helmValues`. */
    overrides?: Values;
}

/** The values of the `dynamo-platform` release. */
export function platformReleaseValues(settings: PlatformSettings, resolved: ResolvedPlatformInputs): Values {
    return buildPlatformValues({
        chartLine: settings.chartLine,
        groveEnabled: settings.groveEnabled,
        kaiSchedulerEnabled: settings.kaiSchedulerEnabled,
        installGrove: settings.installGrove,
        installKaiScheduler: settings.installKaiScheduler,
        discoveryBackend: settings.discoveryBackend,
        installNats: settings.installNats,
        prometheusEndpoint: resolved.prometheusUrl || undefined,
        persistenceStorageClass: settings.persistenceStorageClass,
        tolerations: settings.tolerations,
        placement: placementValues(settings.placement),
        ingress: settings.ingress.className
            ? {
                  className: settings.ingress.className,
                  tlsSecretName: settings.ingress.tlsSecretName,
                  annotations: settings.ingress.annotations,
              }
            : undefined,
        imagePullSecretNames: resolved.pullSecretName ? [resolved.pullSecretName] : [],
        images: chartImageValues("dynamo-platform", settings),
        overrides: resolved.overrides,
    });
}

/** The values of the csi-driver-nfs release: only where its images go, when they move. */
export function nfsDriverReleaseValues(settings: PlatformSettings): Values {
    return chartImageValues("csi-driver-nfs", settings);
}

/** The values of the ingress-nginx release, serving the install's IngressClass. */
export function ingressNginxReleaseValues(settings: PlatformSettings): Values {
    const className = settings.ingress.className;
    return deepMerge(
        { controller: { ingressClassResource: { name: className, default: false }, ingressClass: className } },
        chartImageValues("ingress-nginx", settings),
    );
}
