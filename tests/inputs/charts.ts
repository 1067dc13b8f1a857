/**
 * `dynamo:chartRepository` and its credentials and CA: where the charts come from.
 */
import { bad, InputGroup } from "./cases";

export const CHART_INPUTS: InputGroup = {
    keys: ["dynamo:chartRepository", "dynamo:chartRepositoryUsername", "dynamo:chartRepositoryPassword", "dynamo:chartRepositoryCaFile"],
    bad: [
        // dynamo:chartRepository
        bad(
            "value",
            "k8s",
            "an OCI chart address with a tag",
            { "dynamo:chartRepository": "oci://nvcr.io/charts/dynamo-platform:0.9.1" },
            "dynamo:chartRepository",
            "an oci:// registry path",
        ),
        bad(
            "security",
            "k8s",
            "credentials in the chart repository URL",
            { "dynamo:chartRepository": "https://user:pass@helm.example/charts" },
            "dynamo:chartRepository",
            "an http(s) Helm repository URL",
        ),
        // dynamo:chartRepositoryUsername
        bad(
            "cross-key",
            "k8s",
            "a repository user without a password",
            { "dynamo:chartRepositoryUsername": "robot" },
            "dynamo:chartRepositoryUsername",
            "need both the user name and the password",
        ),
    ],
    valid: [],
};
