/** The README's key tables say what the input schema declares: no key missing, none invented. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { EFS_SHAPE, EKS_SHAPE } from "../components/core/schema";
import { EKS_CLUSTER_SHAPE, STACK_CONFIG_SHAPE } from "../program/configKeys";
import { FieldSpec } from "../components/core/fieldSpec";

const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The rows of the first table after a heading line. */
function tableAfter(heading: string): string[][] {
    const lines = README.split("\n");
    const start = lines.findIndex((line) => line.trim() === heading);
    assert.ok(start >= 0, `README has no heading ${heading}`);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 1)) {
        if (line.startsWith("#")) {
            break;
        }
        if (line.startsWith("|") && !/^\|\s*-/.test(line)) {
            rows.push(
                line
                    .split("|")
                    .slice(1, -1)
                    .map((cell) => cell.trim()),
            );
        } else if (rows.length > 0 && !line.startsWith("|")) {
            break;
        }
    }
    return rows.slice(1);
}

function backticked(cell: string): string[] {
    return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

function fieldsOf(spec: FieldSpec): string[] {
    if (spec.type === "object") {
        return Object.keys(spec.fields);
    }
    if (spec.type === "list" && spec.of.type === "object") {
        return Object.keys(spec.of.fields);
    }
    return [];
}

describe("README key tables", () => {
    const configRows = tableAfter("## Configuration");

    it("lists every dynamo: key the schema declares, and no other", () => {
        const documented = configRows.flatMap((row) => backticked(row[0])).map((key) => key.replace(/^dynamo:/, ""));
        assert.deepEqual([...documented].sort(), Object.keys(STACK_CONFIG_SHAPE).sort());
    });

    it("gives the fields of each structured key as the schema declares them (plain config, so no passwords)", () => {
        for (const row of configRows) {
            const key = backticked(row[0])[0].replace(/^dynamo:/, "");
            const spec: FieldSpec = STACK_CONFIG_SHAPE[key as keyof typeof STACK_CONFIG_SHAPE];
            const fields = fieldsOf(spec).filter((field) => spec.type !== "object" || spec.fields[field].type !== "secret");
            if (fields.length === 0 || key === "eks" || key === "efs") {
                continue;
            }
            const braces = /`\[?\{([^}]*)\}\]?`/.exec(row[2]);
            assert.ok(braces, `dynamo:${key} has no {fields} in the README`);
            const documented = braces[1].split(",").map((field) => field.trim().replace(/\?$/, ""));
            assert.deepEqual(documented.sort(), [...fields].sort(), `dynamo:${key}`);
        }
    });

    it("lists every field of dynamo:eks and dynamo:efs", () => {
        const fieldsIn = (heading: string) => tableAfter(heading).flatMap((row) => backticked(row[0]));
        assert.deepEqual(fieldsIn("### `dynamo:eks`").sort(), [...Object.keys(EKS_SHAPE), ...Object.keys(EKS_CLUSTER_SHAPE)].sort());
        assert.deepEqual(fieldsIn("### `dynamo:efs`").sort(), Object.keys(EFS_SHAPE).sort());
    });
});
