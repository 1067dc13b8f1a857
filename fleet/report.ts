/** The fleet's report as people read it: one table, then who is done, failed or untouched, and what to do next. */
import { ClusterRow, FleetReport, Result } from "./run";

function releaseColumn(command: FleetReport["command"], row: ClusterRow): string {
    if (command === "status") {
        return `${row.from ?? "-"} / ${row.to ?? "-"}`;
    }
    if (command === "destroy") {
        return row.from ?? "-";
    }
    return row.from === row.to ? (row.to ?? "-") : `${row.from ?? "none"} → ${row.to ?? "-"}`;
}

const RELEASE_HEADING: Record<FleetReport["command"], string> = {
    plan: "release",
    up: "release",
    status: "stack / cluster",
    destroy: "release",
};

/** Pads columns to their widest cell; the last column runs free. */
export function formatTable(head: string[], body: string[][]): string[] {
    const widths = head.map((cell, column) => Math.max(cell.length, ...body.map((line) => line[column].length)));
    const line = (cells: string[]) =>
        cells
            .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
            .join("  ")
            .trimEnd();
    return [line(head), ...body.map(line)];
}

/** Cluster names by result, in table order: `done: a, b`. */
function byResult(rows: ClusterRow[]): string[] {
    const groups = new Map<Result, string[]>();
    for (const row of rows) {
        groups.set(row.result, [...(groups.get(row.result) ?? []), row.cluster]);
    }
    return [...groups.entries()].map(([result, clusters]) => `${result} (${clusters.length}): ${clusters.join(", ")}`);
}

export function formatReport(report: FleetReport): string {
    const head = ["cluster", "wave", RELEASE_HEADING[report.command], "result", "changes", "time", "detail"];
    const body = report.rows.map((row) => [
        row.cluster,
        row.wave,
        releaseColumn(report.command, row),
        row.result,
        row.changes === undefined ? "-" : String(row.changes),
        row.seconds === undefined ? "-" : `${row.seconds.toFixed(0)}s`,
        row.detail,
    ]);
    const findings = report.rows.flatMap((row) => row.findings.map((finding) => `- ${row.cluster}: ${finding}`));
    return [
        ...formatTable(head, body),
        "",
        ...byResult(report.rows),
        ...(findings.length > 0 ? ["", "Findings:", ...findings] : []),
        ...(report.halted !== undefined ? ["", `Halted: ${report.halted}.`] : []),
        ...(report.next !== undefined ? [`Next: ${report.next}.`] : []),
        "",
        `fleet ${report.fleet}: ${report.command} ${report.ok ? "ok" : "failed"} in ${report.seconds.toFixed(0)}s`,
    ].join("\n");
}
