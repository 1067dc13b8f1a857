/**
 * Every input is checked before anything is registered: each bad input stops the program with
 * exactly one error naming its `dynamo:` key and the accepted form, and registers nothing but reads
 * of other stacks; each unusual but valid input reaches the registered resources untouched.
 */
import { strict as assert } from "assert";
import { DynamoConfigError } from "../components/core/errors";
import { runProgram } from "./harness";
import { BAD_INPUTS, InputClass, runOptions, VALID_INPUTS } from "./inputCases";

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

    describe("unusual but valid inputs", () => {
        for (const input of VALID_INPUTS) {
            it(`${input.stack} stack: ${input.name}`, async () => {
                const recording = await runProgram(runOptions(input.stack, input.set, input.stackOutputs));
                await input.check(recording);
            });
        }
    });
});
