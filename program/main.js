// Pulumi.yaml's `main`. Pulumi starts this file as JavaScript, so no run type-checks the program:
// `npm ci` and `npm run build` compile it into bin/ (type-checked there, as `npm test` does), and
// that build runs. When a source file is newer than the build (an edit, a pull), the sources run
// instead, transpiled only, so what runs is always what is on disk.
"use strict";
const path = require("path");
const { programEntry } = require("./entry");

const root = path.join(__dirname, "..");
const entry = programEntry(root);
// A language host that predates `typescript: false` has registered ts-node already (transpile-only
// when PULUMI_NODEJS_TRANSPILE_ONLY is true); a second registration would compile every file twice.
if (!entry.compiled && require.extensions[".ts"] === undefined) {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
}
module.exports = require(entry.file);
