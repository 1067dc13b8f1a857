/**
 * `dynamo:releaseVersion`, `dynamo:crdsVersion` and the keys of the upgrade plan and the CRDs'
 * lifecycle (`installedReleaseVersion`, `allowUnsupportedUpgrade`, `crdsHandOver`,
 * `removeCrdsOnDestroy`, `teardownTimeoutSeconds`): versions must be exact, published and of lines
 * that go together.
 */
import { T } from "../types";
import { bad, equal, InputGroup, release } from "./cases";

export const RELEASE_INPUTS: InputGroup = {
    keys: [
        "dynamo:releaseVersion",
        "dynamo:crdsVersion",
        "dynamo:installedReleaseVersion",
        "dynamo:allowUnsupportedUpgrade",
        "dynamo:crdsHandOver",
        "dynamo:removeCrdsOnDestroy",
        "dynamo:teardownTimeoutSeconds",
    ],
    bad: [
        // dynamo:releaseVersion
        bad(
            "value",
            "k8s",
            "a tag as release version",
            { "dynamo:releaseVersion": "latest" },
            "dynamo:releaseVersion",
            "an exact published version such as 0.9.1",
        ),
        bad(
            "value",
            "k8s",
            "a release older than the supported line",
            { "dynamo:releaseVersion": "0.8.1" },
            "dynamo:releaseVersion",
            "0.9.0 or later",
        ),
        // dynamo:crdsVersion
        bad(
            "cross-key",
            "k8s",
            "CRDs of another minor line",
            { "dynamo:releaseVersion": "0.9.0-post1", "dynamo:crdsVersion": "0.8.1" },
            "dynamo:crdsVersion",
            "a dynamo-crds version on the platform's 0.9 line",
        ),
        bad(
            "cross-key",
            "k8s",
            "a CRDs version on a 1.x release",
            { "dynamo:releaseVersion": "1.0.1", "dynamo:crdsVersion": "1.0.1" },
            "dynamo:crdsVersion",
            "remove crdsVersion",
        ),
    ],
    valid: [
        {
            name: "newer CRDs of the same minor line under a -post release",
            stack: "k8s",
            set: { "dynamo:releaseVersion": "0.9.0-post1", "dynamo:crdsVersion": "0.9.1" },
            check: (r) =>
                equal(
                    [r.object(T.release, "dynamo-crds").inputs.version, release(r, "dynamo-platform").version],
                    ["0.9.1", "0.9.0-post1"],
                    "versions",
                ),
        },
    ],
};
