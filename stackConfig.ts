/**
 * The program's stack configuration (`dynamo:*` keys) turned into component arguments. Pure: the
 * caller passes the config readers, so every rule is tested without a Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    DynamoPlatformArgs,
    EfsArgs,
    EksArgs,
    ImagePullSecretArgs,
    IngressArgs,
    LocalPathArgs,
    NfsArgs,
    Platform,
    TolerationArgs,
} from "./components/core/args";
import { resolveCharts } from "./components/core/charts";
import { DynamoEksClusterArgs, EksClusterSource, layoutSubnets } from "./components/eks/cluster";
import { DynamoConfigError } from "./components/core/errors";
import { PlatformSettings, resolveSettings } from "./components/core/settings";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "dynamo";

/** How the program reads config; `pulumi.Config` methods in the program, a map in tests. */
export interface ConfigReader {
    /** The raw string of a key (objects come as JSON text), undefined when unset. */
    get(key: string): string | undefined;
    /** A secret key as a secret Output, undefined when unset. */
    getSecret(key: string): pulumi.Output<string> | undefined;
}

/** Keys with string values, named exactly as the component arguments they set. */
const STRING_KEYS = [
    "platform",
    "releaseVersion",
    "crdsVersion",
    "namespace",
    "discoveryBackend",
    "storageClass",
    "persistenceStorageClass",
    "prometheusEndpoint",
    "monitoringStack",
    "chartRepository",
] as const;

const BOOLEAN_KEYS = ["createNamespace", "groveEnabled", "kaiSchedulerEnabled", "removeCrdsOnDestroy", "skipAwait"] as const;

/** The secret key holding the registry password of `dynamo:imagePullSecret`. */
export const PULL_SECRET_PASSWORD_KEY = "imagePullSecretPassword";

function fullKey(key: string): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

function parseBoolean(key: string, raw: string | undefined): boolean | undefined {
    if (raw === undefined) {
        return undefined;
    }
    if (raw !== "true" && raw !== "false") {
        throw DynamoConfigError.invalid(fullKey(key), raw, "true or false");
    }
    return raw === "true";
}

function parseStructured<T>(key: string, raw: string | undefined, shape: "object" | "list"): T | undefined {
    if (raw === undefined) {
        return undefined;
    }
    const accepted = shape === "object" ? "a YAML/JSON object (set it with `pulumi config set --path`)" : "a YAML/JSON list";
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw DynamoConfigError.invalid(fullKey(key), raw, accepted);
    }
    const isList = Array.isArray(parsed);
    const isObject = typeof parsed === "object" && parsed !== null && !isList;
    if ((shape === "object" && !isObject) || (shape === "list" && !isList)) {
        throw DynamoConfigError.invalid(fullKey(key), parsed, accepted);
    }
    return parsed as T;
}

/**
 * Pulumi stores booleans and numbers nested in structured config as JSON values, but users also
 * write them quoted; accept `"true"`/`"false"` for the boolean fields of an object.
 */
function normaliseBooleans<T extends object>(value: T | undefined, fields: (keyof T)[]): T | undefined {
    if (value === undefined) {
        return undefined;
    }
    const copy = { ...value } as Record<string, unknown>;
    for (const field of fields) {
        const raw = copy[field as string];
        if (raw === "true" || raw === "false") {
            copy[field as string] = raw === "true";
        }
    }
    return copy as T;
}

