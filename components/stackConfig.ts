/**
 * The program's stack configuration (`dynamo:*` keys) turned into component arguments. Pure: the
 * caller passes the config readers, so every rule is tested without a Pulumi runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamoPlatformArgs, ImagePullSecretArgs, IngressArgs, LocalPathArgs, NfsArgs, TolerationArgs } from "./args";
import { resolveCharts } from "./charts";
import { DynamoConfigError } from "./errors";
import { PlatformSettings, resolveSettings } from "./settings";

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

/**
 * Reads and fully validates the stack config, including local chart folders, so that bad config
 * stops the program before it registers any resource.
 */
export function loadStackConfig(config: ConfigReader): { args: DynamoPlatformArgs; settings: PlatformSettings } {
    const args = readStackConfig(config);
    const settings = resolveSettings(args, `${CONFIG_NAMESPACE}:`);
    resolveCharts(settings);
    return { args, settings };
}
