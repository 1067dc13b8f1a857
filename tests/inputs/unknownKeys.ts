/**
 * Keys the program does not have, misspelt or invented: the error names the key and, when one is
 * close, the key that was meant. The file's keys are those of its cases; the grouping test checks
 * that they stay unknown to the program.
 */
import { bad, BadInput, InputGroup } from "./cases";

const UNKNOWN_KEYS: BadInput[] = [
    bad(
        "type",
        "k8s",
        "a misspelt top-level key",
        { "dynamo:releaseVerison": "0.9.1" },
        "dynamo:releaseVerison",
        "did you mean dynamo:releaseVersion?",
    ),
    bad(
        "type",
        "k8s",
        "a key that does not exist",
        { "dynamo:prometheusUrl": "http://prom:9090" },
        "dynamo:prometheusUrl",
        "Unknown config key",
    ),
];

export const UNKNOWN_KEY_INPUTS: InputGroup = {
    keys: UNKNOWN_KEYS.map((input) => input.key),
    bad: UNKNOWN_KEYS,
    valid: [],
};
