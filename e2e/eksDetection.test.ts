/**
 * Auto-configuration's and verify's EKS facts, read from a real API server: the objects that mark a
 * Pod Identity agent, EKS Auto Mode nodes, the AWS Load Balancer Controller, an EBS CSI driver and a
 * gp3 class not the stack's, and the EFS CSI driver (with the credentials EKS injects) are created on
 * the e2e cluster, whose nodes carry zone labels, and detection and verify (the program's own rules
 * and reader) must report each. Starts from the harness's baseline; it labels a node and removes
 * the label and every marker afterwards.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { DynamoPlatformArgs, Platform } from "../components/core/args";
import { resolveSettings } from "../components/core/settings";
import { apiServerOf } from "../program/live/apiServer";
import { kubernetesClusterReader } from "../program/live/reader";
import { verifyEks } from "../program/live/verify/eks";
import { AwsReader, checkEksReadiness } from "../program/live/detect/awsReadiness";
import { apps, baseline, core, eventually, exists, storage } from "./harness";
import { applyDetection, detect } from "../program/live/detect";
import { Detection } from "../program/live/detect/types";
import { EBS_PROVISIONER, EFS_CSI_DRIVER, EFS_PROVISIONER, EKS_COMPUTE_TYPE_LABEL } from "../components/core/eksFacts";
import { CheckResult } from "../program/live/verify/types";

const kubeconfig = new k8s.KubeConfig();
kubeconfig.loadFromFile(process.env.KUBECONFIG!);
const networking = kubeconfig.makeApiClient(k8s.NetworkingV1Api);

const ARGS: DynamoPlatformArgs = {
    releaseVersion: "1.0.1",
    platform: Platform.Eks,
    namespace: "dynamo-eks-markers",
    createNamespace: false,
    eks: { clusterName: "e2e", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] },
};
const AGENT = { namespace: "kube-system", name: "eks-pod-identity-agent" };
const EFS_CONTROLLER = { namespace: "kube-system", name: EFS_CSI_DRIVER.controller };
const EFS_NODE = { namespace: "kube-system", name: EFS_CSI_DRIVER.nodeDaemonSet };
const CONTROLLER = { namespace: "kube-system", name: "aws-load-balancer-controller" };

function detectOnCluster(args: DynamoPlatformArgs = ARGS): Promise<Detection> {
    return detect(kubernetesClusterReader(apiServerOf(kubeconfig)), {
        settings: resolveSettings(args, "dynamo:"),
        args,
        owner: "e2e-eks-markers",
        prometheusConfigured: true,
        addonOwner: async () => undefined,
    });
}

function about(detection: Detection, subject: string) {
    const found = detection.decisions.filter((d) => d.subject === subject);
    assert.equal(found.length, 1, `one decision about ${subject}: ${JSON.stringify(detection.decisions)}`);
    return found[0];
}

function workload(name: string, labels: Record<string, string>, env: string[] = []) {
    const container = { name, image: `registry.e2e.invalid/${name}:1.0.0`, env: env.map((variable) => ({ name: variable, value: "e2e" })) };
    return {
        metadata: { name, labels },
        spec: {
            selector: { matchLabels: labels },
            // DaemonSets of EKS add-ons run on every node, GPU nodes included.
            template: { metadata: { labels }, spec: { containers: [container], tolerations: [{ operator: "Exists" }] } },
        },
    };
}

describe("end-to-end: EKS facts read from the cluster (marker objects)", function () {
    let node = "";

    before(async () => {
        await baseline("eksDetection");
        node = (await core.listNode()).items.map((n) => n.metadata!.name!).sort()[0];
    });

    after(async () => {
        await apps.deleteNamespacedDaemonSet(AGENT).catch(() => undefined);
        await apps.deleteNamespacedDeployment(CONTROLLER).catch(() => undefined);
        await networking.deleteIngressClass({ name: "alb" }).catch(() => undefined);
        await apps.deleteNamespacedDeployment(EFS_CONTROLLER).catch(() => undefined);
        await apps.deleteNamespacedDaemonSet(EFS_NODE).catch(() => undefined);
        await storage.deleteCSIDriver({ name: EFS_PROVISIONER }).catch(() => undefined);
        await storage.deleteCSIDriver({ name: EBS_PROVISIONER }).catch(() => undefined);
        await storage.deleteStorageClass({ name: "gp3" }).catch(() => undefined);
        await core
            .patchNode(
                { name: node, body: { metadata: { labels: { [EKS_COMPUTE_TYPE_LABEL]: null } } } },
                k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
            )
            .catch(() => undefined);
    });

    it("a standard cluster without an agent: the agent add-on is installed; no IngressClass alb: the controller is asked for", async () => {
        const detection = await detectOnCluster();
        assert.equal(detection.installPodIdentityAgent, true);
        assert.match(about(detection, "podIdentityAgent").decision, /install the eks-pod-identity-agent add-on/);
        assert.equal(about(detection, "autoMode").decision, "a standard cluster");
        assert.match(about(detection, "ingress").decision, /AWS Load Balancer Controller/);
    });

    it("the agent's DaemonSet and the AWS Load Balancer Controller with its IngressClass are found and used", async () => {
        await apps.createNamespacedDaemonSet({ namespace: AGENT.namespace, body: workload(AGENT.name, { app: AGENT.name }) });
        await networking.createIngressClass({ body: { metadata: { name: "alb" }, spec: { controller: "ingress.k8s.aws/alb" } } });
        const withoutController = await detectOnCluster();
        assert.equal(about(withoutController, "ingress").level, "warn", "an alb class with no controller serving it");
        await apps.createNamespacedDeployment({
            namespace: CONTROLLER.namespace,
            body: workload(CONTROLLER.name, { "app.kubernetes.io/name": CONTROLLER.name }),
        });
        const detection = await detectOnCluster();
        assert.equal(detection.installPodIdentityAgent, false);
        assert.match(about(detection, "podIdentityAgent").found, /^DaemonSet kube-system\/eks-pod-identity-agent \(\d+\/\d+ ready\)$/);
        assert.equal(
            about(detection, "ingress").found,
            "IngressClass alb (ingress.k8s.aws/alb), served by kube-system/aws-load-balancer-controller",
        );
        assert.equal(about(detection, "ingress").level, "info");
    });

    it("block storage: an EBS CSI driver installed elsewhere gets the gp3 class without the add-on; a gp3 class not this stack's is used", async () => {
        const withEbs = { ...ARGS, eks: { ...ARGS.eks!, installEbsCsiDriver: true, autoMode: false } };
        await storage.createCSIDriver({ body: { metadata: { name: EBS_PROVISIONER }, spec: { attachRequired: true } } });
        const driver = await detectOnCluster(withEbs);
        assert.equal(driver.existingEbsCsiDriver, true);
        assert.equal(about(driver, "ebsCsiDriver").found, "EBS CSI driver (CSIDriver ebs.csi.aws.com) installed outside this stack");
        await storage.createStorageClass({ body: { metadata: { name: "gp3" }, provisioner: EBS_PROVISIONER } });
        const existing = await detectOnCluster(withEbs);
        assert.equal(existing.useExistingBlockStorageClass, "gp3");
        const settings = resolveSettings(applyDetection(withEbs, existing), "dynamo:");
        assert.deepEqual(
            [settings.eks!.installEbsCsiDriver, settings.eks!.blockStorageClass, settings.persistenceStorageClass],
            [false, false, "gp3"],
        );
    });

    it("a node labelled by EKS Auto Mode: Auto Mode's storage, and its built-in agent", async () => {
        await apps.deleteNamespacedDaemonSet(AGENT);
        await eventually("the agent's DaemonSet deleted", async () => !(await exists(() => apps.readNamespacedDaemonSet(AGENT))));
        await core.patchNode(
            { name: node, body: { metadata: { labels: { [EKS_COMPUTE_TYPE_LABEL]: "auto" } } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        const detection = await detectOnCluster();
        assert.equal(detection.autoMode, true);
        assert.equal(about(detection, "autoMode").found, `EKS Auto Mode (1 node labelled ${EKS_COMPUTE_TYPE_LABEL}=auto)`);
        assert.equal(detection.installPodIdentityAgent, false);
        assert.equal(about(detection, "podIdentityAgent").found, "built into EKS Auto Mode");
    });

    it("the zones of the nodes: each reported, and one without a mount target warned about", async () => {
        const detection = await detectOnCluster();
        assert.deepEqual(detection.nodeZones, ["e2e-zone-a", "e2e-zone-b"]);
        const subnetInZoneA: AwsReader = {
            subnet: async (id) => ({ subnetId: id, vpcId: ARGS.eks!.vpcId as string, availabilityZone: "e2e-zone-a" }),
            clusterOidcIssuer: async () => undefined,
            oidcProviderClientIds: async () => undefined,
        };
        const settings = resolveSettings(ARGS, "dynamo:");
        const findings = await checkEksReadiness(subnetInZoneA, { eks: settings.eks!, efs: settings.efs, nodeZones: detection.nodeZones });
        assert.deepEqual(
            findings.map((f) => [f.level, f.found]),
            [["warn", "nodes in e2e-zone-b, where no subnet of dynamo:eks.privateSubnetIds lies"]],
        );
    });

    it("verify's EKS rows: Auto Mode, its agent, the EFS CSI driver with its credentials, mount targets per zone, the ALB controller", async () => {
        await storage.createCSIDriver({ body: { metadata: { name: EFS_PROVISIONER }, spec: { attachRequired: false } } });
        await apps.createNamespacedDaemonSet({ namespace: EFS_NODE.namespace, body: workload(EFS_NODE.name, { app: EFS_NODE.name }) });
        await apps.createNamespacedDeployment({
            namespace: EFS_CONTROLLER.namespace,
            body: workload(EFS_CONTROLLER.name, { app: EFS_CONTROLLER.name }, ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]),
        });
        const outputs = { eksIdentity: "podIdentity", eksAutoMode: true, efsMountTargetZones: ["e2e-zone-a"] };
        let rows: Record<string, CheckResult> = {};
        await eventually("the EFS CSI driver's pods ready", async () => {
            rows = Object.fromEntries(
                (await verifyEks(kubernetesClusterReader(apiServerOf(kubeconfig)), outputs)).map((r) => [r.check, r]),
            );
            return rows["EFS CSI driver"].status === "ok";
        });
        assert.deepEqual(
            Object.values(rows).map((r) => `${r.check}: ${r.status}: ${r.detail}`),
            [
                `EKS Auto Mode: ok: Auto Mode (1 node ${EKS_COMPUTE_TYPE_LABEL}=auto)`,
                "Pod Identity agent: ok: built into EKS Auto Mode",
                "EFS CSI driver: ok: controller 1/1 ready, node DaemonSet 5/5 ready",
                "EFS CSI credentials: ok: 1 controller pod with AWS_CONTAINER_CREDENTIALS_FULL_URI (podIdentity)",
                "EFS mount targets: fail: in e2e-zone-a; nodes in e2e-zone-a, e2e-zone-b: none in e2e-zone-b",
                "ALB ingress: ok: IngressClass alb, served by kube-system/aws-load-balancer-controller",
            ],
        );
        const irsa = await verifyEks(kubernetesClusterReader(apiServerOf(kubeconfig)), { ...outputs, eksIdentity: "irsa" });
        assert.match(
            irsa.find((r) => r.check === "EFS CSI credentials")!.detail,
            /without AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE \(irsa\)$/,
        );
    });
});
