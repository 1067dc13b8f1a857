/** Helm chart references for `kubernetes.helm.v3.Release`, from a repository or a local mirror. */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DynamoConfigError } from "./errors";
import { CRDS_CHART, PLATFORM_CHART } from "./names";
import { ChartSource, HelmReleaseOptions, PlatformSettings } from "./settings/types";

/** The chart fields of a Release. */
export interface ChartReference {
    chart: string;
    version: string;
    /** The repository (absent for OCI, whose `chart` is the whole address), its credentials and CA. */
    repositoryOpts?: { repo?: string; username?: string; password?: pulumi.Input<string>; caFile?: string };
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
        const access = {
            ...(source.username !== undefined ? { username: source.username, password: pulumi.secret(source.password!) } : {}),
            ...(source.caFile !== undefined ? { caFile: path.resolve(source.caFile) } : {}),
        };
        if (isOciSource(source)) {
            return { chart: `${source.url}/${chart}`, version, ...(Object.keys(access).length > 0 ? { repositoryOpts: access } : {}) };
        }
        return { chart, version, repositoryOpts: { repo: source.url, ...access } };
    }
    const candidates = [`${chart}-${version}.tgz`, `${chart}-${version}`].map((name) => path.resolve(source.directory, name));
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    if (found === undefined) {
        throw new DynamoConfigError(
            source.key,
            `${source.key} is the local folder "${source.directory}", but it holds neither ${chart}-${version}.tgz nor a ${chart}-${version}/ chart folder.`,
        );
    }
    if (found.endsWith(".tgz")) {
        checkArchiveSum(source, found);
    }
    // Helm ignores `version` for a local path; it is kept so the release records what it installs.
    return { chart: found, version };
}

/** The Release fields of the user's `helmReleaseOptions`, with `defaultTimeout` when they set none. */
export function releaseOptions(
    options: HelmReleaseOptions,
    defaultTimeout?: number,
): { timeout?: number; atomic?: boolean; maxHistory?: number } {
    const timeout = options.timeout ?? defaultTimeout;
    return {
        ...(timeout !== undefined ? { timeout } : {}),
        ...(options.atomic ? { atomic: true } : {}),
        ...(options.maxHistory !== undefined ? { maxHistory: options.maxHistory } : {}),
    };
}

/** Whether charts are read from an OCI registry (`oci://host/path`) rather than an index.yaml repository. */
export function isOciSource(source: ChartSource): boolean {
    return source.kind === "repository" && source.url.startsWith("oci://");
}

/** The checksums file a local chart folder may hold, in `sha256sum` format. */
export const CHECKSUMS_FILE = "SHA256SUMS";

/** The `sha256sum` lines of a checksums file: file name to lower-case hex digest. */
export function parseChecksums(text: string): Map<string, string> {
    const sums = new Map<string, string>();
    for (const line of text.split("\n")) {
        // `sha256sum` writes "<digest>  <name>", or "<digest> *<name>" in binary mode.
        const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trimEnd());
        if (match) {
            sums.set(match[2], match[1].toLowerCase());
        }
    }
    return sums;
}

/**
 * Checks a chart archive against the folder's `SHA256SUMS`, when the folder has one: a mirror that
 * publishes checksums must cover every archive it serves, and each must match.
 */
function checkArchiveSum(source: ChartSource & { kind: "local" }, archive: string): void {
    const sumsFile = path.join(path.dirname(archive), CHECKSUMS_FILE);
    if (!fs.existsSync(sumsFile)) {
        return;
    }
    const name = path.basename(archive);
    const expected = parseChecksums(fs.readFileSync(sumsFile, "utf8")).get(name);
    if (expected === undefined) {
        throw new DynamoConfigError(
            source.key,
            `${source.key} is the local folder "${source.directory}", whose ${CHECKSUMS_FILE} does not list ${name}: add its line (sha256sum ${name} >> ${CHECKSUMS_FILE}) or remove the archive.`,
        );
    }
    const actual = createHash("sha256").update(fs.readFileSync(archive)).digest("hex");
    if (actual !== expected) {
        throw new DynamoConfigError(
            source.key,
            `${archive} does not match ${sumsFile}: its SHA-256 is ${actual}, the file lists ${expected}. The archive is damaged or was replaced; fetch it again from its source.`,
        );
    }
}

/** Resolves every chart of an install, so a missing local chart fails before anything is created. */
export function resolveCharts(settings: PlatformSettings): PlatformCharts {
    const { chartLine, chartSource, nfs, ingress } = settings;
    const crdsVersion = chartLine.crdsChartVersion ?? settings.retiringCrdsChartVersion;
    return {
        platform: chartReference(chartSource, PLATFORM_CHART, chartLine.platformChartVersion),
        crds: crdsVersion ? chartReference(chartSource, CRDS_CHART, crdsVersion) : undefined,
        nfsDriver: nfs?.installDriver ? chartReference(nfs.driverChartSource, "csi-driver-nfs", nfs.driverChartVersion) : undefined,
        ingressNginx: ingress.nginx ? chartReference(ingress.nginx.chartSource, "ingress-nginx", ingress.nginx.chartVersion) : undefined,
    };
}