/** Reads every `dynamo:*` key into component arguments, checking only the shape of each value. */
export function readStackConfig(config: ConfigReader): DynamoPlatformArgs {
    const args: Record<string, unknown> = {};
    for (const key of STRING_KEYS) {
        args[key] = config.get(key);
    }
    for (const key of BOOLEAN_KEYS) {
        args[key] = parseBoolean(key, config.get(key));
    }
    args.nfs = normaliseBooleans(parseStructured<NfsArgs>("nfs", config.get("nfs"), "object"), ["installDriver"]);
    args.localPath = normaliseBooleans(parseStructured<LocalPathArgs>("localPath", config.get("localPath"), "object"), ["install"]);
    args.ingress = normaliseBooleans(parseStructured<IngressArgs>("ingress", config.get("ingress"), "object"), ["installNginx"]);
    args.tolerations = parseStructured<TolerationArgs[]>("tolerations", config.get("tolerations"), "list");
    args.helmValues = parseStructured<Record<string, unknown>>("helmValues", config.get("helmValues"), "object");

    const pullSecret = parseStructured<ImagePullSecretArgs>("imagePullSecret", config.get("imagePullSecret"), "object");
    const password = config.getSecret(PULL_SECRET_PASSWORD_KEY);
    if (pullSecret && "password" in pullSecret) {
        throw new DynamoConfigError(
            fullKey("imagePullSecret.password"),
            `${fullKey("imagePullSecret.password")} must not be stored in plain config: run \`pulumi config set --secret ${fullKey(PULL_SECRET_PASSWORD_KEY)}\` instead.`,
        );
    }
    if (password !== undefined && pullSecret === undefined) {
        args.imagePullSecret = { password };
    } else if (pullSecret !== undefined) {
        args.imagePullSecret = { ...pullSecret, password };
    }

    for (const key of Object.keys(args)) {
        if (args[key] === undefined) {
            delete args[key];
        }
    }
    if (args.releaseVersion === undefined) {
        throw new DynamoConfigError(
            fullKey("releaseVersion"),
            `${fullKey("releaseVersion")} is required: set an exact platform chart version, e.g. \`pulumi config set ${fullKey("releaseVersion")} 0.9.1\`.`,
        );
    }
    return args as unknown as DynamoPlatformArgs;
}

/** Fields of `dynamo:eks` that choose or shape the cluster rather than configure the platform on it. */
interface EksClusterFields {
    create?: boolean;
    clusterStack?: string;
    kubernetesVersion?: string;
    availabilityZoneCount?: number;
    instanceType?: string;
    desiredNodes?: number;
    minNodes?: number;
    maxNodes?: number;
}

const CLUSTER_FIELDS: (keyof EksClusterFields)[] = [
    "create",
    "clusterStack",
    "kubernetesVersion",
    "availabilityZoneCount",
    "instanceType",
    "desiredNodes",
    "minNodes",
    "maxNodes",
];

/** Fields a new cluster provides; setting them alongside `create` would be ignored, so it is refused. */
const CREATED_FIELDS: (keyof EksArgs)[] = ["vpcId", "privateSubnetIds", "oidcProviderArn"];

/** Stands in, during validation, for a value the cluster (new or referenced) will provide. */
const FROM_CLUSTER = pulumi.output("<provided by the cluster>");

function positiveInteger(key: string, value: unknown, fallback: number): number {
    const n = value ?? fallback;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw DynamoConfigError.invalid(fullKey(key), value, "a whole number");
    }
    return n;
}

