/** The release: its version and chart line, the subcharts it installs, and the upgrade plan from the installed one. */
import { DiscoveryBackend, DynamoPlatformArgs } from "../args";
import { DynamoConfigError } from "../errors";
import { RELEASE_VERSION } from "../rules";
import { PLATFORM_ARGS_SHAPE } from "../schema";
import { formatUpgradePlan, planUpgrade, UpgradePlan } from "../upgrades";
import {
    CHART_LINES,
    ChartLine,
    chartLineFor,
    compareReleases,
    crdsVersionFor,
    crdsVersionProblem,
    OLDEST_SUPPORTED_RELEASE,
    parseReleaseVersion,
    ReleaseVersion,
    TESTED_RELEASES,
    ValuesLayout,
} from "../versions";

/** What the release decides: the chart line and the subcharts. */
export interface ReleaseSettings {
    chartLine: ChartLine;
    groveEnabled: boolean;
    kaiSchedulerEnabled: boolean;
    installGrove: boolean;
    installKaiScheduler: boolean;
}

/** The requested release, refused when it is not an exact published version from the oldest supported one. */
function requestedRelease(args: DynamoPlatformArgs, key: (field: string) => string): ReleaseVersion {
    const release = args.releaseVersion === undefined ? undefined : parseReleaseVersion(args.releaseVersion);
    if (release === undefined) {
        throw DynamoConfigError.invalid(key("releaseVersion"), args.releaseVersion, RELEASE_VERSION.accepted);
    }
    if (compareReleases(release, parseReleaseVersion(OLDEST_SUPPORTED_RELEASE)!) < 0) {
        throw DynamoConfigError.invalid(key("releaseVersion"), args.releaseVersion, `${OLDEST_SUPPORTED_RELEASE} or later`);
    }
    return release;
}

/** The chart line of the release, with a `crdsVersion` override checked against it. */
function resolveChartLine(args: DynamoPlatformArgs, release: ReleaseVersion, key: (field: string) => string): ChartLine {
    if (args.crdsVersion !== undefined) {
        if (release.major >= 1) {
            throw DynamoConfigError.conflict(
                key("crdsVersion"),
                key("releaseVersion"),
                `release ${release.text} has no dynamo-crds chart (its CRDs ship inside dynamo-platform); remove crdsVersion`,
            );
        }
        const problem = crdsVersionProblem(release, args.crdsVersion);
        if (problem !== undefined) {
            throw DynamoConfigError.invalid(key("crdsVersion"), args.crdsVersion, problem);
        }
    }
    return chartLineFor(release, args.crdsVersion);
}

export function resolveRelease(
    args: DynamoPlatformArgs,
    key: (field: string) => string,
    warnings: string[],
): ReleaseSettings & { release: ReleaseVersion } {
    const release = requestedRelease(args, key);
    const chartLine = resolveChartLine(args, release, key);
    const groveEnabled = args.groveEnabled ?? PLATFORM_ARGS_SHAPE.groveEnabled.default;
    const kaiSchedulerEnabled = args.kaiSchedulerEnabled ?? PLATFORM_ARGS_SHAPE.kaiSchedulerEnabled.default;
    const installGrove = groveEnabled && (args.installGrove ?? PLATFORM_ARGS_SHAPE.installGrove.default);
    const installKaiScheduler = kaiSchedulerEnabled && (args.installKaiScheduler ?? PLATFORM_ARGS_SHAPE.installKaiScheduler.default);
    for (const [field, enabledField, enabled, install] of [
        ["installGrove", "groveEnabled", groveEnabled, installGrove],
        ["installKaiScheduler", "kaiSchedulerEnabled", kaiSchedulerEnabled, installKaiScheduler],
    ] as const) {
        if (enabled && !install && chartLine.layout === ValuesLayout.SubchartToggles) {
            throw DynamoConfigError.conflict(
                key(field),
                key("releaseVersion"),
                `a ${release.text} chart can only install its own; set ${key(enabledField)} false, or upgrade to 1.x to use the one the cluster runs`,
            );
        }
    }
    if (chartLine.newerThanKnownLines) {
        warnings.push(
            `${key("releaseVersion")} ${release.text} is newer than the newest chart line this package knows (${CHART_LINES[CHART_LINES.length - 1].line}); it installs with that line's values. Tested with ${TESTED_RELEASES.join(", ")}.`,
        );
    }
    return { release, chartLine, groveEnabled, kaiSchedulerEnabled, installGrove, installKaiScheduler };
}

