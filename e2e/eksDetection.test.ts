/**
 * Auto-configuration's EKS facts, read from a real API server: the objects that mark a Pod Identity
 * agent, EKS Auto Mode nodes and the AWS Load Balancer Controller are created on the e2e cluster,
 * and detection (the program's own rules and reader) must report each. Runs last: it labels a node.
 */
import { strict as assert } from "assert";
import * as k8s from "@kubernetes/client-node";
import { DynamoPlatformArgs, Platform } from "../components/core/args";
import { resolveSettings } from "../components/core/settings";
import { detect, Detection, EKS_COMPUTE_TYPE_LABEL } from "../components/live/detection";
import { kubernetesClusterReader } from "../components/live/reader";
import { apps, core, eventually, exists } from "./harness";

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
const CONTROLLER = { namespace: "kube-system", name: "aws-load-balancer-controller" };

function detectOnCluster(): Promise<Detection> {
    return detect(kubernetesClusterReader(kubeconfig), {
        settings: resolveSettings(ARGS, "dynamo:"),
        args: ARGS,
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

function workload(name: string, labels: Record<string, string>) {
    return {
        metadata: { name, labels },
        spec: {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name, image: `registry.e2e.invalid/${name}:1.0.0` }] } },
        },
    };
}

describe("end-to-end: EKS facts read from the cluster (marker objects)", function () {
    let node = "";

    before(async () => {
        node = (await core.listNode()).items.map((n) => n.metadata!.name!).sort()[0];
    });

    after(async () => {
        await apps.deleteNamespacedDaemonSet(AGENT).catch(() => undefined);
        await apps.deleteNamespacedDeployment(CONTROLLER).catch(() => undefined);
        await networking.deleteIngressClass({ name: "alb" }).catch(() => undefined);
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
});
