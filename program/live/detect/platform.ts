/**
 * Detection on any cluster: the server, the platform's namespace and release, the CRDs, Prometheus,
 * the GPU Operator, storage classes and ingress. Each rule is plain logic over a ClusterReader.
 */
import { DiscoveryBackend, Platform } from "../../../components/core/args";
import { configSetCommand, DynamoConfigError } from "../../../components/core/errors";
import { AWS_LOAD_BALANCER_CONTROLLER, AWS_LOAD_BALANCER_CONTROLLER_SELECTOR } from "../../../components/core/eksFacts";
import { OWNER_LABEL } from "../../../components/core/labels";
import {
    CRDS_CHART_CRDS,
    CRDS_RELEASE_NAME,
    CRDS_RELEASE_NAMESPACE,
    ETCD_STATEFUL_SET,
    NATS_STATEFUL_SET,
    PLATFORM_RELEASE_NAME,
} from "../../../components/core/names";
import { parseReleaseVersion } from "../../../components/core/versions";
import { ClusterReader } from "../reader";
import { checkKubernetesVersion } from "./preflight";
import { Detection, DetectionInput } from "./types";

export const PODMONITOR_CRD = "podmonitors.monitoring.coreos.com";
export const SERVICEMONITOR_CRD = "servicemonitors.monitoring.coreos.com";
export const GPU_OPERATOR_CRD = "clusterpolicies.nvidia.com";
/** kube-prometheus-stack labels its Services `self-monitor` whatever the release is called: only those are listed. */
export const PROMETHEUS_SERVICES_SELECTOR = "self-monitor";

export async function detectPrometheus(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.prometheusConfigured) {
        detection.decisions.push({ subject: "prometheus", found: "not looked up", decision: "configured endpoint used", level: "info" });
        return;
    }
    const [crd, services] = await Promise.all([reader.crd(PODMONITOR_CRD), reader.services(PROMETHEUS_SERVICES_SELECTOR)]);
    const service = services.find(
        (s) => s.labels.app === "kube-prometheus-stack-prometheus" || s.name.endsWith("-kube-prometheus-prometheus"),
    );
    if (crd === undefined || service === undefined) {
        const missing = [
            crd === undefined ? `CRD ${PODMONITOR_CRD}` : "",
            service === undefined ? "kube-prometheus-stack Prometheus service" : "",
        ].filter(Boolean);
        detection.decisions.push({
            subject: "prometheus",
            found: `no ${missing.join(" and no ")}`,
            decision: "no Prometheus endpoint",
            level: "info",
        });
        return;
    }
    const port = service.ports.find((p) => p.name === "http-web" || p.name === "web")?.port ?? service.ports[0]?.port ?? 9090;
    detection.prometheusEndpoint = `http://${service.name}.${service.namespace}.svc.cluster.local:${port}`;
    detection.decisions.push({
        subject: "prometheus",
        found: `kube-prometheus-stack service ${service.namespace}/${service.name}`,
        decision: `prometheusEndpoint ${detection.prometheusEndpoint}`,
        level: "info",
    });
}

/**
 * A namespace the stack would create must not exist already unless it is this stack's: the
 * Kubernetes provider would adopt it (server-side apply), and destroy would delete it with
 * everything the user keeps there.
 */
export async function detectNamespace(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { namespace, createNamespace } = input.settings;
    if (!createNamespace) {
        return;
    }
    const found = await reader.namespace(namespace);
    if (found !== undefined && found.labels[OWNER_LABEL] !== input.owner) {
        throw new DynamoConfigError(
            "dynamo:namespace",
            `The namespace "${namespace}" (dynamo:namespace) already exists and was not created by this stack: install into it without owning it (destroy then leaves it) with ${configSetCommand("dynamo:createNamespace", "false")}, or choose another namespace with ${configSetCommand("dynamo:namespace", "<name>")}.`,
        );
    }
    if (found?.terminating) {
        detection.terminatingNamespace = namespace;
    }
    detection.decisions.push({
        subject: "namespace",
        found:
            found === undefined
                ? `no namespace ${namespace}`
                : `namespace ${namespace}, created by this stack${found.terminating ? ", still terminating after a destroy" : ""}`,
        decision: found === undefined ? "create it" : found.terminating ? "wait until it is gone, then create it" : "keep managing it",
        level: "info",
    });
}

