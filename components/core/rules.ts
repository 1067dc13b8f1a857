/**
 * What each kind of string value must look like: one rule per kind, stated once, used by the
 * input schema (component and program) and by the policy pack. Pure.
 */
import { nfsSourceCidrProblem } from "./network";
import { isUnpinnedImage } from "./images";
import { EXACT_CHART_VERSION, parseReleaseVersion } from "./versions";

/** A rule for one kind of string. */
export interface ValueRule {
    /** What is accepted, as an error message states it. */
    readonly accepted: string;
    /** Why `value` is refused (empty when "not what is accepted" says it all), or undefined when it is accepted. */
    problem(value: string): string | undefined;
}

/** A rule that is a pattern and nothing more. */
function pattern(regex: RegExp, accepted: string): ValueRule {
    return { accepted, problem: (value) => (regex.test(value) ? undefined : "") };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;

/**
 * Namespaces the platform must never take: Kubernetes' own, `default` (a destroy of a namespace the
 * stack created would empty it), and the one local-path-provisioner gets from this stack.
 */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage", "ingress-nginx"];

export const NAMESPACE: ValueRule = {
    accepted: "a DNS-1123 label of your own (lower-case letters, digits and '-', at most 63 characters), not a system namespace",
    problem: (value) => {
        if (value.length > 63 || !DNS1123_LABEL.test(value)) {
            return "";
        }
        if (RESERVED_NAMESPACES.includes(value) || value.startsWith("kube-")) {
            return `"${value}" is a system namespace: the platform would share it with cluster components, and destroy could delete it`;
        }
        return undefined;
    },
};

export const OBJECT_NAME = pattern(
    DNS1123_SUBDOMAIN,
    "a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
);

export const HOST = pattern(
    new RegExp(`${HOST_NAME.source}|${BRACKETED_IPV6.source}`),
    "a host name or IP address (IPv6 in brackets), e.g. nfs.example.internal or 10.0.0.5",
);

export const REGISTRY_HOST = pattern(
    new RegExp(`^(${HOST_NAME.source.slice(1, -1)}|${BRACKETED_IPV6.source.slice(1, -1)})(:\\d{1,5})?$`),
    "a registry host, optionally with a port, such as nvcr.io or registry.internal:5000",
);

function parsedUrl(value: string): URL | undefined {
    try {
        return new URL(value);
    } catch {
        return undefined;
    }
}

/**
 * A URL of one of `protocols` (http(s) unless said) with a host and no credentials;
 * `credentialsAdvice` says where credentials go instead.
 */
function httpUrl(accepted: string, credentialsAdvice: string, protocols = ["http:", "https:"]): ValueRule {
    return {
        accepted,
        problem: (value) => {
            const url = parsedUrl(value);
            if (url === undefined || !protocols.includes(url.protocol) || url.hostname === "") {
                return "";
            }
            if (url.username !== "" || url.password !== "") {
                return `it carries credentials, which would be stored in plain text: ${credentialsAdvice}`;
            }
            return undefined;
        },
    };
}

export const PROMETHEUS_URL = httpUrl(
    "an http:// or https:// URL with a host, e.g. http://prometheus.monitoring.svc.cluster.local:9090",
    "the operator hands this URL to every workload, so give it an in-cluster address that needs none",
);

const LOCAL_FOLDER = /^(\/|\.\/|\.\.\/|file:\/\/)/;

/** A Helm repository URL, an OCI registry path or a local chart folder; `credentialsAdvice` says where credentials go. */
export function chartSourceRule(credentialsAdvice: string): ValueRule {
    const accepted =
        "an http(s) Helm repository URL, an oci:// registry path (e.g. oci://registry.internal/charts) or a local folder (absolute, ./relative or file://) of <chart>-<version>.tgz archives or chart folders";
    const repository = httpUrl(accepted, credentialsAdvice);
    const registry = httpUrl(accepted, credentialsAdvice, ["oci:"]);
    return {
        accepted,
        problem: (value) => {
            if (LOCAL_FOLDER.test(value)) {
                return pathProblem(value.replace(/^file:\/\//, ""));
            }
            if (!value.startsWith("oci://")) {
                return repository.problem(value);
            }
            // A registry path names where charts live: no chart tag, digest or query.
            return /[:@?#]/.test(value.slice("oci://".length).replace(/^[^/]*/, "")) ? "" : registry.problem(value);
        },
    };
}

/** A file on the machine that runs Pulumi. */
export const LOCAL_FILE: ValueRule = {
    accepted: "the path of a PEM file on the machine that runs Pulumi, absolute or ./relative, e.g. /etc/ssl/mirror-ca.pem",
    problem: (value) => (/^(\/|\.\/|\.\.\/)\S+$/.test(value) ? undefined : ""),
};

/** Why a path is unsafe to hand to a node or a server, or undefined. */
function pathProblem(value: string): string | undefined {
    const segments = value.split("/").slice(1);
    if (segments.some((s) => s === "." || s === "..")) {
        return "'.' and '..' segments could leave the intended directory";
    }
    return undefined;
}

/** An absolute path; `allowRoot` for an NFS export, which may be the server's root. */
function absolutePath(accepted: string, allowRoot: boolean): ValueRule {
    return {
        accepted,
        problem: (value) => {
            if (!value.startsWith("/") || /\/\/|\s/.test(value) || (value.length > 1 && value.endsWith("/"))) {
                return "";
            }
            if (value === "/" && !allowRoot) {
                return "the root directory would put volumes among the system's own files";
            }
            return pathProblem(value);
        },
    };
}

export const NFS_SHARE = absolutePath("the exported directory as an absolute path, e.g. /exports/models", true);
export const NODE_DIRECTORY = absolutePath("an absolute directory on the nodes below the root, e.g. /opt/local-path-provisioner", false);
export const EFS_BASE_PATH = absolutePath("an absolute directory below the file system's root, e.g. /dynamo", false);

export const MOUNT_OPTION = pattern(/^[A-Za-z0-9_.=:/,+-]+$/, 'a mount option such as "nfsvers=4.1" or "hard" (no spaces)');

const REGISTRY_PATH_SEGMENT = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

export const IMAGE_REGISTRY: ValueRule = {
    accepted:
        "a registry host with an optional port and path, such as registry.internal:5000 or registry.internal/dynamo (no scheme, no tag)",
    problem: (value) => {
        const [host, ...segments] = value.split("/");
        if (REGISTRY_HOST.problem(host) !== undefined || !segments.every((segment) => REGISTRY_PATH_SEGMENT.test(segment))) {
            return "";
        }
        return undefined;
    },
};

export const IMAGE_REPOSITORY: ValueRule = {
    accepted: "an image repository without tag, as npm run images lists it, e.g. docker.io/bitnami/kubectl",
    problem: (value) => (/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/.test(value) ? undefined : ""),
};

export const PINNED_IMAGE: ValueRule = {
    accepted: "an image with a pinned tag or digest, e.g. registry/name:1.2.3 (not latest)",
    problem: (value) => (isUnpinnedImage(value) || /\s/.test(value) ? "" : undefined),
};

export const STACK_NAME = pattern(
    /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/,
    "a stack name: stack, project/stack or org/project/stack (letters, digits, '-', '_' and '.')",
);

export const RELEASE_VERSION: ValueRule = {
    accepted: "an exact published version such as 0.9.1, 0.9.0-post1 or 1.2.0 (no ranges, no 'v' prefix)",
    problem: (value) => (parseReleaseVersion(value) === undefined ? "" : undefined),
};

export const CHART_VERSION = pattern(EXACT_CHART_VERSION, "an exact chart version such as 1.2.3 (no ranges)");

export const EKS_CLUSTER_NAME = pattern(
    /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
    "an EKS cluster name (letters, digits, '-' and '_', at most 100)",
);
export const VPC_ID = pattern(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, "a VPC id such as vpc-0a1b2c3d4e5f60718");
export const SUBNET_ID = pattern(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, "a subnet id such as subnet-0a1b2c3d");
export const SECURITY_GROUP_ID = pattern(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, "a security group id such as sg-0a1b2c3d");
export const EFS_FILE_SYSTEM_ID = pattern(/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/, "an EFS file system id: fs- followed by 8 or 17 hex digits");
export const OIDC_PROVIDER_ARN = pattern(
    /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[A-Za-z0-9.\-/]+$/,
    "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE",
);
export const KMS_KEY_ARN = pattern(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|alias\/[A-Za-z0-9/_-]+)$/,
    "a KMS key or alias ARN such as arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
);
export const NFS_SOURCE_CIDR: ValueRule = {
    accepted: "the IPv4 network allowed to reach EFS, a /8 or narrower such as 10.0.0.0/16 (never 0.0.0.0/0)",
    problem: nfsSourceCidrProblem,
};
export const KUBERNETES_VERSION = pattern(/^1\.\d{2}$/, 'a Kubernetes minor version as a quoted string, e.g. "1.34"');
export const INSTANCE_TYPE = pattern(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type such as m5.large");
export const OCTAL_MODE = pattern(/^[0-7]{3,4}$/, 'an octal mode as a string, e.g. "700" or "777"');
export const AWS_TAG_KEY: ValueRule = {
    accepted: "a tag key of at most 128 characters, not starting with aws:",
    problem: (value) => (value.length > 128 ? "" : value.toLowerCase().startsWith("aws:") ? "AWS reserves the aws: prefix" : undefined),
};
export const AWS_TAG_VALUE = pattern(/^.{0,256}$/, "a tag value of at most 256 characters");
/** A Kubernetes qualified name with an optional DNS-subdomain prefix: how label and taint keys look. */
const QUALIFIED_NAME =
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** How label and taint values look; empty is allowed. */
const LABEL_VALUE_TEXT = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
export const TOLERATION_KEY = pattern(QUALIFIED_NAME, "a taint key such as nvidia.com/gpu or dedicated");
export const TOLERATION_VALUE = pattern(LABEL_VALUE_TEXT, "a taint value (letters, digits, '-', '_', '.', at most 63)");
export const LABEL_KEY = pattern(QUALIFIED_NAME, "a node label key such as eks.amazonaws.com/nodegroup or node-role");
export const LABEL_VALUE = pattern(LABEL_VALUE_TEXT, "a node label value (letters, digits, '-', '_', '.', at most 63)");
export const REGISTRY_USERNAME = pattern(/^\S+$/, "a registry user name without spaces, such as $oauthtoken");
