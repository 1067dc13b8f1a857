/**
 * The program's stack configuration (`dynamo:*` keys) turned into component arguments, read and
 * checked through the one input schema. Pure: the caller passes the config readers, so every rule is
 * tested without a Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamoEksClusterArgs, DynamoPlatformArgs, EksArgs, Platform } from "../components/core/args";
import { resolveCharts } from "../components/core/charts";
import { checkValue, unknownTopLevel } from "../components/core/check";
import { DynamoConfigError } from "../components/core/errors";
import { FieldSpec, withDefaults } from "../components/core/fieldSpec";
import { layoutSubnets } from "../components/core/network";
import { EKS_CLUSTER_ARGS_SHAPE, PULL_SECRET_PASSWORD_KEY } from "../components/core/schema";
import { resolveSettings } from "../components/core/settings";
import { PlatformSettings } from "../components/core/settings/types";
import { CONFIG_NAMESPACE, EKS_CLUSTER_SHAPE, EksClusterKeys, STACK_CONFIG_SHAPE } from "./configKeys";

const KEY_PREFIX = `${CONFIG_NAMESPACE}:`;

/** How the program reads config; `pulumi.Config` methods in the program, a map in tests. */
export interface ConfigReader {
    /** The raw string of a key (objects come as JSON text), undefined when unset. */
    get(key: string): string | undefined;
    /** A secret key as a secret Output, undefined when unset. */
    getSecret(key: string): pulumi.Output<string> | undefined;
    /** Every key set in the namespace, without the `dynamo:` prefix. */
    keys(): string[];
}

type ConfigKey = keyof typeof STACK_CONFIG_SHAPE;

/** Where the program's EKS cluster comes from, as the config asks for it. */
export type EksClusterRequest =
    /** Coordinates in `dynamo:eks`, the provider from the ambient kubeconfig (or `kubernetes:*` config). */
    | { kind: "existing" }
    /** Coordinates and kubeconfig from another stack's outputs, read before anything is built. */
    | { kind: "stack"; stack: string }
    /** A new cluster created by this stack. */
    | { kind: "create"; cluster: DynamoEksClusterArgs };

/** Reads one key: secrets through `getSecret`, structured keys as JSON, then the schema's checks. */
function readKey(config: ConfigReader, name: ConfigKey): unknown {
    const spec: FieldSpec = STACK_CONFIG_SHAPE[name];
    if (spec.type === "secret") {
        return config.getSecret(name);
    }
    const raw = config.get(name);
    if (raw === undefined) {
        return undefined;
    }
    const place = { label: `${KEY_PREFIX}${name}`, key: `${KEY_PREFIX}${name}` };
    if (spec.type !== "object" && spec.type !== "list" && spec.type !== "values") {
        return checkValue(place, raw, spec, "config");
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        parsed = raw;
    }
    return checkValue(place, parsed, spec, "config");
}

/** Every `dynamo:*` key, checked against the schema: unknown keys, types, values and plain-text credentials. */
function readKeys(config: ConfigReader): Partial<Record<ConfigKey, unknown>> {
    const known = Object.keys(STACK_CONFIG_SHAPE);
    const unknown = config.keys().find((key) => !known.includes(key));
    if (unknown !== undefined) {
        throw unknownTopLevel(KEY_PREFIX, unknown, known);
    }
    const values: Partial<Record<ConfigKey, unknown>> = {};
    for (const name of known as ConfigKey[]) {
        const value = readKey(config, name);
        if (value !== undefined) {
            values[name] = value;
        }
    }
    return values;
}

/** Reads every `dynamo:*` key into component arguments (`dynamo:eks` still holds its cluster fields). */
export function readStackConfig(config: ConfigReader): DynamoPlatformArgs & { eks?: EksArgs & EksClusterKeys; autoConfigure?: boolean } {
    const { [PULL_SECRET_PASSWORD_KEY]: password, ...values } = readKeys(config);
    if (values.releaseVersion === undefined) {
        throw new DynamoConfigError(
            `${KEY_PREFIX}releaseVersion`,
            `${KEY_PREFIX}releaseVersion is required: set an exact platform chart version, e.g. \`pulumi config set ${KEY_PREFIX}releaseVersion 0.9.1\`.`,
        );
    }
    const args = values as DynamoPlatformArgs & { eks?: EksArgs & EksClusterKeys; autoConfigure?: boolean };
    if (password !== undefined || args.imagePullSecret !== undefined) {
        args.imagePullSecret = { ...args.imagePullSecret, password: password as pulumi.Output<string> | undefined };
    }
    return args;
}

/** Fields a new cluster provides; setting them alongside `create` would be ignored, so it is refused. */
const CREATED_FIELDS: (keyof EksArgs)[] = ["vpcId", "privateSubnetIds", "oidcProviderArn"];
/** Fields a cluster stack provides, unless `dynamo:eks` sets them. */
const CLUSTER_STACK_FIELDS: (keyof EksArgs)[] = ["clusterName", "vpcId", "privateSubnetIds", "oidcProviderArn"];

/** Stands in, during validation, for a value the cluster (new or referenced) will provide. */
const FROM_CLUSTER = pulumi.output("<provided by the cluster>");

