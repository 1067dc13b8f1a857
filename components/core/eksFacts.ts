/**
 * Names of things Amazon EKS and AWS put in a cluster (labels, add-ons, drivers, controllers),
 * stated once for the component that installs them, auto-configuration that looks for them, and
 * verify that checks them. A leaf: it imports nothing.
 */

/** The label EKS puts on every node with its compute type; `auto` on Auto Mode nodes, which are tainted by it. */
export const EKS_COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type";
export const AUTO_MODE_COMPUTE_TYPE = "auto";

/** CSI provisioners of EFS and EBS, and EKS Auto Mode's own block-storage provisioner. */
export const EFS_PROVISIONER = "efs.csi.aws.com";
export const EBS_PROVISIONER = "ebs.csi.aws.com";
export const EBS_AUTO_MODE_PROVISIONER = "ebs.csi.eks.amazonaws.com";

/** The add-on (and its DaemonSet in `kube-system`) that runs the Pod Identity agent on the nodes. */
export const POD_IDENTITY_AGENT = "eks-pod-identity-agent";

/** An EKS-managed CSI driver and the AWS managed policy its controller needs. */
export interface CsiDriverAddon {
    addonName: string;
    /** Controller service account in `kube-system` that assumes the role. */
    serviceAccount: string;
    managedPolicy: string;
    /** The add-on's controller Deployment and node DaemonSet in `kube-system`; its controller pods carry `app=<controller>`. */
    controller: string;
    nodeDaemonSet: string;
}

export const EFS_CSI_DRIVER: CsiDriverAddon = {
    addonName: "aws-efs-csi-driver",
    serviceAccount: "efs-csi-controller-sa",
    managedPolicy: "AmazonEFSCSIDriverPolicy",
    controller: "efs-csi-controller",
    nodeDaemonSet: "efs-csi-node",
};

export const EBS_CSI_DRIVER: CsiDriverAddon = {
    addonName: "aws-ebs-csi-driver",
    serviceAccount: "ebs-csi-controller-sa",
    managedPolicy: "AmazonEBSCSIDriverPolicy",
    controller: "ebs-csi-controller",
    nodeDaemonSet: "ebs-csi-node",
};

/** The block-storage class this package creates for etcd and NATS on EKS. */
export const EKS_GP3_CLASS = "gp3";

/** IngressClass controller of the AWS Load Balancer Controller, and the label of its Deployment. */
export const AWS_LOAD_BALANCER_CONTROLLER = "ingress.k8s.aws/alb";
export const AWS_LOAD_BALANCER_CONTROLLER_SELECTOR = "app.kubernetes.io/name=aws-load-balancer-controller";
/** IngressClass controller of EKS Auto Mode's built-in load balancing. */
export const AUTO_MODE_ALB_CONTROLLER = "eks.amazonaws.com/alb";

/** Node labels that count a node's GPUs, set by EKS Auto Mode and by Karpenter on AWS. */
export const AWS_GPU_COUNT_LABELS = ["eks.amazonaws.com/instance-gpu-count", "karpenter.k8s.aws/instance-gpu-count"];

/** The port NFS (and so EFS) listens on. */
export const NFS_PORT = 2049;
