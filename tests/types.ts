/** Resource type tokens, as the engine receives them, for assertions across the tests. */
export const T = {
    release: "kubernetes:helm.sh/v3:Release",
    chart: "kubernetes:helm.sh/v4:Chart",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    crdPatch: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinitionPatch",
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    deploymentPatch: "kubernetes:apps/v1:DeploymentPatch",
    disruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    secret: "kubernetes:core/v1:Secret",
    stackReference: "pulumi:pulumi:StackReference",
    addon: "aws:eks/addon:Addon",
    rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    fileSystem: "aws:efs/fileSystem:FileSystem",
    mountTarget: "aws:efs/mountTarget:MountTarget",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
} as const;
