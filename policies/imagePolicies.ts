/** Container images must be pinned, in workloads and in Helm values. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnpinnedImage, unpinnedImagesInValues } from "../components/core/images";
import { HELM_RELEASE } from "./resources";

const WORKLOAD_POD_SPECS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const noLatestImageTags: ResourceValidationPolicy = {
    name: "no-latest-image-tags",
    description: "Container images must carry a pinned tag or digest, never latest or none: a platform must not change under a restart.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const unpinned: string[] = [];
        const podSpecPath = WORKLOAD_POD_SPECS[args.type];
        if (podSpecPath) {
            const spec = podSpecPath.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], args.props) as
                { containers?: { image?: string }[]; initContainers?: { image?: string }[] } | undefined;
            for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
                if (typeof container.image !== "string" || isUnpinnedImage(container.image)) {
                    unpinned.push(String(container.image));
                }
            }
        } else if (args.type === "kubernetes:core/v1:ConfigMap") {
            // Helper-pod templates (local-path-provisioner) carry images inside YAML text.
            for (const text of Object.values((args.props.data ?? {}) as Record<string, unknown>)) {
                for (const match of String(text).matchAll(/^\s*image:\s*["']?([^\s"']+)/gm)) {
                    if (isUnpinnedImage(match[1])) {
                        unpinned.push(match[1]);
                    }
                }
            }
        } else if (args.type === HELM_RELEASE) {
            unpinned.push(...unpinnedImagesInValues(args.props.values, "values"));
        }
        if (unpinned.length > 0) {
            reportViolation(`Unpinned container images: ${unpinned.join(", ")}; use an explicit version tag or digest.`);
        }
    },
};
