/**
 * Release versions of the Dynamo Platform charts and what each chart line needs.
 *
 * Versions are compared numerically, never with semver ranges: semver sorts `0.9.0-post1` below
 * `0.9.0`, while NVIDIA publishes `-postN` as a chart-only fix released after the base version.
 */
import { DiscoveryBackend } from "./args";
import { OPERATOR_APPLIED_CRDS, SNAPSHOT_CRDS_1_4 } from "./names";

/** How a platform chart line lays out its subchart switches. */
export enum ValuesLayout {
    /** 0.9.x: `<subchart>.enabled` at the top level; CRDs come from the separate `dynamo-crds` chart. */
    SubchartToggles = "subchart-toggles",
    /** 1.0.x and 1.1.x: `global.<subchart>.install` for etcd, Grove and KAI; NATS is still `nats.enabled`. */
    GlobalInstallExceptNats = "global-install-except-nats",
    /** 1.2.0 and later: `global.<subchart>.install` for every subchart; the chart rejects the old keys. */
    GlobalInstall = "global-install",
}

/** A parsed published release version such as `0.9.1` or `0.9.0-post1`. */
export interface ReleaseVersion {
    readonly text: string;
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** The `N` of a `-postN` chart-only patch release. */
    readonly post?: number;
}

/** The `dynamo-crds` version reported to lack the DynamoWorkerMetadata CRD. */
const CRDS_CHART_WITHOUT_WORKER_METADATA = "0.9.0";

/** Everything that depends on which platform release is installed. */
export interface ChartLine {
    /** The minor line whose facts apply, `<major>.<minor>` (the newest known one for a newer release). */
    readonly line: string;
    /** Exact version of the `dynamo-platform` chart. */
    readonly platformChartVersion: string;
    /** Exact version of the `dynamo-crds` chart, or undefined where CRDs ship inside the platform chart. */
    readonly crdsChartVersion?: string;
    readonly layout: ValuesLayout;
    /** Operator image tag to force, for releases whose chart pins the wrong operator image. */
    readonly operatorImageTag?: string;
    /** Whether the DynamoWorkerMetadata CRD is applied from the copy bundled with this package. */
    readonly bundlesWorkerMetadataCrd: boolean;
    /** The oldest Kubernetes minor the chart installs on, where it declares one. */
    readonly minimumKubernetes?: string;
    /** Whether bundled Grove with KAI needs KAI's staleness grace period off. */
    readonly kaiStalenessGracePeriod: boolean;
    /** The discovery backend the line's workloads use unless told otherwise (see LineTraits). */
    readonly defaultDiscoveryBackend: DiscoveryBackend;
    /** Whether the line installs NATS unless told otherwise. */
    readonly installsNatsByDefault: boolean;
    /** The CRDs the operator applies on every start (see LineTraits); none before 1.4. */
    readonly operatorAppliedCrds: readonly string[];
    /** The release is newer than every line this package knows: installed with the newest line's layout. */
    readonly newerThanKnownLines: boolean;
}

/** The oldest release whose values layout this package knows. */
export const OLDEST_SUPPORTED_RELEASE = "0.9.0";

const RELEASE_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-post([1-9]\d*))?$/;

const CHART_VERSION_CORE = String.raw`\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?`;
/** An exact version of any chart (add-ons included): no ranges, an optional `v` and pre-release suffix. */
export const EXACT_CHART_VERSION = new RegExp(`^v?${CHART_VERSION_CORE}$`);
/** The version at the end of a chart archive or folder name, as in `dynamo-platform-0.9.0-post1.tgz`. */
export const CHART_FILE_VERSION_SUFFIX = new RegExp(`-${CHART_VERSION_CORE}$`);

/** Parses an exact published-style version; returns undefined for anything else (ranges, `v` prefixes, tags). */
export function parseReleaseVersion(text: string): ReleaseVersion | undefined {
    const match = RELEASE_PATTERN.exec(text);
    if (!match) {
        return undefined;
    }
    const [, major, minor, patch, post] = match;
    return {
        text,
        major: Number(major),
        minor: Number(minor),
        patch: Number(patch),
        post: post === undefined ? undefined : Number(post),
    };
}

/** Numeric order of two releases, with `X.Y.Z-postN` after `X.Y.Z`. */
export function compareReleases(a: ReleaseVersion, b: ReleaseVersion): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch || (a.post ?? 0) - (b.post ?? 0);
}

/** The `dynamo-crds` chart version that pairs with a platform release: the same version without `-postN`. */
export function crdsVersionFor(release: ReleaseVersion): string {
    return `${release.major}.${release.minor}.${release.patch}`;
}

/**
 * Why a `dynamo-crds` version cannot serve a platform release, or undefined when it can: it must be an
 * exact published CRDs version (never `-postN`) on the platform's own minor line. The component refuses
 * what this refuses, and the policy pack reports the same in any stack.
 */
export function crdsVersionProblem(platform: ReleaseVersion, crdsVersion: string): string | undefined {
    const crds = parseReleaseVersion(crdsVersion);
    if (crds === undefined || crds.post !== undefined) {
        return "an exact dynamo-crds version such as 0.9.0 (never -postN)";
    }
    if (crds.major !== platform.major || crds.minor !== platform.minor) {
        return `a dynamo-crds version on the platform's ${platform.major}.${platform.minor} line (default ${crdsVersionFor(platform)})`;
    }
    return undefined;
}

