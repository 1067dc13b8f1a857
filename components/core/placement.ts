/**
 * Where the platform's own pods run and how many of them: the node affinity that keeps them off GPU
 * nodes, and the `ha` profile's replicas, spreading, disruption budgets and resources, as the values
 * of each subchart. Pure.
 *
 * The keys are the real charts' own (checked against every chart line in `../shared/charts`):
 * operator `controllerManager.{replicas,affinity}` (its hook Jobs read the same
 * affinity), Bitnami etcd 12.0.18 `replicaCount`/`affinity`/`topologySpreadConstraints`/`pdb`/`resources`,
 * NATS 1.3.2 `config.cluster`/`podTemplate`/`container`, KAI `global.affinity`. Grove's chart has no
 * affinity key and the operator's no PodDisruptionBudget: the component adds those itself
 * (`kubernetes/placement.ts`, `kubernetes/disruption.ts`).
 */
import { PlacementArgs, Profile } from "./args";
import { AWS_GPU_COUNT_LABELS } from "./eksFacts";
import { DynamoConfigError } from "./errors";
import { HOSTNAME_LABEL, POD_LABELS, ZONE_LABEL } from "./names";
import { PLACEMENT_SHAPE, PLATFORM_ARGS_SHAPE } from "./schema";
import { Values } from "./valueTree";

/** The zones nodes run in, sorted, each once; nodes without the zone label are left out. */
export function nodeZones(nodes: readonly { labels: Record<string, string> }[]): string[] {
    return [...new Set(nodes.map((node) => node.labels[ZONE_LABEL]).filter((zone): zone is string => Boolean(zone)))].sort();
}

/**
 * Labels that mark a GPU node: NVIDIA GPU feature discovery (GPU Operator), EKS Auto Mode and
 * Karpenter on AWS. A GPU node carrying none of them (drivers installed by hand, no feature
 * discovery) is not recognised; `placement.nodeSelector` pins the platform then.
 */
export const GPU_NODE_LABELS = ["nvidia.com/gpu.present", ...AWS_GPU_COUNT_LABELS];

/** How many replicas each component runs under `ha`; `dev` keeps the charts' single replica. */
export const HA_REPLICAS = { operator: 2, etcd: 3, nats: 3 } as const;

/**
 * Requests and limits under `ha`, where `dev` runs etcd on the chart's `micro` preset and NATS with
 * none. No CPU limits: throttling a control plane hurts more than it saves. The operator chart's own
 * (512m and 1Gi requested, 2Gi limit) already suit both profiles.
 */
export const HA_RESOURCES = {
    etcd: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    nats: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
} as const;

/** Placement and profile with defaults applied. */
export interface PlacementSettings {
    profile: Profile;
    /** The node affinity of every platform pod; undefined leaves the charts' own. */
    nodeAffinity?: Values;
}

/** The node affinity built from a node selector and the GPU preference. */
export function platformNodeAffinity(nodeSelector: Record<string, string>, avoidGpuNodes: boolean): Values | undefined {
    const affinity: Values = {};
    const required = Object.entries(nodeSelector);
    if (required.length > 0) {
        affinity.requiredDuringSchedulingIgnoredDuringExecution = {
            nodeSelectorTerms: [{ matchExpressions: required.map(([key, value]) => ({ key, operator: "In", values: [value] })) }],
        };
    }
    if (avoidGpuNodes) {
        affinity.preferredDuringSchedulingIgnoredDuringExecution = [
            { weight: 100, preference: { matchExpressions: GPU_NODE_LABELS.map((key) => ({ key, operator: "DoesNotExist" })) } },
        ];
    }
    return Object.keys(affinity).length > 0 ? affinity : undefined;
}

