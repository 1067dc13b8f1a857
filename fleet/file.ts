/**
 * The fleet file (`fleet.yaml`): which clusters, in which order, to which release, behind which
 * gates. Read and checked with the same field specs and rules as stack config, and every cluster's
 * resulting stack config through the program's own loader, so a fleet refuses before it touches any
 * stack what a single `pulumi up` would refuse. Pure: the caller reads the file.
 */
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { checkValue } from "../components/core/check";
import { configSetCommand, DynamoConfigError } from "../components/core/errors";
import { boolean, list, map, number, object, oneOf, Shape, ShapeOf, string, values } from "../components/core/fieldSpec";
import * as rules from "../components/core/rules";
import { CONFIG_NAMESPACE, STACK_CONFIG_SHAPE } from "../program/configKeys";
import { loadStackConfig } from "../program/stackConfig";

/** What runs after each cluster of a wave (verify, smoke) and after the whole wave (soak). */
export interface GateKeys {
    /** `npm run verify`'s checks on the cluster after its `up`; a failed check fails the cluster. Default `true`. */
    verify?: boolean;
    /**
     * The smoke test after verify (a GPU-free graph and one request): only on clusters whose
     * operator reconciles models (1.4 and later, with real nodes). Default `false`.
     */
    smoke?: boolean;
    /** Seconds to wait once the wave is up before verify runs again on each of its clusters, before the next wave. Default `0`. */
    soakSeconds?: number;
}

/** One cluster: a stack of the project, the cluster it targets, and its own config. */
export interface ClusterKeys {
    /** The cluster's name in tables, waves and messages: lower-case letters, digits and '-'. Required. */
    name: string;
    /** Its stack: `stack`, `project/stack` or `org/project/stack`. Default: the cluster's `name`. */
    stack?: string;
    /** The kubeconfig file of the cluster (`kubernetes:kubeconfig` of the stack), relative to the fleet file. */
    kubeconfig?: string;
    /** The kubeconfig context of the cluster (`kubernetes:context` of the stack). */
    context?: string;
    /** The release this cluster runs instead of the fleet's (to hold it back). */
    release?: string;
    /** `dynamo:` keys (without the prefix) for this cluster, over the shared `config`, e.g. `eks` settings. */
    config?: Record<string, unknown>;
    /** Config of other namespaces for this cluster's stack, over the shared `providerConfig`, e.g. `aws:region`. */
    providerConfig?: Record<string, string>;
}

/** One wave: clusters updated together once every earlier wave passed its gates. */
export interface WaveKeys {
    /** The wave's name in progress lines and tables. Required. */
    name: string;
    /** The names of its clusters. Required, at least one. */
    clusters: string[];
    /** How many of its clusters run at once. Default: the fleet's `concurrency`. */
    concurrency?: number;
    /** Its gates, over the fleet's `gates`. */
    gates?: GateKeys;
}

export type FailurePolicy = "halt" | "continue";

/** The whole file. */
export interface FleetKeys {
    /** The fleet's name, in its stack lock and messages. Required. */
    name: string;
    /** The release every cluster is rolled to (`dynamo:releaseVersion`), e.g. `1.0.1`. Required. */
    release: string;
    /** The folder of the Pulumi project whose program each stack runs, relative to the fleet file. Default: this project. */
    project?: string;
    /** The Pulumi backend of every stack (`PULUMI_BACKEND_URL`): a folder, object storage or Pulumi Cloud. Default: the environment's, else the project's. */
    backend?: string;
    /** `dynamo:` keys (without the prefix) every cluster shares. */
    config?: Record<string, unknown>;
    /**
     * Config of other namespaces every stack gets as it is, e.g. `aws:region` or `aws:profile`. The
     * fleet sets these and never removes them (a key left out of the file stays on the stack).
     */
    providerConfig?: Record<string, string>;
    /** How many clusters of a wave run at once, where the wave does not say. Default `4`. */
    concurrency?: number;
    /** The gates of every wave, where the wave does not say. */
    gates?: GateKeys;
    /** What a failed cluster does: `halt` (no cluster starts after it) or `continue` (the rest of the rollout still runs). Default `halt`. */
    onFailure?: FailurePolicy;
    /** The cluster that goes first, alone, through the gates before any wave. */
    canary?: string;
    /** The waves after the canary, in order. Required, at least one. */
    waves: WaveKeys[];
    /** Every cluster of the fleet; each is in exactly one wave or is the canary. Required, at least one. */
    clusters: ClusterKeys[];
}

/** The cluster's keys the fleet sets on every stack, with its `dynamo:` keys (secrets set by hand it leaves alone). */
export const KUBERNETES_KEYS = ["kubernetes:kubeconfig", "kubernetes:context"];

