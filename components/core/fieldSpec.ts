/**
 * How one input field is declared: its kind, the rule for its value, and its default. The argument
 * interfaces (`args.ts`) give each field its TypeScript type and its documentation; a shape built
 * from these specs gives the rest, and {@link ShapeOf} makes the compiler check that the two agree
 * field by field (a boolean field declared as a string, or a field missing from either, fails the
 * build). Types and constructors only.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ValueRule } from "./rules";

/** A default the resolvers apply as it is. */
export type DefaultValue = string | number | boolean | readonly string[];

export interface Defaults {
    /** The value the field takes when it is left out. */
    readonly default?: DefaultValue;
    /** Where the default is computed from other fields: what it is, in words (`` `nfs` on `k8s`, `efs` on `eks` ``). */
    readonly defaultText?: string;
    /** Left out, the run stops. */
    readonly required?: true;
    /** What the program's auto-configuration sets when the field is left out, in words. */
    readonly detected?: string;
}

export type StringSpec = Defaults & { readonly type: "string"; readonly rule?: ValueRule; readonly spaces?: boolean };
export type EnumSpec = Defaults & { readonly type: "enum"; readonly values: readonly string[] };
export type BooleanSpec = Defaults & { readonly type: "boolean" };
export type NumberSpec = Defaults & {
    readonly type: "number";
    readonly integer: boolean;
    readonly min: number;
    readonly max?: number;
    readonly unit: string;
};
export type ListSpec = Defaults & { readonly type: "list"; readonly of: FieldSpec; readonly nonEmpty: boolean; readonly example: string };
export type MapSpec = Defaults & { readonly type: "map"; readonly keys: ValueRule; readonly of: FieldSpec };
export type ObjectSpec = Defaults & { readonly type: "object"; readonly fields: Shape };
/** An object passed through as it is (chart values, a Kubernetes object); `accepted` names what it is. */
export type ValuesSpec = Defaults & { readonly type: "values"; readonly accepted?: string };
/** A credential: a plain string for the component; in stack config only from the named secret key. */
export type SecretSpec = Defaults & { readonly type: "secret"; readonly configKey: string };

/** What one field accepts. */
export type FieldSpec = StringSpec | EnumSpec | BooleanSpec | NumberSpec | ListSpec | MapSpec | ObjectSpec | ValuesSpec | SecretSpec;

export type Shape = { readonly [field: string]: FieldSpec };

/** A field's value type with Inputs unwrapped and `undefined` dropped. */
type Plain<T> = pulumi.Unwrap<NonNullable<T>>;
type IsAny<T> = 0 extends 1 & T ? true : false;

/** The specs that can declare a field of type `T`. */
export type SpecFor<T> =
    IsAny<T> extends true
        ? FieldSpec
        : [Plain<T>] extends [boolean]
          ? BooleanSpec
          : [Plain<T>] extends [number]
            ? NumberSpec
            : [Plain<T>] extends [string]
              ? StringSpec | EnumSpec | SecretSpec
              : [Plain<T>] extends [readonly (infer E)[]]
                ? ListSpec & { readonly of: SpecFor<E> }
                : string extends keyof Plain<T>
                  ? MapSpec | ValuesSpec | ObjectSpec
                  : ObjectSpec & { readonly fields: ShapeOf<Plain<T>> };

/** A shape that declares exactly the fields of `T`, each with a spec of its type. */
export type ShapeOf<T> = { readonly [K in keyof Required<T>]: SpecFor<T[K]> };

/** A spec's defaults, with `default` of the field's own kind. */
type Extra<D extends DefaultValue> = Omit<Defaults, "default"> & { readonly default?: D };

// Each constructor keeps the literal type of its arguments (`const` type parameters), so that a
// resolver reading `SHAPE.field.default` gets the value's own type, not `T | undefined`.
/* eslint-disable @typescript-eslint/no-empty-object-type -- `{}`: no extra settings given */
export const string = <const E extends Extra<string> = {}>(rule?: ValueRule, extra?: E) =>
    ({ type: "string", rule, ...extra }) as { readonly type: "string"; readonly rule?: ValueRule } & E;
export const oneOf = <const E extends Extra<string> = {}>(values: readonly string[], extra?: E) =>
    ({ type: "enum", values, ...extra }) as { readonly type: "enum"; readonly values: readonly string[] } & E;
export const boolean = <const E extends Extra<boolean> = {}>(extra?: E) =>
    ({ type: "boolean", ...extra }) as { readonly type: "boolean" } & E;
export const number = <const E extends Extra<number> = {}>(spec: Omit<NumberSpec, "type" | keyof Defaults>, extra?: E) =>
    ({ type: "number", ...spec, ...extra }) as Omit<NumberSpec, keyof Defaults> & E;
export const list = <const Of extends FieldSpec, const E extends Extra<readonly string[]> = {}>(
    of: Of,
    example: string,
    nonEmpty = false,
    extra?: E,
) =>
    ({ type: "list", of, nonEmpty, example, ...extra }) as {
        readonly type: "list";
        readonly of: Of;
        readonly nonEmpty: boolean;
        readonly example: string;
    } & E;
export const map = <const Of extends FieldSpec>(keys: ValueRule, of: Of) => ({ type: "map", keys, of }) as const;
export const object = <const F extends Shape>(fields: F) => ({ type: "object", fields }) as const;
export const values = (accepted?: string) => ({ type: "values", accepted }) as const;
export const secret = (configKey: string) => ({ type: "secret", configKey }) as const;
/* eslint-enable @typescript-eslint/no-empty-object-type */

/** A field's default as the documentation states it, or undefined when it has none. */
export function defaultDescription(spec: FieldSpec): string | undefined {
    if (spec.default !== undefined) {
        return `\`${typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default)}\``;
    }
    return spec.defaultText;
}

/** The fields of `T` that the shape `S` gives a fixed default, as they are once it is applied. */
type Defaulted<T, S> = { [K in keyof S & keyof T as S[K] extends { readonly default: unknown } ? K : never]-?: NonNullable<T[K]> };

/** `values` with every field the shape gives a fixed default filled in where it is left out. */
export function withDefaults<T extends object, S extends ShapeOf<T>>(shape: S, values: T): T & Defaulted<T, S> {
    const filled: Record<string, unknown> = { ...(values as Record<string, unknown>) };
    for (const [field, spec] of Object.entries(shape as Shape)) {
        if (filled[field] === undefined && spec.default !== undefined) {
            filled[field] = spec.default;
        }
    }
    return filled as T & Defaulted<T, S>;
}