/**
 * Destroy does not wait for the namespace controller to finalize the namespace (5 s for an empty
 * one, more with pods still stopping), so an install right after a destroy may find it terminating:
 * the install waits for it here, as it cannot create a namespace that is still being deleted.
 */
export async function waitForNamespaceGone(reader: ClusterReader, namespace: string, timeoutSeconds: number, pollMs = 500): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while ((await reader.namespace(namespace)) !== undefined) {
        if (Date.now() >= deadline) {
            throw new DynamoConfigError(
                "dynamo:namespace",
                `The namespace "${namespace}" (dynamo:namespace), deleted by the last destroy, is still terminating after ${timeoutSeconds}s; \`kubectl get namespace ${namespace} -o yaml\` shows what it waits for (its status conditions), or choose another namespace.`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}

/**
 * The platform chart renders PodMonitors and a ServiceMonitor whenever `monitoring.coreos.com/v1` is
 * served (measured on the real 0.9.1 chart): with only one of the two CRDs, Helm fails mid-install
 * on the missing kind. Said before anything is created.
 */
export async function detectMonitoringCrds(reader: ClusterReader, _input: DetectionInput, detection: Detection): Promise<void> {
    const [podMonitors, serviceMonitors] = await Promise.all([reader.crd(PODMONITOR_CRD), reader.crd(SERVICEMONITOR_CRD)]);
    if ((podMonitors === undefined) === (serviceMonitors === undefined)) {
        return;
    }
    const [present, missing] = podMonitors ? [PODMONITOR_CRD, SERVICEMONITOR_CRD] : [SERVICEMONITOR_CRD, PODMONITOR_CRD];
    detection.decisions.push({
        subject: "monitoringCrds",
        found: `CRD ${present} without ${missing}`,
        decision:
            "the platform chart renders PodMonitors and a ServiceMonitor once monitoring.coreos.com/v1 is served, so its install will fail on the missing kind: install the Prometheus Operator's CRDs completely (kube-prometheus-stack) or remove the partial one",
        level: "warn",
    });
}

/** The release the platform namespace runs now, which the upgrade plan starts from. */
export async function detectInstalledRelease(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const namespace = input.settings.namespace;
    const version = await reader.helmReleaseChartVersion(namespace, PLATFORM_RELEASE_NAME);
    const subject = "installedRelease";
    if (version === undefined) {
        detection.decisions.push({
            subject,
            found: `no ${PLATFORM_RELEASE_NAME} release in ${namespace}`,
            decision: "plan an install",
            level: "info",
        });
        return;
    }
    const found = `${PLATFORM_RELEASE_NAME} ${version} in ${namespace}`;
    if (parseReleaseVersion(version) === undefined) {
        // A development build (`1.5.0-main.…`) has no place among the releases the plan orders.
        detection.decisions.push({
            subject,
            found,
            decision: `not a published release, so the upgrade is not checked; name the release it corresponds to with ${configSetCommand("dynamo:installedReleaseVersion", "<release>")}`,
            level: "warn",
        });
        return;
    }
    detection.installedReleaseVersion = version;
    detection.decisions.push({ subject, found, decision: `plan the upgrade from ${version}`, level: "info" });
}

/**
 * etcd and NATS the platform already runs stay, with their data, where the config does not say
 * otherwise: from 1.4 the charts install neither by default, and running models use them.
 */
export async function detectKeptSubcharts(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { settings, args } = input;
    const { namespace, chartLine } = settings;
    const [etcd, nats] = await Promise.all([
        reader.statefulSet(namespace, ETCD_STATEFUL_SET),
        reader.statefulSet(namespace, NATS_STATEFUL_SET),
    ]);
    if (etcd !== undefined && args?.discoveryBackend === undefined && chartLine.defaultDiscoveryBackend !== DiscoveryBackend.Etcd) {
        detection.discoveryBackend = DiscoveryBackend.Etcd;
        detection.decisions.push({
            subject: "etcd",
            found: `StatefulSet ${namespace}/${ETCD_STATEFUL_SET} (the platform's etcd, ${etcd.desired} member${etcd.desired === 1 ? "" : "s"})`,
            decision: `keep etcd discovery and etcd, with its data; ${configSetCommand("dynamo:discoveryBackend", "kubernetes")} moves the workloads to Kubernetes discovery and removes it`,
            level: "info",
        });
    }
    if (nats !== undefined && args?.installNats === undefined && !chartLine.installsNatsByDefault) {
        detection.installNats = true;
        detection.decisions.push({
            subject: "nats",
            found: `StatefulSet ${namespace}/${NATS_STATEFUL_SET} (the platform's NATS)`,
            decision: `keep it, with its JetStream volume; ${configSetCommand("dynamo:installNats", "false")} removes it`,
            level: "info",
        });
    }
}

/**
 * Whether the run must hand existing CRDs over to the `dynamo-crds` release before Helm can adopt
 * them (see installCrds). Not with `removeCrdsOnDestroy`, which renders the chart instead.
 */
export async function detectCrdsHandOver(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    if (input.settings.removeCrdsOnDestroy) {
        return;
    }
    if ((await reader.helmReleaseChartVersion(CRDS_RELEASE_NAMESPACE, CRDS_RELEASE_NAME)) !== undefined) {
        detection.crdsHandOver = false;
        return;
    }
    // On 1.x only a migration run still registers the CRDs release, which is then deployed (above);
    // the same CRDs come from the platform chart there.
    if (input.settings.chartLine.crdsChartVersion === undefined) {
        return;
    }
    const found = await Promise.all(CRDS_CHART_CRDS.map(async (name) => ((await reader.crd(name)) === undefined ? [] : [name])));
    const existing = found.flat();
    detection.crdsHandOver = existing.length > 0;
    if (existing.length > 0) {
        detection.decisions.push({
            subject: "crds",
            found: `${existing.join(", ")} without a ${CRDS_RELEASE_NAME} release (kept by an earlier destroy, or applied by kubectl)`,
            decision: `hand them over: the chart is rendered once more, retained, adding Helm's ownership metadata, and the ${CRDS_RELEASE_NAME} release adopts them`,
            level: "info",
        });
    }
}

export async function detectGpuOperator(reader: ClusterReader, _input: DetectionInput, detection: Detection): Promise<void> {
    if ((await reader.crd(GPU_OPERATOR_CRD)) === undefined) {
        detection.decisions.push({
            subject: "gpuOperator",
            found: "not installed",
            decision: "nothing changed (GPU nodes need the GPU Operator or their own drivers)",
            level: "info",
        });
        return;
    }
    const policies = await reader.clusterCustomObjects("nvidia.com", "v1", "clusterpolicies");
    const states = policies.map((p) => `${p.name}: ${p.state ?? "no state yet"}`).join(", ") || "no ClusterPolicy";
    detection.decisions.push({ subject: "gpuOperator", found: `installed (${states})`, decision: "status only", level: "info" });
}

export async function detectStorage(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { settings, owner } = input;
    const classes = await reader.storageClasses();
    const find = (name: string) => classes.find((c) => c.name === name);
    const isOurs = (labels: Record<string, string>) => labels[OWNER_LABEL] === owner;
    const key = (field: string) => `dynamo:${field}`;

    const persistence = settings.persistenceStorageClass;
    if (settings.platform === Platform.Kubernetes && persistence !== undefined) {
        const existing = find(persistence);
        if (existing === undefined) {
            detection.installLocalPath = true;
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `no StorageClass ${persistence}`,
                decision: "install local-path-provisioner",
                level: "info",
            });
        } else if (isOurs(existing.labels)) {
            detection.installLocalPath = true;
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `StorageClass ${persistence}, created by this stack`,
                decision: "keep managing it",
                level: "info",
            });
        } else {
            detection.installLocalPath = false;
            const ignored = settings.localPath ? `; ${key("localPath.install")} ignored, the class is not this stack's to take over` : "";
            detection.decisions.push({
                subject: "persistenceStorageClass",
                found: `StorageClass ${persistence} (${existing.provisioner})`,
                decision: `use it${ignored}`,
                level: "info",
            });
        }
    }

    const modelCache = settings.storageClass;
    const createsModelCache = settings.platform === Platform.Eks || settings.nfs !== undefined;
    const existing = find(modelCache);
    if (existing === undefined) {
        if (!createsModelCache) {
            throw new DynamoConfigError(
                key("storageClass"),
                `The model-cache StorageClass "${modelCache}" does not exist in the cluster: create it on an NFS export with ${configSetCommand(key("nfs.server"), "<nfs-server>")} and ${configSetCommand(key("nfs.share"), "<exported-path>")}, or use an existing ReadWriteMany class with ${configSetCommand(key("storageClass"), "<class>")}.`,
            );
        }
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `no StorageClass ${modelCache}`,
            decision: "create it",
            level: "info",
        });
    } else if (isOurs(existing.labels)) {
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `StorageClass ${modelCache}, created by this stack`,
            decision: "keep managing it",
            level: "info",
        });
    } else if (createsModelCache) {
        throw new DynamoConfigError(
            key("storageClass"),
            `The cluster already has a StorageClass "${modelCache}" that this stack did not create; it is never taken over. Set ${key("storageClass")} to another name, or ${settings.platform === Platform.Eks ? "use a cluster without it" : `remove ${key("nfs")} to use the existing class`}.`,
        );
    } else {
        detection.decisions.push({
            subject: "modelCacheStorageClass",
            found: `StorageClass ${modelCache} (${existing.provisioner})`,
            decision: "use it",
            level: "info",
        });
    }
}

