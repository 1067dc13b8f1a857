/**
 * Every input is checked before anything is registered: each bad input stops the program with
 * exactly one error naming its `dynamo:` key and the accepted form, and registers nothing but reads
 * of other stacks; each unusual but valid input reaches the registered resources untouched.
 */
import { strict as assert } from "assert";
import { DynamoConfigError } from "../components/core/errors";
import { runProgram } from "./harness";
import { loadStackConfig } from "../program/stackConfig";
import { BAD_INPUTS, configFor, InputClass, runOptions, VALID_INPUTS } from "./inputCases";
import { STACK_CONFIG_SHAPE } from "../program/configKeys";

/** What a run may register before it stops: the stack itself and reads of other stacks. */
const READS = ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"];

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