/** Splits `dynamo:eks` into the cluster source and the platform's EKS arguments. */
export function readEksConfig(raw: (EksArgs & EksClusterFields) | undefined): { source: EksClusterSource; eks: EksArgs } {
    const eks =
        normaliseBooleans(raw, ["create", "installEfsCsiDriver", "installPodIdentityAgent", "installEbsCsiDriver"]) ??
        ({} as EksArgs & EksClusterFields);
    const fields: Record<string, unknown> = { ...eks };
    for (const field of CLUSTER_FIELDS) {
        delete fields[field];
    }
    const platformEks = fields as unknown as EksArgs;
    if (eks.create === true) {
        if (eks.clusterStack !== undefined) {
            throw DynamoConfigError.conflict(
                fullKey("eks.create"),
                fullKey("eks.clusterStack"),
                "a stack either creates its cluster or reads one from another stack",
            );
        }
        const given = CREATED_FIELDS.find((field) => eks[field] !== undefined);
        if (given !== undefined) {
            throw DynamoConfigError.conflict(fullKey(`eks.${given}`), fullKey("eks.create"), "the new cluster provides it");
        }
        if (typeof eks.clusterName !== "string") {
            throw DynamoConfigError.invalid(fullKey("eks.clusterName"), eks.clusterName, "the name of the cluster to create");
        }
        const vpcCidr = typeof eks.vpcCidr === "string" ? eks.vpcCidr : "10.0.0.0/16";
        const zones = positiveInteger("eks.availabilityZoneCount", eks.availabilityZoneCount, 2);
        try {
            layoutSubnets(vpcCidr, zones);
        } catch (error) {
            throw new DynamoConfigError(fullKey("eks.vpcCidr"), `Invalid ${fullKey("eks")} network: ${(error as Error).message}.`);
        }
        const cluster: DynamoEksClusterArgs = {
            clusterName: eks.clusterName,
            kubernetesVersion: eks.kubernetesVersion,
            vpcCidr,
            availabilityZoneCount: zones,
            instanceType: eks.instanceType,
            desiredNodes: positiveInteger("eks.desiredNodes", eks.desiredNodes, 2),
            minNodes: positiveInteger("eks.minNodes", eks.minNodes, 1),
            maxNodes: positiveInteger("eks.maxNodes", eks.maxNodes, 3),
            tags: eks.tags,
        };
        if (cluster.minNodes! > cluster.desiredNodes! || cluster.desiredNodes! > cluster.maxNodes!) {
            throw DynamoConfigError.invalid(
                fullKey("eks.desiredNodes"),
                cluster.desiredNodes,
                `a node count between minNodes (${cluster.minNodes}) and maxNodes (${cluster.maxNodes})`,
            );
        }
        return { source: { kind: "create", cluster }, eks: platformEks };
    }
    if (eks.clusterStack !== undefined) {
        if (typeof eks.clusterStack !== "string" || !/^[A-Za-z0-9_.\-/]+$/.test(eks.clusterStack)) {
            throw DynamoConfigError.invalid(fullKey("eks.clusterStack"), eks.clusterStack, "a stack name such as acme/eks/prod");
        }
        return { source: { kind: "stack", stack: eks.clusterStack }, eks: platformEks };
    }
    return { source: { kind: "existing" }, eks: platformEks };
}

/** The EKS arguments as validation sees them: values the cluster will provide stand in as unknowns. */
function eksForValidation(source: EksClusterSource, eks: EksArgs): EksArgs {
    if (source.kind === "existing") {
        return eks;
    }
    const provided =
        source.kind === "create" ? [...CREATED_FIELDS, "clusterName"] : ["clusterName", "vpcId", "privateSubnetIds", "oidcProviderArn"];
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
    eksCluster?: EksClusterSource;
    /** `dynamo:autoConfigure`: read the live cluster and adapt (default true). */
    autoConfigure: boolean;
}

/**
 * Reads and fully validates the stack config, including local chart folders, so that bad config
 * stops the program before it registers any resource.
 */
export function loadStackConfig(config: ConfigReader): StackConfig {
    const args = readStackConfig(config);
    const autoConfigure = parseBoolean("autoConfigure", config.get("autoConfigure")) ?? true;
    const isEks = args.platform === Platform.Eks;
    const rawEks = parseStructured<EksArgs & EksClusterFields>("eks", config.get("eks"), "object");
    const efs = normaliseBooleans(parseStructured<EfsArgs>("efs", config.get("efs"), "object"), ["deleteOnDestroy"]);
    if (!isEks) {
        const settings = resolveSettings({ ...args, eks: rawEks, efs }, `${CONFIG_NAMESPACE}:`);
        resolveCharts(settings);
        return { args, settings, autoConfigure };
    }
    const { source, eks } = readEksConfig(rawEks);
    const settings = resolveSettings({ ...args, eks: rawEks && eksForValidation(source, eks), efs }, `${CONFIG_NAMESPACE}:`);
    resolveCharts(settings);
    return { args: { ...args, eks, efs }, settings, eksCluster: source, autoConfigure };
}
