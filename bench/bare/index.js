// The least a Pulumi program can do to install the platform: the two charts as Helm releases, with
// the values the project's stack gave Helm (bench/e2e.ts records them), and nothing else.
"use strict";
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const k8s = require("@pulumi/kubernetes");

const config = new pulumi.Config("bare");
const charts = config.require("charts");
const version = config.require("version");
const namespace = config.require("namespace");

// Releases before 1.0 ship their CRDs as a chart of their own; later ones in the platform chart.
const crds = config.requireBoolean("crdsChart")
    ? [
          new k8s.helm.v3.Release("dynamo-crds", {
              name: "dynamo-crds",
              chart: path.join(charts, `dynamo-crds-${version}.tgz`),
              namespace: "default",
          }),
      ]
    : [];
new k8s.helm.v3.Release(
    "dynamo-platform",
    {
        name: "dynamo-platform",
        // An archive, or the folder of a chart build served as a release.
        chart: fs.existsSync(path.join(charts, `dynamo-platform-${version}.tgz`))
            ? path.join(charts, `dynamo-platform-${version}.tgz`)
            : path.join(charts, `dynamo-platform-${version}`),
        namespace,
        createNamespace: true,
        values: config.requireObject("values"),
    },
    { dependsOn: crds },
);