export async function detectIngress(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const { ingress, platform } = input.settings;
    if (ingress.nginx) {
        detection.decisions.push({ subject: "ingress", found: "not looked up", decision: "install ingress-nginx", level: "info" });
        return;
    }
    const alb = platform === Platform.Eks && ingress.className === "alb";
    const [classes, controllers] = await Promise.all([
        reader.ingressClasses(),
        alb ? reader.deployments(AWS_LOAD_BALANCER_CONTROLLER_SELECTOR) : Promise.resolve([]),
    ]);
    const wanted = ingress.className;
    const served = classes.find((c) => c.name === wanted);
    // An `alb` class of the AWS Load Balancer Controller does nothing without the controller itself;
    // Auto Mode's own (`eks.amazonaws.com/alb`) is built in.
    if (served !== undefined && alb && served.controller === AWS_LOAD_BALANCER_CONTROLLER && controllers.length === 0) {
        detection.decisions.push({
            subject: "ingress",
            found: `IngressClass ${wanted} (${served.controller}) but no AWS Load Balancer Controller Deployment (${AWS_LOAD_BALANCER_CONTROLLER_SELECTOR})`,
            decision: "graph frontends get no working ingress until the controller runs: install the AWS Load Balancer Controller",
            level: "warn",
        });
        return;
    }
    if (served !== undefined) {
        const controller = controllers[0] ? `, served by ${controllers[0].namespace}/${controllers[0].name}` : "";
        detection.decisions.push({
            subject: "ingress",
            found: `IngressClass ${wanted} (${served.controller})${controller}`,
            decision: "frontend ingresses use it",
            level: "info",
        });
        return;
    }
    const advice =
        platform === Platform.Eks
            ? "ALB ingress needs the AWS Load Balancer Controller in the cluster"
            : `install ingress-nginx with ${configSetCommand("dynamo:ingress.installNginx", "true")}`;
    const found =
        classes.length === 0
            ? "no IngressClass"
            : `IngressClasses ${classes.map((c) => c.name).join(", ")}${wanted ? `, not ${wanted}` : ""}`;
    detection.decisions.push({ subject: "ingress", found, decision: `graph frontends get no working ingress: ${advice}`, level: "warn" });
}

/** The server's version, which every later finding is read against. */
export async function detectCluster(reader: ClusterReader, input: DetectionInput, detection: Detection): Promise<void> {
    const version = await reader.serverVersion();
    detection.decisions.push({ subject: "cluster", found: `Kubernetes ${version}`, decision: "auto-configuration applied", level: "info" });
    checkKubernetesVersion(version, input, detection);
}
