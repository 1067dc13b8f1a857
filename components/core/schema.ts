/**
 * The one declaration of the input shape: every argument of {@link DynamoPlatformArgs} (and so every
 * `dynamo:*` key of the program) with its type and the rule for its value.
 *
 * The shapes are type-checked against the argument interfaces (`satisfies ShapeOf<...>`): a field
 * added to an interface without a rule here, or a rule for a field that does not exist, fails the
 * build. The same shapes read the program's config, validate the component's arguments, and are
 * compared with the README's key tables by a test. Values that are still Outputs are checked when
 * they resolve (or, for other stacks' outputs, by the program before it builds anything).
 */
import * as pulumi from "@pulumi/pulumi";
import {
    DynamoPlatformArgs,
    EfsArgs,
    EksArgs,
    HelmReleaseOptionsArgs,
    ImagePullSecretArgs,
    IngressArgs,
    LocalPathArgs,
    NfsArgs,
    PlacementArgs,
    TolerationArgs,
    DiscoveryBackend,
    EksIdentity,
    Platform,
    Profile,
} from "./args";
import { DynamoConfigError } from "./errors";
import * as rules from "./rules";
import { ValueRule } from "./rules";

/** What one field accepts. */
export type FieldSpec =
    | { readonly type: "string"; readonly rule?: ValueRule; readonly spaces?: boolean }
    | { readonly type: "enum"; readonly values: readonly string[] }
    | { readonly type: "boolean" }
    | { readonly type: "number"; readonly integer: boolean; readonly min: number; readonly unit: string }
    | { readonly type: "list"; readonly of: FieldSpec; readonly nonEmpty: boolean; readonly example: string }
    | { readonly type: "map"; readonly keys: ValueRule; readonly of: FieldSpec }
    | { readonly type: "object"; readonly fields: Shape }
    /** An object passed through as it is (chart values, a Kubernetes object); `accepted` names what it is. */
    | { readonly type: "values"; readonly accepted?: string }
    /** A credential: a plain string for the component; in stack config only from the named secret key. */
    | { readonly type: "secret"; readonly configKey: string };

export type Shape = { readonly [field: string]: FieldSpec };
/** A shape that names exactly the fields of `T`. */
export type ShapeOf<T> = { readonly [K in keyof Required<T>]: FieldSpec };

const string = (rule?: ValueRule): FieldSpec => ({ type: "string", rule });
const oneOf = (values: readonly string[]): FieldSpec => ({ type: "enum", values });
const boolean: FieldSpec = { type: "boolean" };
const number = (integer: boolean, min: number, unit: string): FieldSpec => ({ type: "number", integer, min, unit });
const list = (of: FieldSpec, example: string, nonEmpty = false): FieldSpec => ({ type: "list", of, nonEmpty, example });
const object = (fields: Shape): FieldSpec => ({ type: "object", fields });
const secret = (configKey: string): FieldSpec => ({ type: "secret", configKey });

/** The config key that holds the image pull secret's password. */
export const PULL_SECRET_PASSWORD_KEY = "imagePullSecretPassword";
/** The config key that holds the Dynamo chart repository's password. */
const CHART_REPOSITORY_PASSWORD_KEY = "chartRepositoryPassword";

const ADD_ON_REPOSITORY = rules.chartSourceRule(
    "an add-on repository on the host of dynamo:chartRepository gets its credentials (dynamo:chartRepositoryUsername and the secret dynamo:chartRepositoryPassword)",
);

const HELM_RELEASE_OPTIONS_SHAPE = {
    timeout: number(true, 1, "seconds"),
    atomic: boolean,
    maxHistory: number(true, 0, "revisions"),
} as const satisfies ShapeOf<HelmReleaseOptionsArgs>;

const TOLERATION_SHAPE = {
    key: string(rules.TOLERATION_KEY),
    operator: oneOf(["Exists", "Equal"]),
    value: string(rules.TOLERATION_VALUE),
    effect: oneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
} as const satisfies ShapeOf<TolerationArgs>;

