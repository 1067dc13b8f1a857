/** The optional ingress-nginx controller for graph frontends on plain Kubernetes. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference } from "../core/charts";

export const INGRESS_NGINX_NAMESPACE = "ingress-nginx";

/** Installs ingress-nginx serving IngressClass `className`. */
export function createIngressNginx(
    name: string,
    chart: ChartReference,
    className: string,
    skipAwait: boolean,
    parent: pulumi.Resource,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        `${name}-ingress-nginx`,
        {
            name: "ingress-nginx",
            namespace: INGRESS_NGINX_NAMESPACE,
            createNamespace: true,
            ...chart,
            values: { controller: { ingressClassResource: { name: className, default: false }, ingressClass: className } },
            skipAwait,
        },
        { parent },
    );
}
