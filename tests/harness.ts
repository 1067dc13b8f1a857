/**
 * Runs Pulumi code under the SDK's mock monitor and records every registration as the engine
 * would receive it: type, name, inputs, parent, dependencies and resource options.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";

export const PROJECT = "dynamo";

/** One resource as registered with the (mock) engine. */
export interface Registered {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    inputs: Record<string, any>;
    parent: string;
    dependencies: string[];
    retainOnDelete: boolean;
    protect: boolean;
    /** URN of the resource whose deletion makes this one's delete a no-op, or empty. */
    deletedWith: string;
}

/** The log lines the program wrote, by severity. */
export interface Logs {
    info: string[];
    warn: string[];
    error: string[];
}

/** A finished run: what was registered and the stack's outputs. */
export class Recording {
    constructor(
        readonly resources: Registered[],
        readonly logs: Logs,
        /** What the program threw, if it failed. */
        readonly error?: unknown,
    ) {}

    ofType(type: string): Registered[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The only resource of a type (optionally with a logical name); fails the test otherwise. */
    one(type: string, name?: string): Registered {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }

    /** The Kubernetes object of a kind by its `metadata.name`. */
    object(type: string, objectName: string): Registered {
        const found = this.ofType(type).filter((r) => (r.inputs.metadata?.name ?? r.inputs.name) === objectName);
        if (found.length !== 1) {
            throw new Error(`expected one ${type} named ${objectName}, found ${found.length}`);
        }
        return found[0];
    }

    /** Whether `resource` waits for `other`, directly or through a parent component's dependencies. */
    dependsOn(resource: Registered, other: Registered): boolean {
        return resource.dependencies.includes(other.urn);
    }

    /** The stack outputs (what `pulumi stack output` would show). */
    stackOutputs(): Record<string, any> {
        return this.one("pulumi:pulumi:Stack").inputs;
    }
}

export interface MockOptions {
    /** Stack config as `dynamo:key` strings, the way Pulumi hands config to a program. */
    config?: Record<string, string>;
    /** Keys of `config` that are secrets. */
    secretKeys?: string[];
    /** Outputs of other stacks, by stack name, served to StackReferences. */
    stackOutputs?: Record<string, Record<string, unknown>>;
    /** Extra output state for resources of a type (what a real provider would compute), by type token. */
    resourceState?: Record<string, (inputs: Record<string, any>, name: string) => Record<string, any>>;
    /** Answers for provider function calls, by token. */
    calls?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
    stack?: string;
    /** Return the recording of a failed run (with its error) instead of throwing. */
    expectFailure?: boolean;
}

class RecordingMonitor extends MockMonitor {
    readonly registrations = new Map<string, Omit<Registered, "inputs" | "urn">>();

    async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        this.registrations.set(`${req.getType()}::${req.getName()}`, {
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            retainOnDelete: req.getRetainondelete() === true,
            protect: req.getProtect() === true,
            deletedWith: req.getDeletedwith(),
        });
        return super.registerResource(req, callback);
    }
}

/**
 * Runs `program` under mocks and returns what it registered. Resource outputs echo their inputs,
 * as a real provider's would for these kinds, with `id` set to the name.
 */
export async function runWithMocks(program: () => unknown, options: MockOptions = {}): Promise<Recording> {
    const inputsByKey = new Map<string, Record<string, any>>();
    const logs: Logs = { info: [], warn: [], error: [] };
    const monitor = new RecordingMonitor({
        newResource(args) {
            inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
            if (args.type === "pulumi:pulumi:StackReference") {
                const outputs = options.stackOutputs?.[args.inputs.name];
                if (outputs === undefined) {
                    throw new Error(`unknown stack ${args.inputs.name}`);
                }
                return { id: args.inputs.name, state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
            }
            const computed = options.resourceState?.[args.type]?.(args.inputs, args.name) ?? {};
            return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
        },
        call(args) {
            const answer = options.calls?.[args.token];
            if (answer === undefined) {
                throw new Error(`unmocked call ${args.token}`);
            }
            return answer(args.inputs);
        },
    });
    pulumi.runtime.setMockOptions(monitor, PROJECT, options.stack ?? "test", false);
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys);

    const originalInfo = pulumi.log.info;
    const originalWarn = pulumi.log.warn;
    const originalError = pulumi.log.error;
    pulumi.log.info = async (message: string) => void logs.info.push(message);
    pulumi.log.warn = async (message: string) => void logs.warn.push(message);
    pulumi.log.error = async (message: string) => void logs.error.push(message);
    let error: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(async () => program());
    } catch (thrown) {
        error = thrown;
    } finally {
        await pulumi.runtime.disconnect();
        pulumi.log.info = originalInfo;
        pulumi.log.warn = originalWarn;
        pulumi.log.error = originalError;
    }

    const resources: Registered[] = [];
    for (const [urn, entry] of monitor.resources) {
        const [type, name] = urnTypeAndName(urn);
        const registration = monitor.registrations.get(`${type}::${name}`);
        resources.push({
            type,
            name,
            urn,
            custom: registration?.custom ?? true,
            inputs: inputsByKey.get(`${type}::${name}`) ?? pulumi.runtime.deserializeProperties(entry.state),
            parent: registration?.parent ?? "",
            dependencies: registration?.dependencies ?? [],
            retainOnDelete: registration?.retainOnDelete ?? false,
            protect: registration?.protect ?? false,
            deletedWith: registration?.deletedWith ?? "",
        });
    }
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    if (stack) {
        stack.inputs = pulumi.runtime.deserializeProperties(monitor.resources.get(stack.urn)!.state);
    }
    if (error !== undefined && !options.expectFailure) {
        throw error;
    }
    return new Recording(resources, logs, error);
}

function urnTypeAndName(urn: string): [string, string] {
    const parts = urn.split("::");
    const qualifiedType = parts[2];
    return [qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1), parts.slice(3).join("::")];
}

/** A kubeconfig path that does not exist: the program's auto-configuration then skips, as it does without a cluster. */
export const NO_CLUSTER_KUBECONFIG = "/nonexistent/dynamo-test-kubeconfig";

/**
 * Runs the project's own program (`program/index.ts`) with the given config, as the Node.js language host
 * does: a module that exports a function is called and its result becomes the stack outputs. No
 * cluster is reachable (KUBECONFIG points nowhere), so auto-configuration is skipped.
 */
export async function runProgram(options: MockOptions): Promise<Recording> {
    const entry = require.resolve("../program/index");
    const kubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = NO_CLUSTER_KUBECONFIG;
    try {
        return await runWithMocks(() => {
            delete require.cache[entry];
            const program = require(entry);
            return typeof program === "function" ? program() : program;
        }, options);
    } finally {
        if (kubeconfig === undefined) {
            delete process.env.KUBECONFIG;
        } else {
            process.env.KUBECONFIG = kubeconfig;
        }
    }
}

/** The `config:` block of a committed stack file, as the strings Pulumi passes to programs. */
export function stackFileConfig(stack: string): Record<string, string> {
    const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
    const parsed = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed.config ?? {})) {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

/** Resolves an Output for assertions. */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Pulumi's wire marker for a secret value. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

/** The plain value of a registered input that must be a secret; fails when it was sent in the clear. */
export function secretValue(input: any): any {
    if (typeof input !== "object" || input === null || input[SIGNATURE_KEY] !== SECRET_SIGNATURE) {
        throw new Error(`expected a secret, got ${JSON.stringify(input)}`);
    }
    return input.value;
}

/** An Output's value, or its error: `apply` never runs for a failed Output, its promise rejects. */
export function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}