/**
 * Discovery and NATS when the config leaves them out: the target line's defaults, except that what
 * the installed line installs by default (etcd discovery and NATS up to 1.3) stays installed, with
 * its data, until the user turns it off: running models use it.
 */
export function installedLineDefaults(
    installedReleaseVersion: string | undefined,
    chartLine: ChartLine,
): { discoveryBackend: DiscoveryBackend; installNats: boolean } {
    const parsed = installedReleaseVersion === undefined ? undefined : parseReleaseVersion(installedReleaseVersion);
    const installed = parsed && chartLineFor(parsed);
    return {
        discoveryBackend:
            installed?.defaultDiscoveryBackend === DiscoveryBackend.Etcd ? DiscoveryBackend.Etcd : chartLine.defaultDiscoveryBackend,
        installNats: (installed?.installsNatsByDefault ?? false) || chartLine.installsNatsByDefault,
    };
}

/**
 * The upgrade plan; a refused plan stops here unless the override is set, and then warns. An upgrade
 * onto a line that installs less by default (1.4: no etcd, no NATS) says what this one keeps.
 */
export function resolveUpgrade(
    args: DynamoPlatformArgs,
    release: ReleaseVersion,
    key: (field: string) => string,
    warnings: string[],
    installs: { etcd: boolean; nats: boolean },
): { upgrade: UpgradePlan; retiringCrdsChartVersion?: string; notes: string[] } {
    const installed = args.installedReleaseVersion === undefined ? undefined : parseReleaseVersion(args.installedReleaseVersion);
    const upgrade = planUpgrade(installed, release);
    const [from, to] = [installed && chartLineFor(installed), chartLineFor(release)];
    const kept = [
        ...(installs.etcd && from?.defaultDiscoveryBackend === DiscoveryBackend.Etcd && to.defaultDiscoveryBackend !== DiscoveryBackend.Etcd
            ? [`etcd (${key("discoveryBackend")} kubernetes removes it)`]
            : []),
        ...(installs.nats && from?.installsNatsByDefault && !to.installsNatsByDefault
            ? [`NATS (${key("installNats")} false removes it)`]
            : []),
    ];
    if (kept.length > 0 && upgrade.refusal === undefined) {
        const [its, it] = kept.length === 1 ? ["its", "it"] : ["their", "them"];
        upgrade.steps.push(
            `keep ${kept.join(" and ")} with ${its} data: running models use ${it}, though ${release.text}'s chart installs ${it} only when asked`,
        );
    }
    if (upgrade.refusal !== undefined) {
        if (!(args.allowUnsupportedUpgrade ?? PLATFORM_ARGS_SHAPE.allowUnsupportedUpgrade.default)) {
            throw DynamoConfigError.invalid(
                key("releaseVersion"),
                release.text,
                upgrade.kind === "skip"
                    ? `${upgrade.path![0]} next (the installed release is ${upgrade.from})`
                    : `${upgrade.from} or later`,
                `${upgrade.refusal.replace(/\.$/, "")} (${key("allowUnsupportedUpgrade")} overrides this, at your own risk)`,
            );
        }
        warnings.push(
            `UNSUPPORTED UPGRADE ${upgrade.from} → ${upgrade.to} applied because ${key("allowUnsupportedUpgrade")} is set: ${upgrade.refusal}`,
        );
    }
    const retiringCrdsChartVersion = upgrade.kind === "migration" && installed ? crdsVersionFor(installed) : undefined;
    return { upgrade, retiringCrdsChartVersion, notes: upgrade.kind === "unchanged" ? [] : formatUpgradePlan(upgrade) };
}
