/**
 * Rolls the platform across the clusters of a fleet file (docs/fleets.md):
 *
 *   npm run fleet -- plan|up|status|destroy --fleet <fleet.yaml> [--wave <name>] [--json] [--yes]
 *   npm run fleet -- unlock --fleet <fleet.yaml> [--cluster <name>]
 *
 * (also `dynamo-fleet`, the package's binary). `--wave` runs one wave, once the waves before it are
 * at their release (a CI job per wave). Progress goes to stderr, the table (or with --json
 * the report) to stdout. Exits 0 when every cluster is fine, 1 when one is refused, failed, failing
 * or drifted, 2 when the command, the fleet file or another run's hold on a stack stops it first,
 * 130 when interrupted (SIGINT, SIGTERM: the running clusters stop cleanly, the holds are given back).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Fleet, FleetFileError, fleetClusters, parseFleet } from "../fleet/file";
import { liveGates } from "../fleet/gates";
import { FleetLockedError, LOCK_TAG, NO_HOLDER, parseOwnerTag, RunOwner } from "../fleet/lock";
import { formatReport } from "../fleet/report";
import { Command, destroy, FleetDeps, FleetOrderError, FleetReport, onlyWave, plan, status, up } from "../fleet/run";
import { AutomationStacks } from "../fleet/stacks";
import { flag, option } from "./cli";

const USAGE =
    "usage: npm run fleet -- plan|up|status|destroy --fleet <fleet.yaml> [--wave <name>] [--json] [--yes]\n" +
    "       npm run fleet -- unlock --fleet <fleet.yaml> [--cluster <name>]";

/** The project whose program the stacks run when the fleet file names none: this one. */
const THIS_PROJECT = path.join(__dirname, "..");

const COMMANDS: Record<Command, (fleet: Fleet, deps: FleetDeps) => Promise<FleetReport>> = { plan, up, status, destroy };

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function progress(line: string): void {
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function unlock(fleet: Fleet, stacks: AutomationStacks): Promise<number> {
    const only = option("cluster");
    const clusters = fleetClusters(fleet).filter((cluster) => only === undefined || cluster.name === only);
    if (clusters.length === 0) {
        console.error(`fleet: no cluster ${only} in ${fleet.file}`);
        return 2;
    }
    for (const cluster of clusters) {
        const stack = stacks.for(cluster);
        const holder = await stack.tag(LOCK_TAG);
        if (parseOwnerTag(holder) !== undefined) {
            await stack.setTag(LOCK_TAG, NO_HOLDER);
            console.log(`${cluster.name}: cleared the hold of ${holder}`);
        }
    }
    return 0;
}

async function main(): Promise<number> {
    const command = process.argv[2];
    const file = option("fleet");
    if (file === undefined || !(command in COMMANDS || command === "unlock")) {
        console.error(USAGE);
        return 2;
    }
    if (command === "destroy" && option("wave") !== undefined) {
        console.error("fleet: --wave is for plan, up and status: destroy goes through every wave, the last first");
        return 2;
    }
    if (command === "destroy" && !flag("yes")) {
        console.error(
            `fleet: destroy removes the platform from every cluster of ${file} (CRDs and models are kept unless a cluster's config says otherwise): add --yes`,
        );
        return 2;
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        console.error(`fleet: cannot read ${file}: ${(error as Error).message}`);
        return 2;
    }
    try {
        const fleet = parseFleet(text, file, THIS_PROJECT);
        const interruption = new AbortController();
        const stacks = await AutomationStacks.open(fleet, interruption.signal);
        if (command === "unlock") {
            return await unlock(fleet, stacks);
        }
        const unlockCommand = `\`npm run fleet -- unlock --fleet ${file}\``;
        const owner: RunOwner = {
            fleet: fleet.name,
            run: `${Date.now().toString(36)}-${process.pid}`,
            host: os.hostname(),
            pid: process.pid,
            since: new Date().toISOString(),
        };
        const deps: FleetDeps = {
            stackOf: (cluster) => stacks.for(cluster),
            gates: liveGates,
            owner,
            lock: { alive: isAlive, settleMs: 2000, sleep, unlockCommand },
            sleep,
            now: () => Date.now(),
            progress,
            interrupted: interruption.signal,
        };
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
            process.once(signal, () => {
                progress(
                    `${signal}: the running clusters stop once Pulumi has finished their in-flight operations, no other starts; ${signal} again exits at once`,
                );
                interruption.abort();
                process.once(signal, () => process.exit(130));
            });
        }
        const wave = option("wave");
        const selected = wave === undefined ? fleet : await onlyWave(fleet, wave, deps, command === "up");
        const report = await COMMANDS[command as Command](selected, deps);
        console.log(flag("json") ? JSON.stringify(report, null, 2) : formatReport(report));
        if (interruption.signal.aborted) {
            return 130;
        }
        return report.ok ? 0 : 1;
    } catch (error) {
        if (error instanceof FleetFileError || error instanceof FleetLockedError || error instanceof FleetOrderError) {
            console.error(`fleet: ${error.message}`);
            return 2;
        }
        throw error;
    }
}

main().then(
    (code) => process.exit(code),
    (error) => {
        console.error(`fleet: ${(error as Error).stack ?? error}`);
        process.exit(2);
    },
);
