import * as pulumi from "@pulumi/pulumi";

export const prometheusEndpoint = new pulumi.Config().require("prometheusEndpoint");