/** Splits `dynamo:eks` into the fields that choose or shape the cluster and the platform's own EKS arguments. */
function splitEksConfig(raw: (EksArgs & EksClusterKeys) | undefined): { cluster: EksClusterKeys; eks: EksArgs } {
    const cluster: Record<string, unknown> = {};
    const eks: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(raw ?? {})) {
        (field in EKS_CLUSTER_SHAPE ? cluster : eks)[field] = value;
    }
    return { cluster: cluster as EksClusterKeys, eks: eks as unknown as EksArgs };
}

/** Splits `dynamo:eks` into the cluster request and the platform's EKS arguments. */
export function readEksConfig(raw: (EksArgs & EksClusterKeys) | undefined): { request: EksClusterRequest; eks: EksArgs } {
    const {
        cluster: { create, clusterStack, ...newCluster },
        eks,
    } = splitEksConfig(raw);
    const key = (field: string) => `${KEY_PREFIX}eks.${field}`;
    if (create === true) {
        if (clusterStack !== undefined) {
            throw DynamoConfigError.conflict(
                key("create"),
                key("clusterStack"),
                "a stack either creates its cluster or reads one from another stack",
            );
        }
        const given = CREATED_FIELDS.find((field) => eks[field] !== undefined);
        if (given !== undefined) {
            throw DynamoConfigError.conflict(key(given), key("create"), "the new cluster provides it");
        }
        if (typeof eks.clusterName !== "string") {
            throw DynamoConfigError.invalid(key("clusterName"), eks.clusterName, "the name of the cluster to create");
        }
        const cluster = withDefaults(EKS_CLUSTER_ARGS_SHAPE, {
            ...newCluster,
            clusterName: eks.clusterName,
            vpcCidr: typeof eks.vpcCidr === "string" ? eks.vpcCidr : undefined,
            tags: eks.tags,
        });
        try {
            layoutSubnets(cluster.vpcCidr, cluster.availabilityZoneCount);
        } catch (error) {
            throw new DynamoConfigError(key("vpcCidr"), `Invalid ${KEY_PREFIX}eks network: ${(error as Error).message}.`);
        }
        if (cluster.minNodes > cluster.desiredNodes || cluster.desiredNodes > cluster.maxNodes) {
            throw DynamoConfigError.invalid(
                key("desiredNodes"),
                cluster.desiredNodes,
                `a node count between minNodes (${cluster.minNodes}) and maxNodes (${cluster.maxNodes})`,
            );
        }
        return { request: { kind: "create", cluster }, eks };
    }
    const newClusterField = Object.entries(newCluster).find(([, value]) => value !== undefined);
    if (newClusterField !== undefined) {
        throw DynamoConfigError.conflict(key(newClusterField[0]), key("create"), "it shapes a new cluster; set create: true or remove it");
    }
    if (clusterStack !== undefined) {
        return { request: { kind: "stack", stack: clusterStack }, eks };
    }
    return { request: { kind: "existing" }, eks };
}

/** The EKS arguments as validation sees them before the cluster exists: values it will provide stand in as unknowns. */
function eksForValidation(request: EksClusterRequest, eks: EksArgs): EksArgs {
    if (request.kind === "existing") {
        return eks;
    }
    const provided = request.kind === "create" ? [...CREATED_FIELDS, "clusterName"] : CLUSTER_STACK_FIELDS;
    const withStandIns: Record<string, unknown> = { ...eks };
    for (const field of provided) {
        withStandIns[field] = withStandIns[field] ?? FROM_CLUSTER;
    }
    return withStandIns as unknown as EksArgs;
}

/** The validated stack config: component arguments, resolved settings, and on EKS where the cluster comes from. */
export interface StackConfig {
    args: DynamoPlatformArgs;
    settings: PlatformSettings;
    eksCluster?: EksClusterRequest;
    /** `dynamo:autoConfigure`: read the live cluster and adapt (default true). */
    autoConfigure: boolean;
}

/** Resolves settings from stack-config arguments, naming `dynamo:` keys, and finds every chart they need. */
export function validateStackArgs(args: DynamoPlatformArgs): PlatformSettings {
    const settings = resolveSettings(args, KEY_PREFIX);
    resolveCharts(settings);
    return settings;
}

/**
 * Reads and fully validates the stack config, including local chart folders, so that bad config
 * stops the program before it registers any resource. Values other stacks provide are checked by
 * {@link readOtherStacks} once read.
 */
export function loadStackConfig(config: ConfigReader): StackConfig {
    const { autoConfigure, eks: rawEks, ...args } = readStackConfig(config);
    if (args.platform !== Platform.Eks) {
        const platformArgs = rawEks === undefined ? args : { ...args, eks: readEksConfig(rawEks).eks };
        return {
            args,
            settings: validateStackArgs(platformArgs),
            autoConfigure: autoConfigure ?? STACK_CONFIG_SHAPE.autoConfigure.default,
        };
    }
    const { request, eks } = readEksConfig(rawEks);
    const settings = validateStackArgs({ ...args, eks: rawEks && eksForValidation(request, eks) });
    return {
        args: { ...args, eks },
        settings,
        eksCluster: request,
        autoConfigure: autoConfigure ?? STACK_CONFIG_SHAPE.autoConfigure.default,
    };
}
