/**
 * The configuration reference is derived from the input declaration: every field has TSDoc that
 * states the default the schema gives it, and the committed `docs/configuration.md` tables,
 * `Pulumi.yaml` typed config and `docs/deployer-role.yaml` are what `npm run generate` writes.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEPLOYER_ROLE_FILE } from "../../components/core/deployerRole";
import {
    CONFIGURATION_DOC,
    defaultSentence,
    docOf,
    expectedConfigurationDoc,
    expectedDeployerRole,
    expectedProjectFile,
    fieldDocs,
    KEY_TABLES,
    PROJECT_FILE,
} from "../../scripts/reference";

const ROOT = path.join(__dirname, "..", "..");

describe("configuration reference (npm run generate)", () => {
    const docs = fieldDocs();

    it("documents every field of every key, and states in the TSDoc the default the schema gives", () => {
        const problems: string[] = [];
        for (const table of KEY_TABLES) {
            for (const [field, spec] of Object.entries(table.shape)) {
                const doc = docOf(docs, table.interfaces, field);
                const sentence = defaultSentence(spec);
                if (!doc) {
                    problems.push(`${table.key} ${field}: no TSDoc in ${table.interfaces.join(" or ")}`);
                } else if (sentence !== undefined && !doc.includes(sentence)) {
                    problems.push(`${table.key} ${field}: the TSDoc should say "${sentence}": ${doc}`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("has docs/configuration.md's key tables as the sources give them", async function () {
        this.timeout(20_000);
        const committed = fs.readFileSync(path.join(ROOT, CONFIGURATION_DOC), "utf8");
        assert.ok(committed === (await expectedConfigurationDoc()), `${CONFIGURATION_DOC} is stale: run npm run generate`);
    });

    it("has Pulumi.yaml's typed config as the sources give it", async function () {
        this.timeout(20_000);
        const committed = fs.readFileSync(path.join(ROOT, PROJECT_FILE), "utf8");
        assert.ok(committed === (await expectedProjectFile()), `${PROJECT_FILE} is stale: run npm run generate`);
    });

    it("has docs/deployer-role.yaml as the deployer rules give it", async function () {
        this.timeout(20_000);
        const committed = fs.readFileSync(path.join(ROOT, DEPLOYER_ROLE_FILE), "utf8");
        assert.ok(committed === (await expectedDeployerRole()), `${DEPLOYER_ROLE_FILE} is stale: run npm run generate`);
    });
});
