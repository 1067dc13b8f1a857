/** Ingress for graph frontends: the class the operator uses, ALB annotations on EKS, and the optional ingress-nginx. */
import { EksArgs, IngressArgs, Platform } from "../args";
import { DynamoConfigError } from "../errors";
import { EKS_SHAPE, INGRESS_SHAPE } from "../schema";
import { addOnChartSource } from "./charts";
import { ChartSource, IngressSettings } from "./types";

export function resolveIngress(
    key: (field: string) => string,
    platform: Platform,
    ingress: IngressArgs | undefined,
    eks: EksArgs | undefined,
    dynamoCharts: ChartSource,
): IngressSettings {
    const installNginx = ingress?.installNginx ?? INGRESS_SHAPE.installNginx.default;
    if (installNginx && platform === Platform.Eks) {
        throw DynamoConfigError.conflict(
            key("ingress.installNginx"),
            key("platform"),
            "on EKS the frontends use ALB ingress; leave installNginx off",
        );
    }
    const className = ingress?.className ?? (installNginx ? "nginx" : platform === Platform.Eks ? "alb" : undefined);
    if (installNginx && className !== "nginx") {
        throw DynamoConfigError.conflict(
            key("ingress.className"),
            key("ingress.installNginx"),
            `the installed controller serves IngressClass "nginx", not "${className}"`,
        );
    }
    return {
        className,
        annotations:
            className === "alb"
                ? {
                      "alb.ingress.kubernetes.io/scheme": eks?.albScheme ?? EKS_SHAPE.albScheme.default,
                      "alb.ingress.kubernetes.io/target-type": "ip",
                      "alb.ingress.kubernetes.io/group.name": eks?.albGroupName ?? EKS_SHAPE.albGroupName.default,
                  }
                : undefined,
        nginx: installNginx
            ? {
                  chartVersion: ingress?.nginxChartVersion ?? INGRESS_SHAPE.nginxChartVersion.default,
                  chartSource: addOnChartSource(
                      key("ingress.nginxChartRepository"),
                      ingress?.nginxChartRepository ?? INGRESS_SHAPE.nginxChartRepository.default,
                      dynamoCharts,
                  ),
              }
            : undefined,
        tlsSecretName: ingress?.tlsSecretName,
    };
}
