/** Policies on the Dynamo Helm releases themselves: names, versions, discovery, order. */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { DiscoveryBackend } from "../components/core/args";
import { chartLineFor, crdsVersionProblem, parseReleaseVersion } from "../components/core/versions";
import { at, dynamoChartOf, objectName, persistenceClassesOf, ResourceLike, storageRole, STORAGE_CLASS } from "./resources";

export const discoveryBackendEtcd: ResourceValidationPolicy = {
    name: "dynamo-discovery-backend-etcd",
    description:
        "Before 1.4 the Dynamo operator should use etcd discovery: with Kubernetes discovery, KVBM handshakes can fail in multi-replica disaggregated deployments. From 1.4 Kubernetes discovery is the chart's own default and NVIDIA's.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (dynamoChartOf(args) !== "dynamo-platform") {
            return;
        }
        const release = typeof args.props.version === "string" ? parseReleaseVersion(args.props.version) : undefined;
        if (release !== undefined && chartLineFor(release).defaultDiscoveryBackend !== DiscoveryBackend.Etcd) {
            return;
        }
        const backend = at(args.props.values, "dynamo-operator", "discoveryBackend");
        if (backend !== DiscoveryBackend.Etcd) {
            const what = backend === undefined ? "left at the chart default (kubernetes since 0.8)" : JSON.stringify(backend);
            reportViolation(
                `dynamo-operator.discoveryBackend is ${what}; set it to "etcd" (dynamo:discoveryBackend) to avoid KVBM handshake failures in multi-replica disaggregated mode.`,
            );
        }
    },
};

export const platformReleaseName: ResourceValidationPolicy = {
    name: "dynamo-platform-release-name",
    description: "The platform release must be named dynamo-platform: the operator derives the etcd and NATS service names from it.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (dynamoChartOf(args) === "dynamo-platform" && args.props.name !== "dynamo-platform") {
            reportViolation(
                `The dynamo-platform chart is released as ${JSON.stringify(args.props.name)}; name it "dynamo-platform", or the operator looks for dynamo-platform-etcd and dynamo-platform-nats services that do not exist.`,
            );
        }
    },
};

export const dynamoChartVersionPinned: ResourceValidationPolicy = {
    name: "dynamo-chart-version-pinned",
    description:
        "Dynamo chart releases must pin an exact chart version: semver ranges order -postN releases wrongly and upgrades must be deliberate.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const chart = dynamoChartOf(args);
        if (chart === undefined) {
            return;
        }
        const version = args.props.version;
        if (typeof version !== "string" || parseReleaseVersion(version) === undefined) {
            reportViolation(
                `The ${chart} release has chart version ${JSON.stringify(version ?? "")}; pin an exact version such as 0.9.1 or 0.9.0-post1.`,
            );
        }
    },
};

function releasesOf(resources: ResourceLike[], chart: "dynamo-crds" | "dynamo-platform"): ResourceLike[] {
    return resources.filter((r) => dynamoChartOf(r) === chart);
}

export const crdsVersionMatchesPlatform: StackValidationPolicy = {
    name: "dynamo-crds-version-matches-platform",
    description:
        "The dynamo-crds chart (a Helm release or a chart Pulumi renders) must be an exact CRDs version on the platform release's minor line (by default the platform version without -postN), so the operator and its CRDs agree.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const platform of releasesOf(args.resources, "dynamo-platform")) {
            const release = typeof platform.props.version === "string" ? parseReleaseVersion(platform.props.version) : undefined;
            if (release === undefined) {
                continue;
            }
            for (const crds of releasesOf(args.resources, "dynamo-crds")) {
                const problem = crdsVersionProblem(release, String(crds.props.version));
                if (problem !== undefined) {
                    reportViolation(
                        `dynamo-crds is at ${JSON.stringify(crds.props.version)} but dynamo-platform is at ${release.text}; install ${problem}.`,
                        crds.urn,
                    );
                }
            }
        }
    },
};

export const platformAfterCrdsAndStorage: StackValidationPolicy = {
    name: "dynamo-platform-after-crds-and-storage",
    description:
        "The platform release must depend on the dynamo-crds chart and on the storage classes this stack creates for it, so they exist before the operator and its StatefulSets start.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const classes = args.resources.filter((r) => r.type === STORAGE_CLASS);
        for (const platform of args.resources.filter((r) => dynamoChartOf(r) === "dynamo-platform")) {
            const dependencies = new Set(platform.dependencies.map((d) => d.urn));
            const persistence = new Set(persistenceClassesOf(platform));
            const required = [
                ...releasesOf(args.resources, "dynamo-crds"),
                ...classes.filter((c) => storageRole(c) !== undefined || persistence.has(objectName(c) ?? "")),
            ];
            for (const resource of required) {
                if (!dependencies.has(resource.urn)) {
                    reportViolation(
                        `The dynamo-platform release does not depend on ${resource.type} ${objectName(resource) ?? resource.props.name ?? resource.urn}; add it to dependsOn so it is created first.`,
                        platform.urn,
                    );
                }
            }
        }
    },
};
