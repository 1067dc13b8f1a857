import { strict as assert } from "assert";
import {
    ClusterCleaner,
    CustomResourceRef,
    deleteCustomResources,
    DYNAMO_CUSTOM_RESOURCES,
    leftoverMessage,
} from "../../../program/live/teardown";

/** Objects by kind; a delete removes an object unless it has a finalizer nobody clears. */
function fakeCleaner(objects: CustomResourceRef[], clearedAfterPolls = 0) {
    let remaining = [...objects];
    const deleted: string[] = [];
    let polls = 0;
    const cleaner: ClusterCleaner = {
        list: async (plural) => {
            if (plural === DYNAMO_CUSTOM_RESOURCES[0]) {
                polls += 1;
                if (polls > clearedAfterPolls + 1) {
                    // The operator cleared the finalizers it owns.
                    remaining = remaining.filter((o) => !o.finalizers.includes("nvidia.com/finalizer"));
                }
            }
            return remaining.filter((o) => o.plural === plural);
        },
        delete: async (ref) => {
            deleted.push(`${ref.plural}/${ref.namespace}/${ref.name}`);
            if (ref.finalizers.length === 0) {
                remaining = remaining.filter((o) => o !== ref);
            }
        },
    };
    return { cleaner, deleted };
}

const model = (name: string, finalizers: string[] = []): CustomResourceRef => ({
    plural: "dynamographdeployments",
    namespace: "models",
    name,
    finalizers,
});
let clock = 0;
const fakeTime = { now: () => clock, sleep: async (ms: number) => void (clock += ms), pollMs: 1000 };

describe("opt-in teardown", () => {
    beforeEach(() => {
        clock = 0;
    });

    it("deletes every Dynamo custom resource and returns nothing once they are gone", async () => {
        const worker = { plural: "dynamoworkermetadatas", namespace: "models", name: "w-0", finalizers: [] };
        const { cleaner, deleted } = fakeCleaner([model("a"), model("b", ["nvidia.com/finalizer"]), worker], 3);
        const left = await deleteCustomResources(cleaner, { timeoutSeconds: 120, ...fakeTime });
        assert.deepEqual(left, []);
        assert.deepEqual(deleted.sort(), [
            "dynamographdeployments/models/a",
            "dynamographdeployments/models/b",
            "dynamoworkermetadatas/models/w-0",
        ]);
        assert.ok(clock >= 3000 && clock < 120000, `waited ${clock} ms for the operator`);
    });

    it("stops at the deadline and returns what a foreign finalizer keeps", async () => {
        const stuck = model("stuck", ["e2e.test/keep"]);
        const { cleaner } = fakeCleaner([model("a"), stuck]);
        const left = await deleteCustomResources(cleaner, { timeoutSeconds: 10, ...fakeTime });
        assert.deepEqual(left, [stuck]);
        assert.equal(clock, 10000);
    });

    it("names each leftover with its finalizers and says how to finish", () => {
        const message = leftoverMessage([model("stuck", ["e2e.test/keep"])], 10);
        assert.match(message, /^1 Dynamo custom resource\(s\) still exist 10s after their deletion/);
        assert.match(message, /dynamographdeployments\/models\/stuck \(finalizers: e2e\.test\/keep\)/);
        assert.match(message, /then run the teardown again\.$/);
    });
});
