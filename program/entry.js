// Which build of the program Pulumi runs (see main.js): kept apart so tests can load it.
"use strict";
const fs = require("fs");
const path = require("path");

/** Where `npm run build:program` (tsconfig.program.json) writes the program, and where its sources are. */
const BUILD_DIR = "bin";
const COMPILED_ENTRY = path.join(BUILD_DIR, "program", "index.js");
const SOURCE_ENTRY = path.join("program", "index.ts");
/** The build's own configuration: a change to either makes bin/ stale too. */
const BUILD_CONFIG = ["tsconfig.json", "tsconfig.program.json"];

/** The modification time (ms) of a file, 0 when it does not exist. */
function modified(file) {
    return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/**
 * The newest modification time (ms) among the sources the build was compiled from: the `.ts` file
 * of every `.js` file tsc wrote under bin/, so the list is never kept by hand. A source added
 * since the build is imported by one that changed, which is newer than the build.
 */
function newestSourceTime(root, relative = "") {
    let newest = 0;
    for (const child of fs.readdirSync(path.join(root, BUILD_DIR, relative), { withFileTypes: true })) {
        const source = path.join(relative, child.name);
        if (child.isDirectory()) {
            newest = Math.max(newest, newestSourceTime(root, source));
        } else if (child.name.endsWith(".js")) {
            newest = Math.max(newest, modified(path.join(root, source.replace(/\.js$/, ".ts"))));
        }
    }
    return newest;
}

/** Which entry to load from the project folder `root`: the compiled build when it is newer than every source, else the sources. */
function programEntry(root) {
    const compiled = modified(path.join(root, COMPILED_ENTRY));
    const newest = compiled === 0 ? 0 : Math.max(newestSourceTime(root), ...BUILD_CONFIG.map((file) => modified(path.join(root, file))));
    if (compiled !== 0 && compiled >= newest) {
        return { file: path.join(root, COMPILED_ENTRY), compiled: true };
    }
    return { file: path.join(root, SOURCE_ENTRY), compiled: false };
}

module.exports = { newestSourceTime, programEntry, COMPILED_ENTRY, SOURCE_ENTRY };
