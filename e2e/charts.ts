/** Builds the local chart mirror of the e2e test: the stand-in charts at the versions the scenario uses. */
import * as fs from "fs";
import * as path from "path";

const SOURCES = path.join(__dirname, "charts");

/** Copies `chart` into `<mirror>/<chart>-<version>/` with that version in its Chart.yaml. */
export function mirrorChart(mirror: string, chart: "dynamo-crds" | "dynamo-platform", version: string): string {
    const target = path.join(mirror, `${chart}-${version}`);
    fs.cpSync(path.join(SOURCES, chart), target, { recursive: true });
    const chartFile = path.join(target, "Chart.yaml");
    fs.writeFileSync(
        chartFile,
        fs
            .readFileSync(chartFile, "utf8")
            .replace(/^version: .*$/m, `version: ${version}`)
            .replace(/^appVersion: .*$/m, `appVersion: ${version}`),
    );
    return target;
}
