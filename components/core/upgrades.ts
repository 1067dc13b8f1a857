/**
 * The upgrade planner: from the release a cluster runs to the one a stack asks for, what is allowed
 * and what it takes. NVIDIA supports upgrades to the next published minor line only, applied in
 * order, and never downgrades.
 */
import { CHART_LINES, compareReleases, hasSeparateCrdsChart, parseReleaseVersion, ReleaseVersion } from "./versions";

/** The published minor lines, oldest first: the planner's "next minor" is the next one. */
export const PUBLISHED_MINOR_LINES = CHART_LINES.map((row) => row.line);

export type UpgradeKind =
    /** Nothing installed yet. */
    | "install"
    | "unchanged"
    /** A newer patch or `-postN` of the same minor line. */
    | "patch"
    /** The next published minor line. */
    | "minor"
    /** 0.9.x to 1.0.x: the CRDs move from the `dynamo-crds` chart into the platform chart. */
    | "migration"
    | "downgrade"
    /** Past the next published minor line. */
    | "skip";

export interface UpgradePlan {
    kind: UpgradeKind;
    /** The installed release, undefined for an install. */
    from?: string;
    to: string;
    /** What the run does, in order, one line each. */
    steps: string[];
    /** Why the plan is not supported (downgrade, skip), with the supported way. */
    refusal?: string;
    /** The minor lines to apply in order to reach `to` (for a skip). */
    path?: string[];
}

function minorLine(release: ReleaseVersion): string {
    return `${release.major}.${release.minor}`;
}

/** Index of a release's minor line among the published ones; lines past the newest count as after it. */
function lineIndex(release: ReleaseVersion): number {
    const line = minorLine(release);
    const index = PUBLISHED_MINOR_LINES.indexOf(line);
    if (index !== -1) {
        return index;
    }
    // An unknown line between two published ones sorts just after the older one.
    const before = PUBLISHED_MINOR_LINES.filter((known) => compareReleases(parseReleaseVersion(`${known}.0`)!, release) < 0);
    return before.length - 0.5;
}

/**
 * The plan from `installed` (undefined when nothing is installed) to `requested`. Pure: the caller
 * reads the installed release from the cluster and decides what to do with a refusal.
 */
export function planUpgrade(installed: ReleaseVersion | undefined, requested: ReleaseVersion): UpgradePlan {
    const to = requested.text;
    if (installed === undefined) {
        return { kind: "install", to, steps: [`install dynamo-platform ${to}`] };
    }
    const from = installed.text;
    const order = compareReleases(requested, installed);
    if (order === 0) {
        return { kind: "unchanged", from, to, steps: [] };
    }
    if (order < 0) {
        return {
            kind: "downgrade",
            from,
            to,
            steps: [],
            refusal: `${to} is older than the installed ${from}; Dynamo supports no downgrade (its CRDs and stored objects only move forward). Keep ${from}, or destroy and install ${to} anew.`,
        };
    }
    const upgrade = `upgrade dynamo-platform ${from} → ${to} in place (same release, same volumes)`;
    if (minorLine(installed) === minorLine(requested)) {
        return { kind: "patch", from, to, steps: [upgrade] };
    }
    const fromIndex = lineIndex(installed);
    const toIndex = lineIndex(requested);
    if (toIndex - fromIndex > 1) {
        const path = PUBLISHED_MINOR_LINES.filter((_, index) => index > fromIndex && index < toIndex).map((line) => `${line}.x`);
        return {
            kind: "skip",
            from,
            to,
            steps: [],
            path: [...path, to],
            refusal: `${from} → ${to} skips ${path.join(", ")}; NVIDIA supports only the next minor line. Apply ${[...path, to].join(", then ")} in order, one pulumi up each.`,
        };
    }
    if (hasSeparateCrdsChart(installed) && !hasSeparateCrdsChart(requested)) {
        return {
            kind: "migration",
            from,
            to,
            steps: [
                upgrade,
                `keep the dynamo-crds CRDs (retained this run; ${to}'s chart and operator take them over), so every DynamoGraphDeployment stays`,
                "retire the dynamo-crds chart from the stack on the next pulumi up, deleting nothing",
            ],
        };
    }
    return { kind: "minor", from, to, steps: [upgrade] };
}

const PLAN_HEAD_PREFIX = "upgrade plan: ";
const NOTHING_INSTALLED = "(nothing installed)";

/** The plan as a short table for the preview: from → to, kind, then the steps. */
export function formatUpgradePlan(plan: UpgradePlan): string[] {
    const head = `${PLAN_HEAD_PREFIX}${plan.from ?? NOTHING_INSTALLED} → ${plan.to} [${plan.kind}]`;
    return [head, ...plan.steps.map((step, index) => `  ${index + 1}. ${step}`), ...(plan.refusal ? [`  refused: ${plan.refusal}`] : [])];
}

/** The first line of a formatted plan, as a run's log carries it (the fleet reads it from previews). */
export type UpgradePlanHead = Pick<UpgradePlan, "from" | "to" | "kind">;

/** Reads the head line {@link formatUpgradePlan} writes; undefined for any other line. */
export function parseUpgradePlanHead(line: string): UpgradePlanHead | undefined {
    if (!line.startsWith(PLAN_HEAD_PREFIX)) {
        return undefined;
    }
    const match = /^(.+) → (\S+) \[([a-z]+)\]$/.exec(line.slice(PLAN_HEAD_PREFIX.length).trim());
    if (match === null) {
        return undefined;
    }
    const [, from, to, kind] = match;
    return { from: from === NOTHING_INSTALLED ? undefined : from, to, kind: kind as UpgradeKind };
}
