/** What the scripts share: reading `--name value` options and the cluster the Kubernetes provider would use. */
import * as k8s from "@kubernetes/client-node";
import { ApiServer, providerApiServer, providerKubeConfig } from "../program/live/apiServer";

/** The value after `--<name>` on the command line, undefined when absent. */
export function option(name: string): string | undefined {
    const at = process.argv.indexOf(`--${name}`);
    return at === -1 ? undefined : process.argv[at + 1];
}

/** Whether the bare flag `--<name>` is on the command line. */
export function flag(name: string): boolean {
    return process.argv.includes(`--${name}`);
}

/** The kubeconfig of `--kubeconfig` and `--context`, else the provider's defaults (KUBECONFIG, ~/.kube/config). */
export function kubeConfigFromOptions(): k8s.KubeConfig {
    return providerKubeConfig(option("kubeconfig"), option("context"));
}

/** The API server of `--kubeconfig` and `--context`, else of the provider's defaults, for reads. */
export function apiServerFromOptions(): Promise<ApiServer> {
    return providerApiServer(option("kubeconfig"), option("context"));
}
