/** Helm values trees: their type and the few operations every module that builds or reads values needs. A leaf. */

/** A Helm values tree. */
export type Values = { [key: string]: unknown };

export function isValues(value: unknown): value is Values {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Helm's merge of values trees: objects merge key by key, anything else (lists included) in
 * `override` replaces what `base` has. `null` is kept, so Helm can use it to delete a chart default.
 */
export function deepMerge(base: Values, override: Values): Values {
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isValues(current) && isValues(value) ? deepMerge(current, value) : value;
    }
    return merged;
}

/** The value at `path` in a values tree, if any. */
export function valueAt(values: unknown, path: readonly string[]): unknown {
    return path.reduce<unknown>(
        (node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined),
        values,
    );
}

/** A values tree holding `value` at `path`. */
export function valuesAt(path: readonly string[], value: unknown): Values {
    return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Values;
}

/** Every leaf path of a values tree, as dotted text. */
export function leafPaths(values: Values, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) =>
        isValues(value) && Object.keys(value).length > 0 ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
    );
}
