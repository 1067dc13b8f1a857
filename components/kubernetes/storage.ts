/**
 * Storage on plain Kubernetes: the NFS model cache through csi-driver-nfs, and local-path-provisioner
 * for etcd and NATS. Only classes this package creates are ever changed or deleted.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference, releaseOptions } from "../core/charts";
import { nfsDriverReleaseValues } from "../core/releaseValues";
import { ownedLabels, storageClassLabels, StorageRole } from "../core/labels";
import { LOCAL_PATH_NAMESPACE, LOCAL_PATH_PROVISIONER, NFS_PROVISIONER } from "../core/names";
import { LocalPathSettings, NfsSettings, PlatformSettings } from "../core/settings/types";

/**
 * The ReadWriteMany model-cache class backed by an NFS export, and the CSI driver unless the
 * cluster already has it (`driverChart` undefined).
 */
export function createNfsModelCache(
    name: string,
    settings: PlatformSettings,
    nfs: NfsSettings,
    driverChart: ChartReference | undefined,
    parent: pulumi.Resource,
): k8s.storage.v1.StorageClass {
    const className = settings.storageClass;
    const images = nfsDriverReleaseValues(settings);
    const driver = driverChart
        ? new k8s.helm.v3.Release(
              `${name}-csi-driver-nfs`,
              {
                  name: "csi-driver-nfs",
                  namespace: "kube-system",
                  ...driverChart,
                  ...(Object.keys(images).length > 0 ? { values: images } : {}),
                  skipAwait: settings.skipAwait,
                  ...releaseOptions(settings.helmReleaseOptions),
              },
              { parent },
          )
        : undefined;
    return new k8s.storage.v1.StorageClass(
        `${name}-model-cache`,
        {
            metadata: { name: className, labels: storageClassLabels(StorageRole.ModelCache) },
            provisioner: NFS_PROVISIONER,
            parameters: { server: nfs.server, share: nfs.share },
            mountOptions: nfs.mountOptions,
            reclaimPolicy: nfs.reclaimPolicy,
            volumeBindingMode: "Immediate",
            allowVolumeExpansion: true,
        },
        // The class is usable only once the driver serves its provisioner name.
        { parent, dependsOn: driver ? [driver] : [] },
    );
}

/**
 * local-path-provisioner (the pinned upstream release, written out as resources so nothing is
 * fetched at run time) and its ReadWriteOnce class named `className`. The provisioner is placed as
 * the platform's pods are; its helper pods run on the node of each volume, wherever etcd or NATS
 * landed, so they get the platform's tolerations.
 */
export function createLocalPathStorage(
    name: string,
    className: string,
    settings: LocalPathSettings,
    platform: Pick<PlatformSettings, "tolerations" | "placement" | "skipAwait">,
    parent: pulumi.Resource,
): k8s.storage.v1.StorageClass {
    const { skipAwait, tolerations } = platform;
    const nodeAffinity = platform.placement.nodeAffinity;
    const opts = { parent };
    const app = "local-path-provisioner";
    const child = (suffix: string) => `${name}-local-path-${suffix}`;
    const labels = { ...ownedLabels(), app };
    const namespace = new k8s.core.v1.Namespace(
        child("namespace"),
        { metadata: { name: LOCAL_PATH_NAMESPACE, labels: ownedLabels() } },
        opts,
    );
    const ns = namespace.metadata.name;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        child("service-account"),
        { metadata: { name: `${app}-service-account`, namespace: ns, labels } },
        opts,
    );
    const subjects = [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: ns }];

    // Helper pods that create and remove volume directories run in the provisioner's namespace.
    const role = new k8s.rbac.v1.Role(
        child("role"),
        {
            metadata: { name: `${app}-role`, namespace: ns, labels },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] }],
        },
        opts,
    );
    new k8s.rbac.v1.RoleBinding(
        child("role-binding"),
        {
            metadata: { name: `${app}-bind`, namespace: ns, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects,
        },
        opts,
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        child("cluster-role"),
        {
            metadata: { name: `${app}-role`, labels },
            rules: [
                {
                    apiGroups: [""],
                    resources: ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"],
                    verbs: ["get", "list", "watch"],
                },
                {
                    apiGroups: [""],
                    resources: ["persistentvolumes"],
                    verbs: ["get", "list", "watch", "create", "patch", "update", "delete"],
                },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
            ],
        },
        opts,
    );
    const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
        child("cluster-role-binding"),
        {
            metadata: { name: `${app}-bind`, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
            subjects,
        },
        opts,
    );
    const config = new k8s.core.v1.ConfigMap(
        child("config"),
        {
            metadata: { name: "local-path-config", namespace: ns, labels },
            data: {
                "config.json": JSON.stringify(
                    { nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [settings.nodePath] }] },
                    null,
                    2,
                ),
                setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
                teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
                "helperPod.yaml": [
                    "apiVersion: v1",
                    "kind: Pod",
                    "metadata:",
                    "  name: helper-pod",
                    "spec:",
                    "  priorityClassName: system-node-critical",
                    `  tolerations: ${JSON.stringify([{ key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" }, ...tolerations])}`,
                    "  containers:",
                    "    - name: helper-pod",
                    `      image: ${settings.helperImage}`,
                    "      imagePullPolicy: IfNotPresent",
                    "",
                ].join("\n"),
            },
        },
        opts,
    );
    const healthPort = 8080;
    const deployment = new k8s.apps.v1.Deployment(
        child("deployment"),
        {
            metadata: { name: app, namespace: ns, labels, annotations: skipAwait ? { "pulumi.com/skipAwait": "true" } : undefined },
            spec: {
                replicas: 1,
                selector: { matchLabels: { app } },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: serviceAccount.metadata.name,
                        tolerations,
                        ...(nodeAffinity ? { affinity: { nodeAffinity } } : {}),
                        containers: [
                            {
                                name: app,
                                image: settings.image,
                                imagePullPolicy: "IfNotPresent",
                                command: ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"],
                                ports: [{ name: "health", containerPort: healthPort, protocol: "TCP" }],
                                readinessProbe: { httpGet: { path: "/ready", port: "health" }, initialDelaySeconds: 5, periodSeconds: 5 },
                                livenessProbe: { httpGet: { path: "/health", port: "health" }, initialDelaySeconds: 10, periodSeconds: 10 },
                                volumeMounts: [{ name: "config-volume", mountPath: "/etc/config/" }],
                                env: [
                                    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                    { name: "CONFIG_MOUNT_PATH", value: "/etc/config/" },
                                    { name: "HEALTH_PORT", value: String(healthPort) },
                                ],
                            },
                        ],
                        volumes: [{ name: "config-volume", configMap: { name: config.metadata.name } }],
                    },
                },
            },
        },
        // The provisioner needs its cluster-wide permissions before it starts watching claims.
        { parent, dependsOn: [clusterRoleBinding] },
    );
    return new k8s.storage.v1.StorageClass(
        child("storage-class"),
        {
            metadata: { name: className, labels: storageClassLabels(StorageRole.Persistence) },
            provisioner: LOCAL_PATH_PROVISIONER,
            volumeBindingMode: "WaitForFirstConsumer",
            reclaimPolicy: "Delete",
        },
        { parent, dependsOn: [deployment] },
    );
}
