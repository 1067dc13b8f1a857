/**
 * What an input case is, and the helpers the per-key files write theirs with. A leaf module: the
 * per-key files import it, and `index.ts` gathers them and re-exports it, so nothing imports in a
 * circle.
 */
import { strict as assert } from "assert";
import { awsCalls, eksClusterState } from "../awsMocks";
import { MockOptions, Recording, stackFileConfig } from "../harness";

export type StackName = "k8s" | "eks";

/** A config change: `dynamo:` keys to set (objects as YAML would give them) or to remove (null). */
export type ConfigChange = Record<string, unknown>;

/**
 * The class of mistake a bad input stands for:
 * - `type`: a value of the wrong type, a list for a map, a misspelt field or key;
 * - `value`: a value of the right type that is not a valid one;
 * - `security`: a value that would open, take over or loosen something;
 * - `cross-key`: values that are fine alone but not together;
 * - `other-stack`: a value read from another stack, checked before anything is built.
 */
export type InputClass = "type" | "value" | "security" | "cross-key" | "other-stack";

export interface BadInput {
    name: string;
    class: InputClass;
    stack: StackName;
    set: ConfigChange;
    /** The `dynamo:` key the one error must name. */
    key: string;
    /** A fragment of the accepted form the message must state. */
    accepted: string;
    stackOutputs?: MockOptions["stackOutputs"];
}

export interface ValidInput {
    name: string;
    stack: StackName;
    set: ConfigChange;
    stackOutputs?: MockOptions["stackOutputs"];
    /** Asserts that the value reached what was registered, untouched. */
    check(recording: Recording): void | Promise<void>;
}

/** The cases of one key or key family, in one file so that everything about a key is found in one place. */
export interface InputGroup {
    /**
     * The `dynamo:` keys the file covers (a field stands for itself, e.g. `dynamo:eks.create`): each
     * bad case's key is one of them or a field, item or map key of one, and no other file declares a
     * longer key that names it.
     */
    keys: readonly string[];
    bad: BadInput[];
    valid: ValidInput[];
}

/** An NFS export that passes every check, for cases about the other fields. */
export const NFS = { server: "10.0.0.5", share: "/exports/models" };

/** The committed `dynamo:eks` of the eks stack with some fields changed (undefined removes one). */
export function eks(fields: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...JSON.parse(stackFileConfig("eks")["dynamo:eks"]), ...fields };
    return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

/** `dynamo:eks` for a new cluster. */
export function newCluster(fields: Record<string, unknown> = {}): Record<string, unknown> {
    return { create: true, clusterName: "dynamo-dev", installEbsCsiDriver: true, ...fields };
}

/** The program's config strings for a stack with a change applied, the way Pulumi hands them over. */
export function configFor(stack: StackName, set: ConfigChange): Record<string, string> {
    const config = stackFileConfig(stack);
    for (const [key, value] of Object.entries(set)) {
        if (value === null) {
            delete config[key];
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}

/** Mock options for running the program on a stack. */
export function runOptions(stack: StackName, set: ConfigChange, stackOutputs?: MockOptions["stackOutputs"]): MockOptions {
    return { config: configFor(stack, set), stack, calls: awsCalls, resourceState: eksClusterState, stackOutputs };
}

/** A bad input, its fields in the order that reads best in a list of cases. */
export const bad = (
    klass: InputClass,
    stack: StackName,
    name: string,
    set: ConfigChange,
    key: string,
    accepted: string,
    stackOutputs?: MockOptions["stackOutputs"],
): BadInput => ({ name, class: klass, stack, set, key, accepted, stackOutputs });

/** The inputs of the Helm release registered under a name. */
export function release(recording: Recording, name: string): Record<string, any> {
    return recording.object("kubernetes:helm.sh/v3:Release", name).inputs;
}

/** The inputs of the StorageClass registered under a name. */
export function storageClass(recording: Recording, name: string): Record<string, any> {
    return recording.object("kubernetes:storage.k8s.io/v1:StorageClass", name).inputs;
}

export function equal(actual: unknown, expected: unknown, what: string): void {
    assert.deepEqual(actual, expected, what);
}