const CLUSTER_NAME = {
    accepted: "a name of lower-case letters, digits and '-' (at most 63 characters), e.g. prod-us-east",
    problem: (value: string) => (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value) ? undefined : ""),
};
const TEXT = { accepted: "a non-empty string", problem: () => undefined };
const BACKEND_URL = {
    accepted: "a Pulumi backend URL: file://<folder>, s3://, gs://, azblob:// or https://api.pulumi.com",
    problem: (value: string) => (/^(file|s3|gs|azblob|https?):\/\/\S*$/.test(value) ? undefined : ""),
};
const SHARED_CONFIG = values("the dynamo: keys (without the prefix) as in a stack file, e.g. {namespace: dynamo-system}");
const PROVIDER_CONFIG_KEY = {
    accepted: "a namespaced config key other than dynamo: and kubernetes:kubeconfig or kubernetes:context, e.g. aws:region",
    problem: (value: string) => {
        if (!/^[A-Za-z][\w-]*:[\w.-]+$/.test(value)) {
            return "";
        }
        return value.startsWith(`${CONFIG_NAMESPACE}:`) || KUBERNETES_KEYS.includes(value)
            ? "the fleet sets it from config, kubeconfig and context"
            : undefined;
    },
};
const PROVIDER_CONFIG = map(PROVIDER_CONFIG_KEY, string(TEXT));

export const GATES_SHAPE = {
    verify: boolean({ default: true }),
    smoke: boolean({ default: false }),
    soakSeconds: number({ integer: true, min: 0, max: 86400, unit: "seconds" }, { default: 0 }),
} as const satisfies ShapeOf<GateKeys>;

const CONCURRENCY = number({ integer: true, min: 1, max: 1000, unit: "clusters" });

export const FLEET_SHAPE = {
    name: string(CLUSTER_NAME, { required: true }),
    release: string(rules.RELEASE_VERSION, { required: true }),
    project: string(TEXT),
    backend: string(BACKEND_URL),
    config: SHARED_CONFIG,
    providerConfig: PROVIDER_CONFIG,
    concurrency: { ...CONCURRENCY, default: 4 },
    gates: object(GATES_SHAPE),
    onFailure: oneOf(["halt", "continue"], { default: "halt" }),
    canary: string(CLUSTER_NAME),
    waves: list(
        object({
            name: string(CLUSTER_NAME, { required: true }),
            clusters: list(string(CLUSTER_NAME), "[prod-east, prod-west]", true, { required: true }),
            concurrency: CONCURRENCY,
            gates: object(GATES_SHAPE),
        } satisfies ShapeOf<WaveKeys>),
        "[{name: prod, clusters: [prod-east, prod-west]}]",
        true,
        { required: true },
    ),
    clusters: list(
        object({
            name: string(CLUSTER_NAME, { required: true }),
            stack: string(rules.STACK_NAME),
            kubeconfig: string(TEXT),
            context: string(TEXT),
            release: string(rules.RELEASE_VERSION),
            config: SHARED_CONFIG,
            providerConfig: PROVIDER_CONFIG,
        } satisfies ShapeOf<ClusterKeys>),
        "[{name: staging, context: staging}]",
        true,
        { required: true },
    ),
} as const satisfies ShapeOf<FleetKeys>;

/** A problem with the fleet file: one message naming the file, the field, the value and what is accepted. */
export class FleetFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FleetFileError";
    }
}

export interface Gates {
    verify: boolean;
    smoke: boolean;
    soakSeconds: number;
}

/** A cluster as the fleet runs it: its stack and the stack config the fleet sets on it. */
export interface FleetCluster {
    name: string;
    stack: string;
    /** Absolute path, when given. */
    kubeconfig?: string;
    context?: string;
    release: string;
    /** Every config key the fleet sets on the stack (`dynamo:*`, `kubernetes:*`), as `pulumi config set` takes it. */
    stackConfig: Record<string, string>;
}

export interface FleetWave {
    name: string;
    clusters: FleetCluster[];
    concurrency: number;
    gates: Gates;
}

export interface Fleet {
    name: string;
    /** The fleet file, absolute. */
    file: string;
    /** The Pulumi project folder, absolute. */
    project: string;
    backend?: string;
    onFailure: FailurePolicy;
    /** The canary first (a wave of one), then the waves, in order. */
    waves: FleetWave[];
}

/** The clusters of a fleet in rollout order. */
export function fleetClusters(fleet: Fleet): FleetCluster[] {
    return fleet.waves.flatMap((wave) => wave.clusters);
}

function fail(file: string, message: string): never {
    throw new FleetFileError(`${path.basename(file)}: ${message}`);
}

