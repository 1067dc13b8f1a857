// Which build of the program Pulumi runs (see program.js): kept apart so tests can load it.
"use strict";
const fs = require("fs");
const path = require("path");

/** What the compiled program is built from: a change to any of these makes bin/ stale. */
const PROGRAM_SOURCES = ["index.ts", "stackConfig.ts", "otherStacks.ts", "components", "tsconfig.json", "tsconfig.program.json"];
const COMPILED_ENTRY = path.join("bin", "index.js");

/** The newest modification time (ms) of the TypeScript and tsconfig files under `paths`. */
function newestSourceTime(root, paths) {
    let newest = 0;
    for (const relative of paths) {
        const full = path.join(root, relative);
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (stat === undefined) {
            continue;
        }
        if (stat.isDirectory()) {
            const children = fs.readdirSync(full).map((child) => path.join(relative, child));
            newest = Math.max(newest, newestSourceTime(root, children));
        } else if (/\.(ts|json)$/.test(relative) && !relative.endsWith(".d.ts")) {
            newest = Math.max(newest, stat.mtimeMs);
        }
    }
    return newest;
}

/** Which entry to load from `root`: the compiled build when it is newer than every source, else the sources. */
function programEntry(root) {
    const compiled = fs.statSync(path.join(root, COMPILED_ENTRY), { throwIfNoEntry: false });
    if (compiled !== undefined && compiled.mtimeMs >= newestSourceTime(root, PROGRAM_SOURCES)) {
        return { file: path.join(root, COMPILED_ENTRY), compiled: true };
    }
    return { file: path.join(root, "index.ts"), compiled: false };
}

module.exports = { newestSourceTime, programEntry, PROGRAM_SOURCES, COMPILED_ENTRY };
