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

    /**
     * A value that is not one of the accepted ones.
     *
     * @param reason why this value is refused, where "not what is accepted" says too little.
     * @param label how the message names the value, when it is not the key itself (another stack's output).
     */
    static invalid(key: string, value: unknown, accepted: string, reason?: string, label = key): DynamoConfigError {
        const why = reason ? `${reason}; ` : "";
        return new DynamoConfigError(key, `Invalid ${label} ${JSON.stringify(value)}: ${why}expected ${accepted}.`);
    }

    /** Two settings that cannot be used together. */
    static conflict(key: string, otherKey: string, why: string): DynamoConfigError {
        return new DynamoConfigError(key, `${key} conflicts with ${otherKey}: ${why}.`);
    }
}

/**
 * Runs a check for a component and turns a {@link DynamoConfigError} into a `pulumi.ResourceError`
 * on `resource`, which the CLI prints once against that resource, without a stack trace.
 */
export function checkedFor<T>(resource: pulumi.Resource, check: () => T): T {
    try {
        return check();
    } catch (error) {
        throw error instanceof DynamoConfigError ? new pulumi.ResourceError(error.message, resource, true) : error;
    }
}

/**
 * The command that sets a `dynamo:` key in the user's shell, e.g.
 * `` `pulumi config set --path 'dynamo:nfs.server' <value>` ``: a nested key needs `--path`, a
 * credential `--secret`. Refusals print it, so the fix is one copy and paste.
 */
export function configSetCommand(key: string, value: string, options: { secret?: boolean } = {}): string {
    const nested = /[.[]/.test(key.replace(/^dynamo:/, ""));
    const flags = [...(options.secret ? ["--secret"] : []), ...(nested ? ["--path"] : [])];
    return `\`pulumi config set ${[...flags, nested ? `'${key}'` : key, value].join(" ")}\``;
}

/** The command that removes a `dynamo:` key, so its default (or auto-configuration) applies again. */
export function configRemoveCommand(key: string): string {
    const nested = /[.[]/.test(key.replace(/^dynamo:/, ""));
    return `\`pulumi config rm ${nested ? `--path '${key}'` : key}\``;
}

const BUILT_FROM_STACK_CONFIG = new WeakSet<object>();

/** Marks component arguments built from the program's stack config, so messages name `dynamo:` keys. */
export function fromStackConfig<T extends object>(args: T): T {
    BUILT_FROM_STACK_CONFIG.add(args);
    return args;
}

/** How messages name the fields of these arguments: `dynamo:` keys for the program, `args.` paths otherwise. */
export function keyPrefixFor(args: object): string {
    return BUILT_FROM_STACK_CONFIG.has(args) ? "dynamo:" : "args.";
}
