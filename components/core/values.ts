/**
 * Values of the `dynamo-platform` chart, built from resolved settings. Pure: plain data in and out.
 */
import { DiscoveryBackend } from "./args";
import { WEBHOOK_CERT_JOB_IMAGE } from "./images";
import { PlacementValues } from "./placement";
import { Toleration } from "./settings/types";
import { deepMerge, leafPaths, valueAt, Values, valuesAt } from "./valueTree";
import { ChartLine, ValuesLayout } from "./versions";

/** What the platform values depend on; every Input is already resolved. */
export interface PlatformValuesInput {
    chartLine: ChartLine;
    groveEnabled: boolean;
    kaiSchedulerEnabled: boolean;
    /** Install the bundled Grove; false uses the cluster's own (1.x). Default: as groveEnabled. */
    installGrove?: boolean;
    /** Install the bundled KAI Scheduler; false uses the cluster's own (1.x). Default: as kaiSchedulerEnabled. */
    installKaiScheduler?: boolean;
    discoveryBackend: DiscoveryBackend;
    /** Install NATS. Default: as the chart line does. */
    installNats?: boolean;
    prometheusEndpoint?: string;
    persistenceStorageClass?: string;
    tolerations: Toleration[];
    /** Affinity, replicas, spreading and resources of each subchart (see placement). */
    placement: PlacementValues;
    ingress?: { className: string; tlsSecretName?: string; annotations?: Record<string, string> };
    imagePullSecretNames: string[];
    /** Values that move images to a mirror (see imageCatalog), merged before `overrides`. */
    images?: Values;
    /** The user's `helmValues`, merged last. */
    overrides?: Values;
}

/** Where the chart reads the StorageClass of each ReadWriteOnce volume (etcd data, NATS JetStream). */
export const PERSISTENCE_CLASS_PATHS: readonly (readonly string[])[] = [
    ["etcd", "persistence", "storageClass"],
    ["nats", "config", "jetstream", "fileStore", "pvc", "storageClassName"],
];

/** The subchart switch keys a chart line reads. */
function switchKeys(layout: ValuesLayout): string[] {
    return leafPaths(subchartSwitches(layout, { etcd: true, nats: true, grove: true, kai: true, installGrove: true, installKai: true }));
}

/**
 * Subchart switch keys that a chart line does not read: set through `helmValues`, 1.2+ charts fail
 * the install on them ("BREAKING CHANGE") and 1.0/1.1 charts silently ignore them.
 */
export function foreignSwitchKeys(layout: ValuesLayout, values: Values): string[] {
    const own = switchKeys(layout);
    const everyLayout = new Set(Object.values(ValuesLayout).flatMap(switchKeys));
    return [...everyLayout].filter((key) => !own.includes(key) && valueAt(values, key.split(".")) !== undefined);
}

/** Whether the etcd subchart is installed: 0.9 workloads keep their state in etcd even with Kubernetes discovery. */
export function installsEtcd(chartLine: ChartLine, discoveryBackend: DiscoveryBackend): boolean {
    return chartLine.layout === ValuesLayout.SubchartToggles || discoveryBackend === DiscoveryBackend.Etcd;
}

interface Switches {
    etcd: boolean;
    nats: boolean;
    grove: boolean;
    kai: boolean;
    /** Install the bundled Grove and KAI (1.x; 0.9.x installs whatever is enabled). */
    installGrove: boolean;
    installKai: boolean;
}

function subchartSwitches(layout: ValuesLayout, on: Switches): Values {
    switch (layout) {
        case ValuesLayout.SubchartToggles:
            return {
                etcd: { enabled: on.etcd },
                nats: { enabled: on.nats },
                grove: { enabled: on.grove },
                "kai-scheduler": { enabled: on.kai },
            };
        case ValuesLayout.GlobalInstallExceptNats:
            return {
                global: {
                    etcd: { install: on.etcd },
                    grove: { install: on.installGrove, enabled: on.grove },
                    "kai-scheduler": { install: on.installKai, enabled: on.kai },
                },
                nats: { enabled: on.nats },
            };
        case ValuesLayout.GlobalInstall:
            return {
                global: {
                    etcd: { install: on.etcd },
                    nats: { install: on.nats },
                    grove: { install: on.installGrove, enabled: on.grove },
                    "kai-scheduler": { install: on.installKai, enabled: on.kai },
                },
            };
    }
}

