/**
 * `dynamo:platform`, `dynamo:autoConfigure` and the switches of the platform's parts (Grove, KAI
 * Scheduler, NATS, the discovery backend).
 */
import { bad, InputGroup } from "./cases";

export const PLATFORM_INPUTS: InputGroup = {
    keys: [
        "dynamo:platform",
        "dynamo:autoConfigure",
        "dynamo:groveEnabled",
        "dynamo:kaiSchedulerEnabled",
        "dynamo:installGrove",
        "dynamo:installKaiScheduler",
        "dynamo:discoveryBackend",
        "dynamo:installNats",
    ],
    bad: [
        // dynamo:groveEnabled
        bad("type", "k8s", "a flag that is not a boolean", { "dynamo:groveEnabled": "yes" }, "dynamo:groveEnabled", "true or false"),
        // dynamo:installNats
        bad("type", "k8s", "a NATS switch that is not a boolean", { "dynamo:installNats": "on" }, "dynamo:installNats", "true or false"),
        // dynamo:discoveryBackend
        bad(
            "value",
            "k8s",
            "an unknown discovery backend",
            { "dynamo:discoveryBackend": "consul" },
            "dynamo:discoveryBackend",
            'one of "etcd", "kubernetes"',
        ),
    ],
    valid: [],
};
