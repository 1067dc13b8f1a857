/**
 * `dynamo:storageClass`, `dynamo:persistenceStorageClass`, `dynamo:nfs` and `dynamo:localPath`:
 * block storage for etcd and NATS, the shared model cache, and the add-ons that provide them.
 */
import { bad, equal, InputGroup, NFS, storageClass } from "./cases";

export const STORAGE_INPUTS: InputGroup = {
    keys: ["dynamo:storageClass", "dynamo:persistenceStorageClass", "dynamo:nfs", "dynamo:localPath"],
    bad: [
        // dynamo:persistenceStorageClass
        bad(
            "cross-key",
            "k8s",
            "persistence on the model-cache class",
            { "dynamo:persistenceStorageClass": "nfs" },
            "dynamo:persistenceStorageClass",
            "ReadWriteOnce block storage",
        ),
        // dynamo:nfs
        bad(
            "type",
            "k8s",
            "an NFS export as one string",
            { "dynamo:nfs": "10.0.0.5:/exports" },
            "dynamo:nfs",
            "an object with the fields server, share",
        ),
        bad(
            "type",
            "k8s",
            "a list where the NFS object belongs",
            { "dynamo:nfs": ["10.0.0.5", "/exports"] },
            "dynamo:nfs",
            "an object with the fields",
        ),
        bad(
            "type",
            "k8s",
            "mount options as one string",
            { "dynamo:nfs": { ...NFS, mountOptions: "nfsvers=4.1" } },
            "dynamo:nfs.mountOptions",
            "a list such as",
        ),
        bad(
            "type",
            "k8s",
            "a misspelt NFS field",
            { "dynamo:nfs": { sever: "10.0.0.5", share: "/exports" } },
            "dynamo:nfs.sever",
            "did you mean dynamo:nfs.server?",
        ),
        bad(
            "value",
            "k8s",
            "a relative NFS share",
            { "dynamo:nfs": { ...NFS, share: "exports" } },
            "dynamo:nfs.share",
            "the exported directory as an absolute path",
        ),
        bad(
            "value",
            "k8s",
            "an NFS share with a space",
            { "dynamo:nfs": { ...NFS, share: "/exports/my models" } },
            "dynamo:nfs.share",
            "the exported directory as an absolute path",
        ),
        bad(
            "value",
            "k8s",
            "an NFS server with a space",
            { "dynamo:nfs": { ...NFS, server: "nfs server" } },
            "dynamo:nfs.server",
            "a host name or IP address",
        ),
        bad(
            "value",
            "k8s",
            "a mount option with a newline",
            { "dynamo:nfs": { ...NFS, mountOptions: ["nfsvers=4.1", "hard\nsoft"] } },
            "dynamo:nfs.mountOptions[1]",
            'a mount option such as "nfsvers=4.1"',
        ),
        bad(
            "value",
            "k8s",
            "a range as csi-driver-nfs version",
            { "dynamo:nfs": { ...NFS, driverChartVersion: "^4.13" } },
            "dynamo:nfs.driverChartVersion",
            "an exact chart version",
        ),
        bad(
            "security",
            "k8s",
            "credentials in an add-on chart repository URL",
            { "dynamo:nfs": { ...NFS, driverChartRepository: "https://u:p@charts.example" } },
            "dynamo:nfs.driverChartRepository",
            "an http(s) Helm repository URL",
        ),
        bad("cross-key", "eks", "NFS on EKS", { "dynamo:nfs": NFS }, "dynamo:nfs", "on EKS the model cache is EFS"),
        // dynamo:localPath
        bad(
            "type",
            "k8s",
            "a quoted boolean that is not one",
            { "dynamo:localPath": { install: "yes" } },
            "dynamo:localPath.install",
            "true or false",
        ),
        bad(
            "type",
            "k8s",
            "a misspelt local-path field",
            { "dynamo:localPath": { install: true, nodepath: "/data" } },
            "dynamo:localPath.nodepath",
            "did you mean dynamo:localPath.nodePath?",
        ),
        bad(
            "security",
            "k8s",
            "an unpinned local-path image",
            { "dynamo:localPath": { install: true, image: "rancher/local-path-provisioner:latest" } },
            "dynamo:localPath.image",
            "a pinned tag or digest",
        ),
        bad(
            "security",
            "k8s",
            "a path that climbs out of the local-path directory",
            { "dynamo:localPath": { install: true, nodePath: "/opt/../etc" } },
            "dynamo:localPath.nodePath",
            "an absolute directory on the nodes",
        ),
        bad(
            "security",
            "k8s",
            "the root directory as local-path directory",
            { "dynamo:localPath": { install: true, nodePath: "/" } },
            "dynamo:localPath.nodePath",
            "an absolute directory on the nodes below the root",
        ),
        bad(
            "cross-key",
            "eks",
            "local-path on EKS",
            { "dynamo:localPath": { install: true } },
            "dynamo:localPath.install",
            "on EKS etcd and NATS use EBS",
        ),
    ],
    valid: [
        {
            name: "booleans and numbers quoted in structured config",
            stack: "k8s",
            set: { "dynamo:nfs": { ...NFS, installDriver: "false" }, "dynamo:localPath": { install: "true" } },
            check: (r) => {
                equal(
                    r
                        .ofType("kubernetes:helm.sh/v3:Release")
                        .map((x) => x.inputs.name)
                        .includes("csi-driver-nfs"),
                    false,
                    "csi-driver-nfs installed",
                );
                equal(storageClass(r, "local-path").provisioner, "rancher.io/local-path", "local-path class");
            },
        },
        {
            name: "an IPv6 NFS server and the export root",
            stack: "k8s",
            set: { "dynamo:nfs": { server: "[fd00::5]", share: "/" } },
            check: (r) =>
                equal(
                    [storageClass(r, "nfs").parameters.server, storageClass(r, "nfs").parameters.share],
                    ["[fd00::5]", "/"],
                    "NFS parameters",
                ),
        },
        {
            name: "mount options with commas and colons",
            stack: "k8s",
            set: { "dynamo:nfs": { ...NFS, mountOptions: ["nfsvers=4.1", "hard", "timeo=600,retrans=2", "proto=tcp"] } },
            check: (r) =>
                equal(storageClass(r, "nfs").mountOptions, ["nfsvers=4.1", "hard", "timeo=600,retrans=2", "proto=tcp"], "mount options"),
        },
    ],
};
