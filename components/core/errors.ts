import * as pulumi from "@pulumi/pulumi";

/**
 * A configuration or argument problem, raised before any resource is registered.
 *
 * It extends `pulumi.RunError` so the Pulumi CLI prints the message alone, without a stack trace:
 * the message is the whole diagnosis (which key, which value, what is accepted).
 */
export class DynamoConfigError extends pulumi.RunError {
    constructor(
        /** The config key or argument path at fault, e.g. `dynamo:releaseVersion`. */
        readonly key: string,
        message: string,
    ) {
        super(message);
        this.name = "DynamoConfigError";
    }

    /** A value that is not one of the accepted ones. */
    static invalid(key: string, value: unknown, accepted: string): DynamoConfigError {
        return new DynamoConfigError(key, `Invalid ${key} ${JSON.stringify(value)}: expected ${accepted}.`);
    }

    /** Two settings that cannot be used together. */
    static conflict(key: string, otherKey: string, why: string): DynamoConfigError {
        return new DynamoConfigError(key, `${key} conflicts with ${otherKey}: ${why}.`);
    }
}
