/**
 * `dynamo:ingress`: the ingress class and ingress-nginx.
 */
import { bad, InputGroup } from "./cases";

export const INGRESS_INPUTS: InputGroup = {
    keys: ["dynamo:ingress"],
    bad: [
        bad(
            "type",
            "k8s",
            "a misspelt ingress field",
            { "dynamo:ingress": { classname: "nginx" } },
            "dynamo:ingress.classname",
            "did you mean dynamo:ingress.className?",
        ),
        bad(
            "value",
            "k8s",
            "an ingress class with punctuation",
            { "dynamo:ingress": { className: "Nginx!" } },
            "dynamo:ingress.className",
            "a Kubernetes object name",
        ),
        bad(
            "cross-key",
            "k8s",
            "ingress-nginx under another class name",
            { "dynamo:ingress": { installNginx: true, className: "traefik" } },
            "dynamo:ingress.className",
            'serves IngressClass "nginx"',
        ),
    ],
    valid: [],
};