/** Checks and resolves `profile` and `placement`; `key` names the placement key in messages. */
export function resolvePlacement(key: string, profile: Profile | undefined, placement: PlacementArgs | undefined): PlacementSettings {
    const resolvedProfile = profile ?? PLATFORM_ARGS_SHAPE.profile.default;
    if (placement?.nodeAffinity !== undefined) {
        if (placement.nodeSelector !== undefined) {
            throw DynamoConfigError.conflict(
                `${key}.nodeAffinity`,
                `${key}.nodeSelector`,
                "the node affinity given replaces the one built from the node selector; put the selector's labels into its required terms",
            );
        }
        if (placement.avoidGpuNodes !== undefined) {
            throw DynamoConfigError.conflict(
                `${key}.nodeAffinity`,
                `${key}.avoidGpuNodes`,
                "the node affinity given replaces the GPU preference; add a preferred term on the GPU labels to keep it",
            );
        }
        return { profile: resolvedProfile, nodeAffinity: placement.nodeAffinity };
    }
    return {
        profile: resolvedProfile,
        nodeAffinity: platformNodeAffinity(
            placement?.nodeSelector ?? {},
            placement?.avoidGpuNodes ?? PLACEMENT_SHAPE.avoidGpuNodes.default,
        ),
    };
}

/** A preferred pod anti-affinity: replicas of one component on different nodes, then zones. */
function spreadReplicas(labels: Record<string, string>): Values {
    return {
        preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: HOSTNAME_LABEL, labelSelector: { matchLabels: labels } } },
            { weight: 50, podAffinityTerm: { topologyKey: ZONE_LABEL, labelSelector: { matchLabels: labels } } },
        ],
    };
}

/** `{affinity}` from its parts, without the empty ones; `{}` when there is none. */
function affinityValues(nodeAffinity: Values | undefined, podAntiAffinity?: Values): Values {
    const parts: Values = { ...(nodeAffinity ? { nodeAffinity } : {}), ...(podAntiAffinity ? { podAntiAffinity } : {}) };
    return Object.keys(parts).length > 0 ? { affinity: parts } : {};
}

/** Spread over zones and nodes; soft, so one-zone clusters and small ones still schedule every replica. */
const ZONE_AND_HOST_SPREAD = [ZONE_LABEL, HOSTNAME_LABEL].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: "ScheduleAnyway",
}));

/** What placement and profile add to each part of the platform values. */
export interface PlacementValues {
    operator: Values;
    etcd: Values;
    nats: Values;
    /** Under the KAI Scheduler chart's `global`, which each of its components reads. */
    kaiScheduler: Values;
}

/** The values per subchart for a placement. */
export function placementValues(placement: PlacementSettings): PlacementValues {
    const { nodeAffinity } = placement;
    if (placement.profile !== Profile.Ha) {
        return {
            operator: affinityValues(nodeAffinity),
            etcd: affinityValues(nodeAffinity),
            nats: { podTemplate: { merge: { spec: affinityValues(nodeAffinity) } } },
            kaiScheduler: affinityValues(nodeAffinity),
        };
    }
    return {
        operator: { ...affinityValues(nodeAffinity, spreadReplicas(POD_LABELS.operator)), replicas: HA_REPLICAS.operator },
        etcd: {
            // Setting `affinity` replaces the chart's soft anti-affinity preset, so `ha` states its own.
            ...affinityValues(nodeAffinity, spreadReplicas(POD_LABELS.etcd)),
            replicaCount: HA_REPLICAS.etcd,
            pdb: { create: true },
            topologySpreadConstraints: ZONE_AND_HOST_SPREAD.map((spread) => ({
                ...spread,
                labelSelector: { matchLabels: POD_LABELS.etcd },
            })),
            resources: HA_RESOURCES.etcd,
        },
        nats: {
            podTemplate: {
                merge: { spec: affinityValues(nodeAffinity) },
                // The NATS chart adds the label selector to each constraint itself.
                topologySpreadConstraints: Object.fromEntries(
                    ZONE_AND_HOST_SPREAD.map(({ topologyKey, ...spread }) => [topologyKey, spread]),
                ),
            },
            config: { cluster: { enabled: true, replicas: HA_REPLICAS.nats } },
            container: { merge: { resources: HA_RESOURCES.nats } },
        },
        kaiScheduler: affinityValues(nodeAffinity),
    };
}