function operatorValues(input: PlatformValuesInput): Values {
    const dynamo: Values = {};
    if (input.prometheusEndpoint) {
        // The operator reads this nested key; the top-level `prometheusEndpoint` of the docs is ignored.
        dynamo.metrics = { prometheusEndpoint: input.prometheusEndpoint };
    }
    if (input.ingress) {
        dynamo.ingress = {
            enabled: true,
            className: input.ingress.className,
            // The chart defaults to a placeholder secret name; null drops it when no TLS secret is given.
            tlsSecretName: input.ingress.tlsSecretName ?? null,
            ...(input.ingress.annotations ? { annotations: input.ingress.annotations } : {}),
        };
    }
    const controllerManager = deepMerge(
        { tolerations: input.tolerations, ...input.placement.operator },
        input.chartLine.operatorImageTag ? { manager: { image: { tag: input.chartLine.operatorImageTag } } } : {},
    );
    const hookJobs: Values = {};
    if (input.chartLine.layout === ValuesLayout.SubchartToggles) {
        // 0.9.x hook Jobs: the webhook certificate Jobs default to `bitnami/kubectl:latest`, so they
        // get a pinned image; the ssh-keygen Job's two images are written into its template, one of
        // them `latest`, so no value can pin or mirror them and it is off (see docs/airgap.md).
        hookJobs.webhook = { certGenerator: { image: { ...WEBHOOK_CERT_JOB_IMAGE } } };
        dynamo.mpiRun = { sshKeygen: { enabled: false } };
    }
    return {
        ...hookJobs,
        discoveryBackend: input.discoveryBackend,
        // From 1.0 the CRDs come with the operator: keep them following it on every upgrade.
        ...(input.chartLine.crdsChartVersion === undefined ? { upgradeCRD: true } : {}),
        controllerManager,
        ...(Object.keys(dynamo).length > 0 ? { dynamo } : {}),
        ...(input.imagePullSecretNames.length > 0 ? { imagePullSecrets: input.imagePullSecretNames.map((name) => ({ name })) } : {}),
    };
}

/** The complete values for the `dynamo-platform` release. */
export function buildPlatformValues(input: PlatformValuesInput): Values {
    const etcd = installsEtcd(input.chartLine, input.discoveryBackend);
    const nats = input.installNats ?? input.chartLine.installsNatsByDefault;
    const values: Values = { "dynamo-operator": operatorValues(input) };
    if (nats) {
        values.nats = deepMerge(
            {
                config: { jetstream: { fileStore: { pvc: { enabled: true } } } },
                podTemplate: { merge: { spec: { tolerations: input.tolerations } } },
            },
            input.placement.nats,
        );
    }
    if (etcd) {
        values.etcd = { persistence: { enabled: true }, tolerations: input.tolerations, ...input.placement.etcd };
    }
    const installGrove = input.groveEnabled && (input.installGrove ?? true);
    const installKai = input.kaiSchedulerEnabled && (input.installKaiScheduler ?? true);
    if (installGrove) {
        values.grove = { tolerations: input.tolerations };
    }
    if (installKai) {
        values["kai-scheduler"] = {
            global: { tolerations: input.tolerations, ...input.placement.kaiScheduler },
            ...(installGrove && input.chartLine.kaiStalenessGracePeriod
                ? { scheduler: { args: { "default-staleness-grace-period": "-1s" } } }
                : {}),
        };
    }
    const persistence = input.persistenceStorageClass;
    const withClasses = PERSISTENCE_CLASS_PATHS.filter((path) => persistence && valueAt(values, path.slice(0, 1)) !== undefined).reduce(
        (tree, path) => deepMerge(tree, valuesAt(path, persistence)),
        values,
    );
    const withSwitches = deepMerge(
        withClasses,
        subchartSwitches(input.chartLine.layout, {
            etcd,
            nats,
            grove: input.groveEnabled,
            kai: input.kaiSchedulerEnabled,
            installGrove,
            installKai,
        }),
    );
    const withImages = input.images ? deepMerge(withSwitches, input.images) : withSwitches;
    return input.overrides ? deepMerge(withImages, input.overrides) : withImages;
}
