/**
 * `dynamo:tolerations`, `dynamo:profile` and `dynamo:placement`: where the platform's pods run, and how many.
 */
import { bad, equal, InputGroup, release } from "./cases";

export const PLACEMENT_INPUTS: InputGroup = {
    keys: ["dynamo:tolerations", "dynamo:profile", "dynamo:placement"],
    bad: [
        // dynamo:tolerations
        bad("type", "k8s", "tolerations as a map", { "dynamo:tolerations": { key: "dedicated" } }, "dynamo:tolerations", "a list such as"),
        bad(
            "type",
            "k8s",
            "a misspelt toleration field",
            { "dynamo:tolerations": [{ key: "dedicated", efect: "NoSchedule" }] },
            "dynamo:tolerations[0].efect",
            "did you mean dynamo:tolerations[0].effect?",
        ),
        bad(
            "security",
            "k8s",
            "a toleration without a key",
            { "dynamo:tolerations": [{ operator: "Exists" }] },
            "dynamo:tolerations[0].key",
            "the taint key to tolerate",
        ),
        // dynamo:profile
        bad("value", "k8s", "a profile that does not exist", { "dynamo:profile": "production" }, "dynamo:profile", `one of "dev", "ha"`),
        // dynamo:placement
        bad(
            "value",
            "k8s",
            "a node selector label key with a space",
            { "dynamo:placement": { nodeSelector: { "node group": "system" } } },
            'dynamo:placement.nodeSelector key "node group"',
            "a node label key",
        ),
        bad(
            "type",
            "k8s",
            "a node affinity term list given as one object",
            { "dynamo:placement": { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } } } },
            "dynamo:placement.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
            "a list such as",
        ),
        bad(
            "cross-key",
            "k8s",
            "a node affinity beside a node selector",
            {
                "dynamo:placement": {
                    nodeSelector: { pool: "system" },
                    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} },
                },
            },
            "dynamo:placement.nodeAffinity",
            "dynamo:placement.nodeSelector",
        ),
    ],
    valid: [
        {
            name: "a toleration with Equal, a value and NoExecute",
            stack: "k8s",
            set: {
                "dynamo:discoveryBackend": "etcd",
                "dynamo:tolerations": [{ key: "example.com/pool", operator: "Equal", value: "ai_1.x", effect: "NoExecute" }],
            },
            check: (r) =>
                equal(
                    release(r, "dynamo-platform").values.etcd.tolerations[1],
                    { key: "example.com/pool", operator: "Equal", value: "ai_1.x", effect: "NoExecute" },
                    "toleration",
                ),
        },
        {
            name: "the ha profile pinned to a node group by a prefixed label",
            stack: "k8s",
            set: {
                "dynamo:discoveryBackend": "etcd",
                "dynamo:profile": "ha",
                "dynamo:placement": { nodeSelector: { "eks.amazonaws.com/nodegroup": "system-1.x_a" } },
            },
            check: (r) => {
                const values = release(r, "dynamo-platform").values;
                equal(values.etcd.replicaCount, 3, "etcd members");
                equal(
                    values.etcd.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
                    [{ key: "eks.amazonaws.com/nodegroup", operator: "In", values: ["system-1.x_a"] }],
                    "node selector",
                );
            },
        },
    ],
};