const PLACEMENT_SHAPE = {
    nodeSelector: { type: "map", keys: rules.LABEL_KEY, of: string(rules.LABEL_VALUE) },
    avoidGpuNodes: boolean,
    nodeAffinity: object({
        requiredDuringSchedulingIgnoredDuringExecution: { type: "values", accepted: 'a NodeSelector, e.g. {"nodeSelectorTerms": [...]}' },
        preferredDuringSchedulingIgnoredDuringExecution: list(
            { type: "values", accepted: "a PreferredSchedulingTerm (an object)" },
            '[{"weight": 50, "preference": {"matchExpressions": [...]}}]',
            true,
        ),
    }),
} as const satisfies ShapeOf<PlacementArgs>;

const NFS_SHAPE = {
    server: string(rules.HOST),
    share: string(rules.NFS_SHARE),
    mountOptions: list(string(rules.MOUNT_OPTION), '["nfsvers=4.1"]', true),
    installDriver: boolean,
    driverChartVersion: string(rules.CHART_VERSION),
    driverChartRepository: string(ADD_ON_REPOSITORY),
    reclaimPolicy: oneOf(["Retain", "Delete"]),
} as const satisfies ShapeOf<NfsArgs>;

const LOCAL_PATH_SHAPE = {
    install: boolean,
    nodePath: string(rules.NODE_DIRECTORY),
    image: string(rules.PINNED_IMAGE),
    helperImage: string(rules.PINNED_IMAGE),
} as const satisfies ShapeOf<LocalPathArgs>;

const INGRESS_SHAPE = {
    className: string(rules.OBJECT_NAME),
    installNginx: boolean,
    nginxChartVersion: string(rules.CHART_VERSION),
    nginxChartRepository: string(ADD_ON_REPOSITORY),
    tlsSecretName: string(rules.OBJECT_NAME),
} as const satisfies ShapeOf<IngressArgs>;

const IMAGE_PULL_SECRET_SHAPE = {
    name: string(rules.OBJECT_NAME),
    registry: string(rules.REGISTRY_HOST),
    username: string(rules.REGISTRY_USERNAME),
    password: secret(PULL_SECRET_PASSWORD_KEY),
} as const satisfies ShapeOf<ImagePullSecretArgs>;

const TAGS: FieldSpec = { type: "map", keys: rules.AWS_TAG_KEY, of: { type: "string", rule: rules.AWS_TAG_VALUE, spaces: true } };

export const EKS_SHAPE = {
    clusterName: string(rules.EKS_CLUSTER_NAME),
    vpcId: string(rules.VPC_ID),
    privateSubnetIds: list(string(rules.SUBNET_ID), '["subnet-0a1b2c3d", "subnet-4e5f6a7b"]', true),
    vpcCidr: string(rules.NFS_SOURCE_CIDR),
    nfsClientSecurityGroupId: string(rules.SECURITY_GROUP_ID),
    identity: oneOf(Object.values(EksIdentity)),
    oidcProviderArn: string(rules.OIDC_PROVIDER_ARN),
    installEfsCsiDriver: boolean,
    installPodIdentityAgent: boolean,
    installEbsCsiDriver: boolean,
    existingEbsCsiDriver: boolean,
    createBlockStorageClass: boolean,
    autoMode: boolean,
    albScheme: oneOf(["internet-facing", "internal"]),
    albGroupName: string(rules.OBJECT_NAME),
    tags: TAGS,
} as const satisfies ShapeOf<EksArgs>;

export const EFS_SHAPE = {
    fileSystemId: string(rules.EFS_FILE_SYSTEM_ID),
    throughputMode: oneOf(["elastic", "bursting", "provisioned"]),
    provisionedThroughputMibps: number(false, 1, "MiB/s"),
    kmsKeyId: string(rules.KMS_KEY_ARN),
    transitionToIa: oneOf([
        "AFTER_1_DAY",
        "AFTER_7_DAYS",
        "AFTER_14_DAYS",
        "AFTER_30_DAYS",
        "AFTER_60_DAYS",
        "AFTER_90_DAYS",
        "AFTER_180_DAYS",
        "AFTER_270_DAYS",
        "AFTER_365_DAYS",
    ]),
    directoryPerms: string(rules.OCTAL_MODE),
    uid: number(true, 0, "a user id"),
    gid: number(true, 0, "a group id"),
    basePath: string(rules.EFS_BASE_PATH),
    reclaimPolicy: oneOf(["Retain", "Delete"]),
    deleteOnDestroy: boolean,
} as const satisfies ShapeOf<EfsArgs>;

