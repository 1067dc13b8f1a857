import { strict as assert } from "assert";
import { DynamoConfigError } from "../components/core/errors";

/** The DynamoConfigError `action` throws; fails the test when it throws anything else or nothing. */
export function configRefusal(action: () => unknown): DynamoConfigError {
    try {
        action();
    } catch (error) {
        assert.ok(error instanceof DynamoConfigError, String(error));
        return error;
    }
    assert.fail("expected a DynamoConfigError");
}
