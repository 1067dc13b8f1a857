import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("dynamo-platform", {
    description: "Guardrails for NVIDIA Dynamo Platform stacks: CRDs, discovery, storage, EFS, images and ordering.",
    policies,
});
