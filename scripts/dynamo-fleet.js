#!/usr/bin/env node
// The package's `dynamo-fleet` binary: `npm run fleet` from anywhere. It drives this project's
// program, so it runs from a checkout of the project (`npm install -g <checkout>` links it there);
// the packed component package carries no program and says so.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const source = path.join(root, "scripts", "fleet.ts");
if (!fs.existsSync(source) || !fs.existsSync(path.join(root, "Pulumi.yaml"))) {
    console.error(
        `dynamo-fleet: ${root} is not a checkout of the project (no Pulumi.yaml or scripts/fleet.ts): the fleet drives the project's program; install the binary from a checkout (npm install -g <checkout>) or run npm run fleet there.`,
    );
    process.exit(2);
}
require(require.resolve("ts-node", { paths: [root] })).register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
require(source);
