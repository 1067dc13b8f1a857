/**
 * Checks values against their field specs (see schema.ts): the shape and every value rule, with one
 * error naming the key, the value and what is accepted. Values that are still Outputs are checked
 * when they resolve (or, for other stacks' outputs, by the program before it builds anything).
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs } from "./args";
import { configSetCommand, DynamoConfigError } from "./errors";
import { FieldSpec, Shape } from "./fieldSpec";
import { ValueRule } from "./rules";
import { PLATFORM_ARGS_SHAPE } from "./schema";

/** Where a value sits, for messages: `label` names it, `key` is the setting the user changes. */
export interface Place {
    label: string;
    key: string;
    /** Child values keep `key` (for another stack's outputs, whose key is the one naming the stack). */
    fixedKey?: boolean;
}

/** Whether the checks are for stack config (credentials only from secret keys) or component arguments. */
export type Source = "config" | "args";

function child(place: Place, suffix: string): Place {
    return { label: `${place.label}${suffix}`, key: place.fixedKey ? place.key : `${place.key}${suffix}`, fixedKey: place.fixedKey };
}

function invalid(place: Place, value: unknown, accepted: string, reason?: string): DynamoConfigError {
    return DynamoConfigError.invalid(place.key, value, accepted, reason, place.label);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The known name closest to `name`, if one is close enough to be a typo of it. */
function closestName(name: string, known: readonly string[]): string | undefined {
    const lower = name.toLowerCase();
    const extended = known.find((k) => k.toLowerCase().startsWith(lower) && lower.length >= 3);
    if (extended !== undefined) {
        return extended;
    }
    const scored = known.map((k) => ({ k, d: distance(lower, k.toLowerCase()) }));
    const best = scored.sort((a, b) => a.d - b.d)[0];
    return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.k : undefined;
}

/** The error for a field nobody declared. */
function unknownField(place: Place, field: string, known: readonly string[]): DynamoConfigError {
    const near = closestName(field, known);
    const hint = near !== undefined ? `did you mean ${child(place, `.${near}`).label}? ` : "";
    return new DynamoConfigError(
        child(place, `.${field}`).key,
        `Unknown field ${child(place, `.${field}`).label}: ${hint}${place.label} accepts ${known.join(", ")}.`,
    );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !pulumi.Output.isInstance(value);
}

/** Whether a value is not known yet (an Output or a Promise): it is checked when it resolves. */
export function isUnresolved(value: unknown): boolean {
    return pulumi.Output.isInstance(value) || value instanceof Promise;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function checkString(place: Place, value: unknown, spec: { rule?: ValueRule; spaces?: boolean }): string {
    const accepted = spec.rule?.accepted ?? "a non-empty string";
    if (typeof value === "number") {
        throw invalid(
            place,
            value,
            accepted,
            `a number where text is expected; quote it ("${value}"), since YAML reads 1.30 as the number 1.3`,
        );
    }
    if (typeof value !== "string" || value === "") {
        throw invalid(place, value, accepted);
    }
    if (CONTROL_CHARACTERS.test(value)) {
        throw invalid(place, value, accepted, "it contains control characters");
    }
    if (value.trim() !== value || (!spec.spaces && /\s/.test(value))) {
        throw invalid(place, value, accepted, "it contains white space");
    }
    const problem = spec.rule?.problem(value);
    if (problem !== undefined) {
        throw invalid(place, value, accepted, problem || undefined);
    }
    return value;
}

function describeObject(shape: Shape): string {
    return `an object with the fields ${Object.keys(shape).join(", ")}`;
}

/**
 * Checks one value against its spec and returns it normalised: `"true"`/`"false"` become booleans and
 * decimal strings numbers (YAML and `pulumi config set --path` write both forms). Unresolved values
 * are returned as they are.
 */
export function checkValue(place: Place, value: unknown, spec: FieldSpec, source: Source): unknown {
    if (isUnresolved(value)) {
        return value;
    }
    switch (spec.type) {
        case "string":
            return checkString(place, value, spec);
        case "secret":
            if (source === "config") {
                throw new DynamoConfigError(
                    place.key,
                    `${place.label} must not be stored in plain config: run ${configSetCommand(`dynamo:${spec.configKey}`, "<value>", { secret: true })} instead.`,
                );
            }
            return checkString(place, value, { rule: { accepted: "a non-empty secret string", problem: () => undefined }, spaces: true });
        case "enum":
            if (typeof value === "string" && spec.values.includes(value)) {
                return value;
            }
            throw invalid(place, value, `one of ${spec.values.map((v) => `"${v}"`).join(", ")}`);
        case "boolean":
            if (typeof value === "boolean") {
                return value;
            }
            if (value === "true" || value === "false") {
                return value === "true";
            }
            throw invalid(place, value, "true or false");
        case "number": {
            const n = typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
            const range = spec.max === undefined ? `at least ${spec.min}` : `from ${spec.min} to ${spec.max}`;
            const accepted = `${spec.integer ? "a whole number" : "a number"} of ${spec.unit}, ${range}`;
            const outOfRange = typeof n === "number" && (n < spec.min || (spec.max !== undefined && n > spec.max));
            if (typeof n !== "number" || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || outOfRange) {
                throw invalid(place, value, accepted);
            }
            return n;
        }
        case "list": {
            const accepted = `a list such as ${spec.example}`;
            if (!Array.isArray(value)) {
                throw invalid(place, value, accepted, isPlainObject(value) ? "an object where a list is expected" : undefined);
            }
            if (spec.nonEmpty && value.length === 0) {
                throw invalid(place, value, accepted, "the list is empty");
            }
            return value.map((item, i) => checkValue(child(place, `[${i}]`), item, spec.of, source));
        }
        case "map": {
            if (!isPlainObject(value)) {
                throw invalid(place, value, "a map of names to text values");
            }
            return Object.fromEntries(
                Object.entries(value).map(([name, item]) => {
                    checkString(child(place, ` key "${name}"`), name, { rule: spec.keys, spaces: true });
                    return [name, checkValue(child(place, `.${name}`), item, spec.of, source)];
                }),
            );
        }
        case "object":
            return checkObject(place, value, spec.fields, source);
        case "values":
            if (!isPlainObject(value)) {
                throw invalid(
                    place,
                    value,
                    spec.accepted ?? "a map of chart values (an object)",
                    Array.isArray(value) ? "a list where an object is expected" : undefined,
                );
            }
            return value;
    }
}

/** Checks an object field by field; a field the shape does not declare is refused with the closest known name. */
function checkObject(place: Place, value: unknown, shape: Shape, source: Source): Record<string, unknown> {
    if (!isPlainObject(value)) {
        const reason = Array.isArray(value) ? "a list where an object is expected" : undefined;
        const how = source === "config" ? " (set fields with `pulumi config set --path`)" : "";
        throw invalid(place, value, `${describeObject(shape)}${how}`, reason);
    }
    const known = Object.keys(shape);
    const unknown = Object.keys(value).find((field) => !known.includes(field));
    if (unknown !== undefined) {
        throw unknownField(place, unknown, known);
    }
    const checked: Record<string, unknown> = {};
    for (const [field, item] of Object.entries(value)) {
        if (item !== undefined) {
            checked[field] = checkValue(child(place, `.${field}`), item, shape[field], source);
        }
    }
    return checked;
}

/** Validates the shape and every value rule of component arguments; `keyPrefix` names them (`args.` or `dynamo:`). */
export function checkArgs(args: DynamoPlatformArgs, keyPrefix: string): DynamoPlatformArgs {
    const place = { label: keyPrefix.replace(/[.:]$/, ""), key: keyPrefix.replace(/[.:]$/, "") };
    const checked: Record<string, unknown> = {};
    if (!isPlainObject(args)) {
        throw invalid(place, args, describeObject(PLATFORM_ARGS_SHAPE));
    }
    const known = Object.keys(PLATFORM_ARGS_SHAPE);
    for (const [field, value] of Object.entries(args)) {
        if (!known.includes(field)) {
            throw unknownTopLevel(keyPrefix, field, known);
        }
        if (value !== undefined) {
            const spec = PLATFORM_ARGS_SHAPE[field as keyof typeof PLATFORM_ARGS_SHAPE];
            checked[field] = checkValue({ label: `${keyPrefix}${field}`, key: `${keyPrefix}${field}` }, value, spec, "args");
        }
    }
    return checked as unknown as DynamoPlatformArgs;
}

/** Checks one top-level argument's value, e.g. an Output once it resolves. */
export function checkField<F extends keyof typeof PLATFORM_ARGS_SHAPE>(keyPrefix: string, field: F, value: unknown): unknown {
    const key = `${keyPrefix}${field}`;
    return checkValue({ label: key, key }, value, PLATFORM_ARGS_SHAPE[field], "args");
}

/** Where another stack's output sits: named by output and stack, blamed on the key that names the stack. */
export function otherStackOutput(stackKey: string, stack: string, output: string): Place {
    return { label: `output "${output}" of stack "${stack}" (${stackKey})`, key: stackKey, fixedKey: true };
}

/** The error for an argument or config key nobody declared. */
export function unknownTopLevel(keyPrefix: string, name: string, known: readonly string[]): DynamoConfigError {
    const near = closestName(name, known);
    const what = keyPrefix.endsWith(":") ? "config key" : "argument";
    const hint = near !== undefined ? `did you mean ${keyPrefix}${near}?` : `see the ${what}s in docs/configuration.md`;
    return new DynamoConfigError(`${keyPrefix}${name}`, `Unknown ${what} ${keyPrefix}${name}: ${hint}`);
}
