/**
 * `dynamo:imageRegistry`, `dynamo:images` and the image pull secret: where the images come from.
 */
import { bad, InputGroup } from "./cases";

export const IMAGE_INPUTS: InputGroup = {
    keys: ["dynamo:imageRegistry", "dynamo:images", "dynamo:imagePullSecret", "dynamo:imagePullSecretPassword"],
    bad: [
        bad(
            "type",
            "k8s",
            "a misspelt pull-secret field",
            { "dynamo:imagePullSecret": { user: "me" } },
            "dynamo:imagePullSecret.user",
            "did you mean dynamo:imagePullSecret.username?",
        ),
        bad(
            "security",
            "k8s",
            "a pull-secret password in plain config",
            { "dynamo:imagePullSecret": { password: "nvapi-123" } },
            "dynamo:imagePullSecret.password",
            "pulumi config set --secret dynamo:imagePullSecretPassword",
        ),
    ],
    valid: [],
};