export const PLATFORM_ARGS_SHAPE = {
    platform: oneOf(Object.values(Platform)),
    releaseVersion: string(rules.RELEASE_VERSION),
    crdsVersion: string(rules.RELEASE_VERSION),
    namespace: string(rules.NAMESPACE),
    createNamespace: boolean,
    chartRepository: string(
        rules.chartSourceRule(
            "put the user name in dynamo:chartRepositoryUsername and the password in the secret dynamo:chartRepositoryPassword (`pulumi config set --secret`)",
        ),
    ),
    chartRepositoryUsername: string(rules.REGISTRY_USERNAME),
    chartRepositoryPassword: secret(CHART_REPOSITORY_PASSWORD_KEY),
    chartRepositoryCaFile: string(rules.LOCAL_FILE),
    imageRegistry: string(rules.IMAGE_REGISTRY),
    images: { type: "map", keys: rules.IMAGE_REPOSITORY, of: string(rules.PINNED_IMAGE) },
    helmReleaseOptions: object(HELM_RELEASE_OPTIONS_SHAPE),
    groveEnabled: boolean,
    kaiSchedulerEnabled: boolean,
    installGrove: boolean,
    installKaiScheduler: boolean,
    discoveryBackend: oneOf(Object.values(DiscoveryBackend)),
    prometheusEndpoint: string(rules.PROMETHEUS_URL),
    monitoringStack: string(rules.STACK_NAME),
    storageClass: string(rules.OBJECT_NAME),
    persistenceStorageClass: string(rules.OBJECT_NAME),
    eks: object(EKS_SHAPE),
    efs: object(EFS_SHAPE),
    nfs: object(NFS_SHAPE),
    localPath: object(LOCAL_PATH_SHAPE),
    ingress: object(INGRESS_SHAPE),
    imagePullSecret: object(IMAGE_PULL_SECRET_SHAPE),
    tolerations: list(object(TOLERATION_SHAPE), '[{"key": "dedicated", "operator": "Equal", "value": "ai", "effect": "NoSchedule"}]'),
    profile: oneOf(Object.values(Profile)),
    placement: object(PLACEMENT_SHAPE),
    helmValues: { type: "values" },
    removeCrdsOnDestroy: boolean,
    teardownTimeoutSeconds: number(true, 1, "seconds"),
    installedReleaseVersion: string(rules.RELEASE_VERSION),
    crdsHandOver: boolean,
    allowUnsupportedUpgrade: boolean,
    skipAwait: boolean,
} as const satisfies ShapeOf<DynamoPlatformArgs>;

/** Fields of `dynamo:eks` that choose or shape the cluster rather than configure the platform on it. */
export const EKS_CLUSTER_SHAPE = {
    create: boolean,
    clusterStack: string(rules.STACK_NAME),
    kubernetesVersion: string(rules.KUBERNETES_VERSION),
    availabilityZoneCount: number(true, 2, "zones"),
    instanceType: string(rules.INSTANCE_TYPE),
    desiredNodes: number(true, 0, "nodes"),
    minNodes: number(true, 0, "nodes"),
    maxNodes: number(true, 0, "nodes"),
} as const satisfies Shape;

/** Every `dynamo:*` key of the program, by name (without the `dynamo:` namespace). */
export const STACK_CONFIG_SHAPE = {
    ...PLATFORM_ARGS_SHAPE,
    eks: object({ ...EKS_SHAPE, ...EKS_CLUSTER_SHAPE }),
    [PULL_SECRET_PASSWORD_KEY]: secret(PULL_SECRET_PASSWORD_KEY),
    autoConfigure: boolean,
} as const satisfies Shape;

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
                    `${place.label} must not be stored in plain config: run \`pulumi config set --secret dynamo:${spec.configKey} <value>\` instead.`,
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
            const accepted = `${spec.integer ? "a whole number" : "a number"} of ${spec.unit}, at least ${spec.min}`;
            if (typeof n !== "number" || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || n < spec.min) {
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
    const hint = near !== undefined ? `did you mean ${keyPrefix}${near}?` : `see the README's list of ${what}s`;
    return new DynamoConfigError(`${keyPrefix}${name}`, `Unknown ${what} ${keyPrefix}${name}: ${hint}`);
}