/** Checks `value` against a fleet shape, turning the schema's error into one naming the file. */
function checked<T>(file: string, label: string, value: unknown, spec: Parameters<typeof checkValue>[2]): T {
    try {
        return checkValue({ label, key: label }, value, spec, "config") as T;
    } catch (error) {
        if (error instanceof DynamoConfigError) {
            fail(file, error.message);
        }
        throw error;
    }
}

function requireFields(file: string, label: string, value: Record<string, unknown>, shape: Shape): void {
    const missing = Object.entries(shape).find(([field, spec]) => spec.required && value[field] === undefined);
    if (missing !== undefined) {
        fail(file, `${label}${label ? "." : ""}${missing[0]} is required.`);
    }
}

/** A config block of the file as `pulumi config set` values: strings as they are, the rest as JSON. */
function configValues(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => [
            `${CONFIG_NAMESPACE}:${key}`,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
}

/** The stack config of one cluster, checked by the program's own loader (every key, chart folders included). */
function clusterStackConfig(
    file: string,
    project: string,
    keys: FleetKeys,
    cluster: ClusterKeys,
    kubeconfig: string | undefined,
): Record<string, string> {
    for (const [label, block] of [
        ["config", keys.config],
        [`clusters[${cluster.name}].config`, cluster.config],
    ] as const) {
        if (block && "releaseVersion" in block) {
            fail(
                file,
                `${label}.releaseVersion conflicts with release: the fleet sets dynamo:releaseVersion; use release (or a cluster's release).`,
            );
        }
    }
    const secretKey = Object.keys({ ...keys.config, ...cluster.config }).find(
        (key) => STACK_CONFIG_SHAPE[key as keyof typeof STACK_CONFIG_SHAPE]?.type === "secret",
    );
    if (secretKey !== undefined) {
        const stack = cluster.stack ?? cluster.name;
        fail(
            file,
            `${CONFIG_NAMESPACE}:${secretKey} must not be stored in plain text in the fleet file: set it on the stack as a secret, ${configSetCommand(`${CONFIG_NAMESPACE}:${secretKey}`, "<value>", { secret: true }).replace(/`$/, ` --stack ${stack}\``)} (the fleet leaves secret keys alone).`,
        );
    }
    const release = cluster.release ?? keys.release;
    const merged = configValues({ ...keys.config, ...cluster.config, releaseVersion: release });
    const raw: Record<string, string> = Object.fromEntries(
        Object.entries(merged).map(([key, value]) => [key.slice(CONFIG_NAMESPACE.length + 1), value]),
    );
    // The program runs in the project folder: a relative chart folder is found from there.
    if (raw.chartRepository !== undefined && /^\.\.?\//.test(raw.chartRepository)) {
        raw.chartRepository = path.resolve(project, raw.chartRepository);
    }
    try {
        loadStackConfig({ get: (key) => raw[key], getSecret: () => undefined, keys: () => Object.keys(raw) });
    } catch (error) {
        if (error instanceof DynamoConfigError) {
            fail(file, `cluster ${cluster.name} (its stack config, from release, config and clusters[${cluster.name}]): ${error.message}`);
        }
        throw error;
    }
    return {
        ...keys.providerConfig,
        ...cluster.providerConfig,
        ...merged,
        ...(kubeconfig !== undefined ? { "kubernetes:kubeconfig": kubeconfig } : {}),
        ...(cluster.context !== undefined ? { "kubernetes:context": cluster.context } : {}),
    };
}

/** Whether a cluster's stack gets its cluster from its own config (an EKS cluster it creates or reads from a stack). */
function clusterFromConfig(config: Record<string, unknown> | undefined): boolean {
    const eks = config?.eks as { create?: unknown; clusterStack?: unknown } | undefined;
    return eks?.create === true || eks?.clusterStack !== undefined;
}

/** A path with a leading `~/` in the home folder `home`, as a shell would read it. */
function expandHome(file: string, home: string): string {
    return file.startsWith("~/") ? path.join(home, file.slice(2)) : file;
}

/**
 * Reads and checks a fleet file's text. `file` is its path (relative paths in it are relative to its
 * folder, `~/` to `home`); `defaultProject` the project folder used when the file names none.
 */
export function parseFleet(text: string, file: string, defaultProject: string, home = os.homedir()): Fleet {
    let document: unknown;
    try {
        document = yaml.load(text);
    } catch (error) {
        fail(file, `not YAML: ${(error as yaml.YAMLException).message}`);
    }
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
        fail(file, `expected a mapping with ${Object.keys(FLEET_SHAPE).join(", ")}.`);
    }
    const keys = checked<FleetKeys>(file, "fleet", document, { type: "object", fields: FLEET_SHAPE });
    requireFields(file, "", keys as unknown as Record<string, unknown>, FLEET_SHAPE);
    keys.waves.forEach((wave, index) =>
        requireFields(file, `waves[${index}]`, wave as unknown as Record<string, unknown>, FLEET_SHAPE.waves.of.fields),
    );
    keys.clusters.forEach((cluster, index) =>
        requireFields(file, `clusters[${index}]`, cluster as unknown as Record<string, unknown>, FLEET_SHAPE.clusters.of.fields),
    );

    const folder = path.dirname(path.resolve(file));
    const byName = new Map<string, ClusterKeys>();
    const byStack = new Map<string, string>();
    const byTarget = new Map<string, string>();
    for (const cluster of keys.clusters) {
        if (byName.has(cluster.name)) {
            fail(file, `cluster ${cluster.name} is listed twice in clusters.`);
        }
        byName.set(cluster.name, cluster);
        const stack = cluster.stack ?? cluster.name;
        const other = byStack.get(stack);
        if (other !== undefined) {
            fail(file, `clusters ${other} and ${cluster.name} both use stack ${stack}: each cluster needs a stack of its own.`);
        }
        byStack.set(stack, cluster.name);
        if (!clusterFromConfig({ ...keys.config, ...cluster.config })) {
            if (cluster.kubeconfig === undefined && cluster.context === undefined) {
                fail(
                    file,
                    `clusters[${cluster.name}] names no cluster: give its kubeconfig or context (or eks.create or eks.clusterStack in its config), so that no stack falls back to the current kubeconfig context.`,
                );
            }
            const target = `${cluster.kubeconfig === undefined ? "" : path.resolve(folder, expandHome(cluster.kubeconfig, home))}#${cluster.context ?? ""}`;
            const same = byTarget.get(target);
            if (same !== undefined) {
                fail(file, `clusters ${same} and ${cluster.name} have the same kubeconfig and context: one cluster would get two stacks.`);
            }
            byTarget.set(target, cluster.name);
        }
    }

    const placed = new Map<string, string>();
    const place = (name: string, where: string) => {
        if (!byName.has(name)) {
            fail(file, `${where} names cluster ${name}, which clusters does not list (it lists ${[...byName.keys()].join(", ")}).`);
        }
        const before = placed.get(name);
        if (before !== undefined) {
            fail(file, `cluster ${name} is in ${before} and in ${where}: each cluster is rolled once.`);
        }
        placed.set(name, where);
    };
    if (keys.canary !== undefined) {
        place(keys.canary, "canary");
    }
    const waveNames = new Set<string>();
    for (const wave of keys.waves) {
        if (waveNames.has(wave.name) || wave.name === "canary") {
            fail(file, `wave name ${wave.name} is used twice (the canary's wave is named canary).`);
        }
        waveNames.add(wave.name);
        wave.clusters.forEach((name) => place(name, `waves[${wave.name}]`));
    }
    const unplaced = [...byName.keys()].filter((name) => !placed.has(name));
    if (unplaced.length > 0) {
        fail(
            file,
            `cluster${unplaced.length > 1 ? "s" : ""} ${unplaced.join(", ")} ${unplaced.length > 1 ? "are" : "is"} in no wave: add ${unplaced.length > 1 ? "them" : "it"} to a wave, or remove ${unplaced.length > 1 ? "them" : "it"} from clusters.`,
        );
    }

    const project = keys.project === undefined ? defaultProject : path.resolve(folder, keys.project);
    const toCluster = (name: string): FleetCluster => {
        const cluster = byName.get(name)!;
        const kubeconfig = cluster.kubeconfig === undefined ? undefined : path.resolve(folder, expandHome(cluster.kubeconfig, home));
        return {
            name,
            stack: cluster.stack ?? name,
            kubeconfig,
            context: cluster.context,
            release: cluster.release ?? keys.release,
            stackConfig: clusterStackConfig(file, project, keys, cluster, kubeconfig),
        };
    };
    const gates = (over?: GateKeys): Gates => ({
        verify: over?.verify ?? keys.gates?.verify ?? GATES_SHAPE.verify.default,
        smoke: over?.smoke ?? keys.gates?.smoke ?? GATES_SHAPE.smoke.default,
        soakSeconds: over?.soakSeconds ?? keys.gates?.soakSeconds ?? GATES_SHAPE.soakSeconds.default,
    });
    const concurrency = keys.concurrency ?? FLEET_SHAPE.concurrency.default;
    const waves: FleetWave[] = [
        ...(keys.canary !== undefined ? [{ name: "canary", clusters: [toCluster(keys.canary)], concurrency: 1, gates: gates() }] : []),
        ...keys.waves.map((wave) => ({
            name: wave.name,
            clusters: wave.clusters.map(toCluster),
            concurrency: wave.concurrency ?? concurrency,
            gates: gates(wave.gates),
        })),
    ];
    return {
        name: keys.name,
        file: path.resolve(file),
        project,
        backend: keys.backend,
        onFailure: keys.onFailure ?? "halt",
        waves,
    };
}
