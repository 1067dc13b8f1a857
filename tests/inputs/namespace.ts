/**
 * `dynamo:namespace` and `dynamo:createNamespace`: the platform's namespace, never a system one.
 */
import { bad, equal, InputGroup, release } from "./cases";

export const NAMESPACE_INPUTS: InputGroup = {
    keys: ["dynamo:namespace", "dynamo:createNamespace"],
    bad: [
        bad("value", "k8s", "an upper-case namespace", { "dynamo:namespace": "Dynamo" }, "dynamo:namespace", "a DNS-1123 label"),
        bad(
            "security",
            "k8s",
            "kube-system as the platform namespace",
            { "dynamo:namespace": "kube-system" },
            "dynamo:namespace",
            "not a system namespace",
        ),
        bad(
            "security",
            "k8s",
            "default as the platform namespace",
            { "dynamo:namespace": "default" },
            "dynamo:namespace",
            "not a system namespace",
        ),
        bad(
            "security",
            "k8s",
            "the local-path namespace as the platform namespace",
            { "dynamo:namespace": "local-path-storage" },
            "dynamo:namespace",
            "not a system namespace",
        ),
    ],
    valid: [
        {
            name: "a 63-character namespace",
            stack: "k8s",
            set: { "dynamo:namespace": `dynamo-${"x".repeat(56)}` },
            check: (r) => equal(release(r, "dynamo-platform").namespace, `dynamo-${"x".repeat(56)}`, "namespace"),
        },
    ],
};
