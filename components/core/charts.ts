/** Helm chart references for `kubernetes.helm.v3.Release`, from a repository or a local mirror. */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { DynamoConfigError } from "./errors";
import { ChartSource, PlatformSettings } from "./settings";

/**
 * The platform release name. The operator derives the etcd and NATS service names
 * (`<release>-etcd`, `<release>-nats`) from it, so it is fixed.
 */
export const PLATFORM_RELEASE_NAME = "dynamo-platform";

/** The chart fields of a Release. */
export interface ChartReference {
    chart: string;
    version: string;
    repositoryOpts?: { repo: string; username?: string; password?: pulumi.Input<string> };
}

/** Every chart one platform install uses, resolved before any resource is registered. */
export interface PlatformCharts {
    platform: ChartReference;
    crds?: ChartReference;
    nfsDriver?: ChartReference;
    ingressNginx?: ChartReference;
}

/**
 * Where Helm reads `chart` at `version`. A local folder is searched for `<chart>-<version>.tgz`
 * (the file name Helm repositories use) and then for a `<chart>-<version>/` chart folder.
 */
export function chartReference(source: ChartSource, chart: string, version: string): ChartReference {
    if (source.kind === "repository") {
        const credentials = source.username !== undefined ? { username: source.username, password: pulumi.secret(source.password!) } : {};
        return { chart, version, repositoryOpts: { repo: source.url, ...credentials } };
    }
    const candidates = [`${chart}-${version}.tgz`, `${chart}-${version}`].map((name) => path.resolve(source.directory, name));
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    if (found === undefined) {
        throw new DynamoConfigError(
            source.key,
            `${source.key} is the local folder "${source.directory}", but it holds neither ${chart}-${version}.tgz nor a ${chart}-${version}/ chart folder.`,
        );
    }
    // Helm ignores `version` for a local path; it is kept so the release records what it installs.
    return { chart: found, version };
}

/** Resolves every chart of an install, so a missing local chart fails before anything is created. */
export function resolveCharts(settings: PlatformSettings): PlatformCharts {
    const { chartLine, chartSource, nfs, ingress } = settings;
    const crdsVersion = chartLine.crdsChartVersion ?? settings.retiringCrdsChartVersion;
    return {
        platform: chartReference(chartSource, "dynamo-platform", chartLine.platformChartVersion),
        crds: crdsVersion ? chartReference(chartSource, "dynamo-crds", crdsVersion) : undefined,
        nfsDriver: nfs?.installDriver ? chartReference(nfs.driverChartSource, "csi-driver-nfs", nfs.driverChartVersion) : undefined,
        ingressNginx: ingress.nginx ? chartReference(ingress.nginx.chartSource, "ingress-nginx", ingress.nginx.chartVersion) : undefined,
    };
}