/** What a published minor line's platform chart needs; one row per line, oldest first. */
export interface LineTraits {
    /** The minor line, `<major>.<minor>`. */
    readonly line: string;
    readonly layout: ValuesLayout;
    /** The CRDs come as the separate `dynamo-crds` chart (before 1.0), not with the platform chart. */
    readonly separateCrdsChart: boolean;
    /** The oldest Kubernetes minor the chart installs on (its `kubeVersion`), where it declares one. */
    readonly minimumKubernetes?: string;
    /** Bundled Grove with KAI needs KAI's `default-staleness-grace-period` set to `-1s` (NVIDIA's guide, 1.5+). */
    readonly kaiStalenessGracePeriod: boolean;
    /**
     * The discovery backend by default: etcd up to 1.3, where this package recommends it for KVBM
     * handshakes and etcd runs anyway (always on 0.9.x); Kubernetes from 1.4, the chart's own default,
     * which installs neither etcd nor NATS.
     */
    readonly defaultDiscoveryBackend: DiscoveryBackend;
    /** NATS by default: the charts install it up to 1.3; from 1.4 `global.nats.install` is off. */
    readonly installsNatsByDefault: boolean;
    /**
     * The CRDs the operator's `crd-apply` applies on every start, from 1.4 (before, the CRDs chart
     * or the platform chart's crds/ folder, which Helm installs only with a release's first
     * install). Lines without an archive here (1.6, 1.7) are taken to apply 1.5's seven.
     */
    readonly operatorAppliedCrds: readonly string[];
}

/**
 * The published minor lines (the package's facts: 0.9, then 1.0.0 in 2026-03, 1.2.x, 1.3.x, 1.4.0,
 * 1.5.x, 1.6.x and 1.7.0; there was no 1.1 release), each with what its chart needs. The upgrade
 * planner's "next minor" is the next row.
 */
export const CHART_LINES: readonly LineTraits[] = [
    ...(["0.9", "1.0", "1.2", "1.3"] as const).map((line) => ({
        line,
        layout:
            line === "0.9"
                ? ValuesLayout.SubchartToggles
                : line === "1.0"
                  ? ValuesLayout.GlobalInstallExceptNats
                  : ValuesLayout.GlobalInstall,
        separateCrdsChart: line === "0.9",
        kaiStalenessGracePeriod: false,
        defaultDiscoveryBackend: DiscoveryBackend.Etcd,
        installsNatsByDefault: true,
        operatorAppliedCrds: [],
    })),
    ...(["1.4", "1.5", "1.6", "1.7"] as const).map((line) => ({
        line,
        layout: ValuesLayout.GlobalInstall,
        separateCrdsChart: false,
        minimumKubernetes: "1.30",
        kaiStalenessGracePeriod: line !== "1.4",
        defaultDiscoveryBackend: DiscoveryBackend.Kubernetes,
        installsNatsByDefault: false,
        operatorAppliedCrds: line === "1.4" ? [...OPERATOR_APPLIED_CRDS, ...SNAPSHOT_CRDS_1_4] : OPERATOR_APPLIED_CRDS,
    })),
];

/**
 * The releases whose charts the end-to-end test installs; named in the warning for a line newer
 * than the table. 1.4.0 and 1.5.0 are the main-branch chart builds of those versions, with their
 * operator and Grove's built from source and running for real; the older lines' operators are
 * simulated (no source here).
 */
export const TESTED_RELEASES = ["0.9.0", "0.9.0-post1", "0.9.1", "1.0.1", "1.4.0", "1.5.0"];

/** The row of a release's minor line: its own, else the newest row before it (a line the table does not know). */
export function lineTraitsFor(release: ReleaseVersion): LineTraits {
    const rows = CHART_LINES.filter((row) => compareReleases(parseReleaseVersion(`${row.line}.0`)!, release) <= 0);
    return rows[rows.length - 1] ?? CHART_LINES[0];
}

/** Whether a release's minor line is newer than every line the table knows. */
export function isNewerThanKnownLines(release: ReleaseVersion): boolean {
    return (
        compareReleases(release, parseReleaseVersion(`${CHART_LINES[CHART_LINES.length - 1].line}.0`)!) > 0 &&
        `${release.major}.${release.minor}` !== CHART_LINES[CHART_LINES.length - 1].line
    );
}

/** Whether a release still ships its CRDs as the separate `dynamo-crds` chart (every release before 1.0). */
export function hasSeparateCrdsChart(release: ReleaseVersion): boolean {
    return lineTraitsFor(release).separateCrdsChart;
}

/**
 * The chart line of a validated release.
 *
 * @param crdsVersionOverride an exact `dynamo-crds` version to use instead of the derived one.
 */
export function chartLineFor(release: ReleaseVersion, crdsVersionOverride?: string): ChartLine {
    const traits = lineTraitsFor(release);
    const crdsChartVersion = traits.separateCrdsChart ? (crdsVersionOverride ?? crdsVersionFor(release)) : undefined;
    const isBroken090 = release.major === 0 && release.minor === 9 && release.patch === 0 && release.post === undefined;
    return {
        line: traits.line,
        platformChartVersion: release.text,
        crdsChartVersion,
        layout: traits.layout,
        minimumKubernetes: traits.minimumKubernetes,
        kaiStalenessGracePeriod: traits.kaiStalenessGracePeriod,
        defaultDiscoveryBackend: traits.defaultDiscoveryBackend,
        installsNatsByDefault: traits.installsNatsByDefault,
        operatorAppliedCrds: traits.operatorAppliedCrds,
        newerThanKnownLines: isNewerThanKnownLines(release),
        // The 0.9.0 platform chart pins operator subchart 0.7.1, so its default image tag is 0.7.1.
        operatorImageTag: isBroken090 ? "0.9.0" : undefined,
        // The product document reports the published 0.9.0 CRDs chart without this CRD; later
        // charts carry it, and from 1.0 the platform chart ships every CRD itself.
        bundlesWorkerMetadataCrd: crdsChartVersion === CRDS_CHART_WITHOUT_WORKER_METADATA,
    };
}
