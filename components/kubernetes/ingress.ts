/** The optional ingress-nginx controller for graph frontends on plain Kubernetes. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference, releaseOptions } from "../core/charts";
import { ingressNginxReleaseValues } from "../core/releaseValues";
import { INGRESS_NGINX_NAMESPACE } from "../core/names";
import { PlatformSettings } from "../core/settings/types";

/** Installs ingress-nginx serving the IngressClass of `settings.ingress.className`. */
export function createIngressNginx(
    name: string,
    chart: ChartReference,
    settings: PlatformSettings,
    parent: pulumi.Resource,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        `${name}-ingress-nginx`,
        {
            name: "ingress-nginx",
            namespace: INGRESS_NGINX_NAMESPACE,
            createNamespace: true,
            ...chart,
            values: ingressNginxReleaseValues(settings),
            skipAwait: settings.skipAwait,
            ...releaseOptions(settings.helmReleaseOptions),
        },
        { parent },
    );
}
