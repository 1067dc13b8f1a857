/**
 * Modules loaded on first use rather than when the program starts. `@pulumi/aws` and
 * `@kubernetes/client-node` take about 0.15 s and 0.5 s to load, paid on every `pulumi preview`
 * although a Kubernetes stack never touches the first, and auto-configuration needs the second
 * only for kubeconfigs it cannot read itself (live/apiServer.ts).
 */

/**
 * The module `name`, required on the first access to one of its exports. Import its types with
 * `import type * as M from "name"` and give the same module as `T`.
 */
export function lazyModule<T extends object>(name: string): T {
    let loaded: T | undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the one deferred require
    const load = (): T => (loaded ??= require(name) as T);
    return new Proxy({} as T, {
        get: (_, key) => Reflect.get(load(), key),
        has: (_, key) => Reflect.has(load(), key),
    });
}
