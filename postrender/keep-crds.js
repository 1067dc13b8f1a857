#!/usr/bin/env node
// Helm post-renderer of the `dynamo-crds` release: marks every CustomResourceDefinition
// `helm.sh/resource-policy: keep`. Helm decides what an uninstall deletes from the manifest it
// stored, and the chart marks five of its six CRDs only; without this, `pulumi destroy` would delete
// DynamoWorkerMetadata and with it every worker's discovery record.
// Reads the rendered manifest on stdin, writes it to stdout as JSON documents (which are YAML).
"use strict";
const yaml = require("js-yaml");

function keepEveryCrd(manifest) {
    return yaml
        .loadAll(manifest)
        .filter((document) => document !== null && typeof document === "object")
        .map((document) => {
            if (document.kind === "CustomResourceDefinition") {
                const metadata = document.metadata ?? {};
                document.metadata = { ...metadata, annotations: { ...metadata.annotations, "helm.sh/resource-policy": "keep" } };
            }
            return `---\n${JSON.stringify(document)}\n`;
        })
        .join("");
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => process.stdout.write(keepEveryCrd(Buffer.concat(chunks).toString("utf8"))));
