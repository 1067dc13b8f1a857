import { strict as assert } from "assert";
import { verifyEks } from "../../../../program/live/verify/eks";
import { verifyPlatform } from "../../../../program/live/verify";
import { FakeCluster, fakeReader } from "../../../fakeCluster";

const zone = "topology.kubernetes.io/zone";
const node = (name: string, labels: Record<string, string>) => ({ name, ready: true, unschedulable: false, gpus: 0, labels });
const standardNodes = [node("ip-10-42-1-1", { [zone]: "us-west-2a" }), node("ip-10-42-65-1", { [zone]: "us-west-2b" })];
const autoNodes = standardNodes.map((n) => ({ ...n, labels: { ...n.labels, "eks.amazonaws.com/compute-type": "auto" } }));
const controllerPod = (envNames: string[]) => ({
    name: "efs-csi-controller-6d8f7c9b5-x2x7k",
    phase: "Running",
    ready: true,
    labels: { app: "efs-csi-controller" },
    envNames: ["CSI_ENDPOINT", ...envNames],
});

/** A healthy standard cluster under Pod Identity: agent, EFS driver with credentials, gp3 on the EBS add-on, ALB controller. */
function healthy(): FakeCluster {
    return {
        nodes: standardNodes,
        storageClasses: [{ name: "gp3", provisioner: "ebs.csi.aws.com", labels: {} }],
        csiDrivers: ["efs.csi.aws.com", "ebs.csi.aws.com"],
        deployments: { "kube-system/efs-csi-controller": { desired: 2, ready: 2 } },
        daemonSets: {
            "kube-system/efs-csi-node": { desired: 2, ready: 2 },
            "kube-system/eks-pod-identity-agent": { desired: 2, ready: 2 },
        },
        pods: { "kube-system": [controllerPod(["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])] },
        ingressClasses: [{ name: "alb", controller: "ingress.k8s.aws/alb" }],
        deploymentObjects: [
            {
                name: "aws-load-balancer-controller",
                namespace: "kube-system",
                labels: { "app.kubernetes.io/name": "aws-load-balancer-controller" },
                annotations: {},
            },
        ],
    };
}

const outputs = {
    eksIdentity: "podIdentity",
    eksAutoMode: false,
    efsMountTargetZones: ["us-west-2a", "us-west-2b"],
    persistenceStorageClass: "gp3",
};

async function rows(cluster: FakeCluster, out: Parameters<typeof verifyEks>[1] = outputs) {
    const results = await verifyEks(fakeReader(cluster), out);
    return Object.fromEntries(results.map((r) => [r.check, r]));
}

describe("verify on EKS", () => {
    it("reports every EKS fact as a row on a healthy cluster", async () => {
        const results = await verifyEks(fakeReader(healthy()), outputs);
        assert.deepEqual(
            results.map((r) => `${r.check}: ${r.status}: ${r.detail}`),
            [
                "EKS Auto Mode: ok: standard cluster; StorageClass gp3 on ebs.csi.aws.com",
                "Pod Identity agent: ok: DaemonSet kube-system/eks-pod-identity-agent 2/2 ready",
                "EFS CSI driver: ok: controller 2/2 ready, node DaemonSet 2/2 ready",
                "EFS CSI credentials: ok: 1 controller pod with AWS_CONTAINER_CREDENTIALS_FULL_URI (podIdentity)",
                "EFS mount targets: ok: in us-west-2a, us-west-2b; nodes in us-west-2a, us-west-2b",
                "ALB ingress: ok: IngressClass alb, served by kube-system/aws-load-balancer-controller",
            ],
        );
    });

    it("fails the agent row without the agent, and accepts Auto Mode's built-in one", async () => {
        const cluster = healthy();
        delete cluster.daemonSets!["kube-system/eks-pod-identity-agent"];
        const missing = (await rows(cluster))["Pod Identity agent"];
        assert.equal(missing.status, "fail");
        assert.match(missing.hint!, /Access Denied: `pulumi up` installs the eks-pod-identity-agent add-on/);
        const auto = await rows(
            { ...cluster, nodes: autoNodes, storageClasses: [{ name: "gp3", provisioner: "ebs.csi.eks.amazonaws.com", labels: {} }] },
            { ...outputs, eksAutoMode: true },
        );
        assert.deepEqual(
            [auto["Pod Identity agent"].detail, auto["EKS Auto Mode"].detail],
            [
                "built into EKS Auto Mode",
                "Auto Mode (2 nodes eks.amazonaws.com/compute-type=auto); StorageClass gp3 on ebs.csi.eks.amazonaws.com",
            ],
        );
    });

    it("fails Auto Mode when the block-storage class has the other provisioner, and warns when the stack was set up for the other kind", async () => {
        const wrongClass = (await rows({ ...healthy(), nodes: autoNodes }, { ...outputs, eksAutoMode: true }))["EKS Auto Mode"];
        assert.equal(wrongClass.status, "fail");
        assert.match(wrongClass.detail, /StorageClass gp3 provisions with ebs\.csi\.aws\.com/);
        const unexpected = (await rows({ ...healthy(), nodes: autoNodes }))["EKS Auto Mode"];
        assert.equal(unexpected.status, "warn");
        assert.match(unexpected.detail, /but the stack was set up for a standard cluster/);
    });

    it("fails the credentials row for controller pods started without them, and names the restart", async () => {
        const cluster = { ...healthy(), pods: { "kube-system": [controllerPod([])] } };
        const credentials = (await rows(cluster))["EFS CSI credentials"];
        assert.equal(credentials.status, "fail");
        assert.match(credentials.detail, /without AWS_CONTAINER_CREDENTIALS_FULL_URI \(podIdentity\)/);
        assert.match(credentials.hint!, /kubectl rollout restart deployment efs-csi-controller -n kube-system/);
        const irsa = await rows(
            { ...healthy(), pods: { "kube-system": [controllerPod(["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"])] } },
            { ...outputs, eksIdentity: "irsa" },
        );
        assert.equal(irsa["EFS CSI credentials"].status, "ok");
        assert.equal(irsa["Pod Identity agent"], undefined, "no agent row under IRSA");
    });

    it("fails the driver row, naming what is missing", async () => {
        const driver = (await rows({ ...healthy(), csiDrivers: [], deployments: {} }))["EFS CSI driver"];
        assert.equal(driver.status, "fail");
        assert.equal(driver.detail, "missing: CSIDriver efs.csi.aws.com, Deployment kube-system/efs-csi-controller");
    });

    it("fails the mount-target row for a zone with nodes and no mount target, and leaves it out for an existing file system", async () => {
        const cluster = { ...healthy(), nodes: [...standardNodes, node("ip-10-42-129-1", { [zone]: "us-west-2c" })] };
        const mountTargets = (await rows(cluster))["EFS mount targets"];
        assert.equal(mountTargets.status, "fail");
        assert.match(mountTargets.detail, /: none in us-west-2c$/);
        assert.equal((await rows(cluster, { ...outputs, efsMountTargetZones: [] }))["EFS mount targets"], undefined);
    });

    it("warns about an alb class without the controller, and accepts Auto Mode's own class", async () => {
        const alone = (await rows({ ...healthy(), deploymentObjects: [] }))["ALB ingress"];
        assert.equal(alone.status, "warn");
        const auto = (await rows({ ...healthy(), ingressClasses: [{ name: "alb", controller: "eks.amazonaws.com/alb" }] }))["ALB ingress"];
        assert.deepEqual([auto.status, auto.detail], ["ok", "IngressClass alb of EKS Auto Mode"]);
    });

    it("are part of verify when the stack outputs say EKS, and only then", async () => {
        const base = { namespace: "dynamo-system", platformReleaseName: "dynamo-platform", crdNames: [] };
        const checks = async (extra: object) => (await verifyPlatform(fakeReader(healthy()), { ...base, ...extra })).map((r) => r.check);
        assert.ok((await checks(outputs)).includes("EFS CSI credentials"));
        assert.ok(!(await checks({})).includes("EFS CSI credentials"));
    });
});
