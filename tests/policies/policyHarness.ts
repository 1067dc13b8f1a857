/**
 * Hand-built policy arguments matching @pulumi/policy 1.21 (`notApplicable`, `stackTags`,
 * `getConfig`), and a bridge from mock-engine recordings to the analyzer's resource view.
 */
import {
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Recording } from "../harness";

class NotApplicable extends Error {}

const defaultOptions: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::dynamo::${type}::${name}`;
}

/** A resource as the policy analyzer presents it in stack validation. */
export function policyResource(type: string, props: Record<string, any>, name = "r", dependencies: PolicyResource[] = []): PolicyResource {
    return {
        type,
        props,
        urn: urnOf(type, name),
        name,
        opts: defaultOptions,
        dependencies,
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

/** Arguments of a resource validation. */
export function resourceArgs(type: string, props: Record<string, any>, name = "r"): ResourceValidationArgs {
    const { urn, opts, isType } = policyResource(type, props, name);
    return { type, props, urn, name, opts, isType, asType: () => undefined, ...analyzerContext() };
}

/** What the analyzer adds to every validation: stack tags, policy config, `notApplicable`. */
function analyzerContext() {
    return {
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** Arguments of a stack validation. */
export function stackArgs(resources: PolicyResource[]): StackValidationArgs {
    return { resources, ...analyzerContext() };
}

export interface Violation {
    policy: string;
    message: string;
    urn?: string;
}

/** Runs one policy over one resource or a whole stack and returns what it reported. */
export async function violations(policy: Policy, args: ResourceValidationArgs | StackValidationArgs): Promise<Violation[]> {
    const found: Violation[] = [];
    const report = (message: string, urn?: string) => void found.push({ policy: policy.name, message, urn });
    try {
        if ("validateResource" in policy && "props" in args) {
            const validate = (policy as ResourceValidationPolicy).validateResource;
            for (const v of Array.isArray(validate) ? validate : validate ? [validate] : []) {
                await v(args, report);
            }
        } else if ("validateStack" in policy && "resources" in args) {
            await (policy as StackValidationPolicy).validateStack?.(args, report);
        }
    } catch (error) {
        if (!(error instanceof NotApplicable)) {
            throw error;
        }
    }
    return found;
}

/** The resources of a mock-engine run, as the analyzer would see them (props are the inputs). */
export function policyResourcesOf(recording: Recording): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of recording.resources) {
        byUrn.set(r.urn, { ...policyResource(r.type, r.inputs, r.name), urn: r.urn });
    }
    for (const r of recording.resources) {
        byUrn.get(r.urn)!.dependencies = r.dependencies.map((urn) => byUrn.get(urn)).filter((d): d is PolicyResource => d !== undefined);
    }
    return [...byUrn.values()];
}

/** Runs every policy over every resource of a recording and over the stack. */
export async function allViolations(policies: Policy[], recording: Recording): Promise<Violation[]> {
    const resources = policyResourcesOf(recording);
    const found: Violation[] = [];
    for (const policy of policies) {
        if ("validateStack" in policy) {
            found.push(...(await violations(policy, stackArgs(resources))));
        } else {
            for (const resource of resources) {
                found.push(...(await violations(policy, resourceArgs(resource.type, resource.props, resource.name))));
            }
        }
    }
    return found;
}
