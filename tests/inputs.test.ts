/**
 * Every input is checked before anything is registered: each bad input stops the program with
 * exactly one error naming its `dynamo:` key and the accepted form, and registers nothing but reads
 * of other stacks; each unusual but valid input reaches the registered resources untouched.
 */
import { strict as assert } from "assert";
import { DynamoConfigError } from "../components/core/errors";
import { runProgram } from "./harness";
import { loadStackConfig } from "../program/stackConfig";
import { BAD_INPUTS, configFor, INPUT_GROUPS, InputClass, runOptions, VALID_INPUTS } from "./inputs";
import { EKS_CLUSTER_SHAPE, STACK_CONFIG_SHAPE } from "../program/configKeys";

/** What a run may register before it stops: the stack itself and reads of other stacks. */
const READS = ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"];

/**
 * The file in `tests/inputs/` a case's key belongs to: the one declaring the longest key that is
 * the case's key or names a field (`.`), item (`[`) or map key (` key "…"`) of it, so that
 * `dynamo:eks.create` goes to `eksCluster.ts` and the other `dynamo:eks` fields to `eks.ts`.
 */
function fileOf(key: string): string | undefined {
    let found: { file: string; declared: string } | undefined;
    for (const [file, group] of Object.entries(INPUT_GROUPS)) {
        for (const declared of group.keys) {
            const names = key === declared || (key.startsWith(declared) && ".[ ".includes(key[declared.length]));
            if (names && declared.length > (found?.declared.length ?? 0)) {
                found = { file, declared };
            }
        }
    }
    return found?.file;
}

describe("every input checked before anything is registered", function () {
    this.timeout(60000);

    it("covers at least 60 bad inputs over both stacks and every class, and 10 valid ones", () => {
        assert.ok(BAD_INPUTS.length >= 60, `${BAD_INPUTS.length} bad inputs`);
        assert.ok(VALID_INPUTS.length >= 10, `${VALID_INPUTS.length} valid inputs`);
        const classes: InputClass[] = ["type", "value", "security", "cross-key", "other-stack"];
        for (const klass of classes) {
            for (const stack of ["k8s", "eks"]) {
                if (klass === "other-stack" || stack === "eks" || klass !== "security") {
                    assert.ok(
                        BAD_INPUTS.some((c) => c.class === klass && c.stack === stack),
                        `no ${klass} case on the ${stack} stack`,
                    );
                }
            }
        }
        const names = BAD_INPUTS.map((c) => c.name);
        assert.equal(new Set(names).size, names.length, "case names are unique");
    });

    it("keeps each bad input in the file of the key its error names, and gives every key one file", () => {
        const { unknownKeys, ...files } = INPUT_GROUPS;
        const programKeys = [
            ...Object.keys(STACK_CONFIG_SHAPE).map((key) => `dynamo:${key}`),
            ...Object.keys(EKS_CLUSTER_SHAPE).map((field) => `dynamo:eks.${field}`),
        ];
        const declared = Object.values(files).flatMap((group) => group.keys);
        assert.deepEqual([...declared].sort(), [...programKeys].sort(), "each key of the program declared by exactly one file");
        for (const key of unknownKeys.keys) {
            assert.ok(!programKeys.includes(key), `${key} is a key of the program now: move its case to the key's file`);
        }
        for (const [file, group] of Object.entries(INPUT_GROUPS)) {
            for (const input of group.bad) {
                assert.equal(
                    fileOf(input.key),
                    file,
                    `"${input.name}" names ${input.key}, so it belongs in tests/inputs/${fileOf(input.key)}.ts`,
                );
            }
        }
    });

    describe("bad inputs", () => {
        for (const input of BAD_INPUTS) {
            it(`${input.class}, ${input.stack} stack: ${input.name}`, async () => {
                const recording = await runProgram({ ...runOptions(input.stack, input.set, input.stackOutputs), expectFailure: true });
                const error = recording.error;
                assert.ok(error instanceof DynamoConfigError, `expected one DynamoConfigError, got ${error}`);
                assert.equal(error.key, input.key);
                assert.ok(error.message.includes(input.key.replace(/ key ".*"$/, "")), `"${error.message}" should name ${input.key}`);
                assert.ok(error.message.includes(input.accepted), `"${error.message}" should state the accepted form: ${input.accepted}`);
                assert.ok(!error.message.includes("\n"), "one line");
                assert.deepEqual(recording.logs.error, [], "no other error reported");
                const registered = recording.resources.map((r) => r.type).filter((type) => !READS.includes(type));
                assert.deepEqual(registered, [], "nothing registered");
            });
        }
    });

    it("answers any value of any key with a DynamoConfigError naming the key, never a raw error", () => {
        const garbage: unknown[] = [null, 0, -1, 1.5, true, "", " ", "x", "\u0000", [], [null], [1], {}, { a: 1 }, { key: null }];
        let tried = 0;
        let accepted = 0;
        for (const key of Object.keys(STACK_CONFIG_SHAPE)) {
            for (const stack of ["k8s", "eks"] as const) {
                for (const value of garbage) {
                    const config = configFor(stack, { [`dynamo:${key}`]: typeof value === "string" ? value : JSON.stringify(value) });
                    const values: Record<string, string> = Object.fromEntries(
                        Object.entries(config)
                            .filter(([k]) => k.startsWith("dynamo:"))
                            .map(([k, v]) => [k.slice("dynamo:".length), v]),
                    );
                    tried++;
                    try {
                        loadStackConfig({ get: (k) => values[k], getSecret: () => undefined, keys: () => Object.keys(values) });
                        accepted++;
                    } catch (error) {
                        assert.ok(error instanceof DynamoConfigError, `dynamo:${key} = ${JSON.stringify(value)}: ${error}`);
                        assert.ok(error.message.includes("dynamo:"), error.message);
                    }
                }
            }
        }
        assert.ok(tried > 500, `${tried} tries`);
        assert.ok(accepted > 0 && accepted < tried / 2, `${accepted} of ${tried} accepted: the stacks themselves must load`);
    });

    describe("unusual but valid inputs", () => {
        for (const input of VALID_INPUTS) {
            it(`${input.stack} stack: ${input.name}`, async () => {
                const recording = await runProgram(runOptions(input.stack, input.set, input.stackOutputs));
                await input.check(recording);
            });
        }
    });
});
