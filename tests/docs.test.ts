/**
 * The README and the pages of docs/ stay true to the project: the README stays a short front door
 * with both commands; every relative link reaches a file, and every anchor a heading of it; every
 * page is linked from the README; and every `dynamo:` key, `npm run` script and project path they
 * name exists. The pages are listed when the test runs, so a page added since is covered too.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { FieldSpec } from "../components/core/fieldSpec";
import { STACK_CONFIG_SHAPE } from "../program/configKeys";

const ROOT = path.join(__dirname, "..");
const README = "README.md";
const DOCS = "docs";
const MAX_README_LINES = 250;
/** The two commands the README gives: set up and run, and test. */
const README_COMMANDS = ["npm ci && ./scripts/up.sh k8s", "npm ci && npm test"];
/** Unknown keys written on purpose: the input checks show how a misspelt key is refused. */
const MISSPELT_ON_PURPOSE = ["releaseVerison", "nfs.sever"];
/** Top-level folders of the project whose paths the pages name, e.g. `program/live/apiServer.ts`. */
const PROJECT_FOLDERS = [
    "bench",
    "components",
    "docs",
    "e2e",
    "examples",
    "fleet",
    "policies",
    "postrender",
    "program",
    "scripts",
    "tests",
];

function read(file: string): string {
    return fs.readFileSync(path.join(ROOT, file), "utf8");
}

/** README.md and every page of docs/, as paths from the project folder. */
function pages(): string[] {
    const docs = fs
        .readdirSync(path.join(ROOT, DOCS))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `${DOCS}/${name}`);
    return [README, ...docs];
}

/** The text with fenced code blocks blanked (line count kept). */
function withoutFences(text: string): string {
    let fence: string | undefined;
    return text
        .split("\n")
        .map((line) => {
            const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
            if (fence === undefined && marker !== undefined) {
                fence = marker;
                return "";
            }
            if (fence !== undefined) {
                if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
                    fence = undefined;
                }
                return "";
            }
            return line;
        })
        .join("\n");
}

/** The prose of a page: no fenced blocks, and no inline code spans (which may wrap over lines). */
function prose(text: string): string {
    return withoutFences(text).replace(/(`+)[\s\S]*?\1/g, "");
}

/** GitHub's anchor of a heading: its text lower-cased, punctuation other than `-` and `_` dropped, spaces to `-`. */
function anchorOf(heading: string): string {
    return heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/`/g, "")
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** Every anchor a page's headings give, with GitHub's `-1`, `-2` suffixes for repeated ones. */
function anchorsOf(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of withoutFences(text).split("\n")) {
        const heading = /^#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
        if (heading === undefined) {
            continue;
        }
        const anchor = anchorOf(heading);
        const count = seen.get(anchor) ?? 0;
        seen.set(anchor, count + 1);
        anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
    }
    return anchors;
}

/** The targets of a page's links: inline links and link definitions, outside code. */
function linkTargets(text: string): string[] {
    const body = prose(text);
    const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
    const defined = [...body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
    return [...inline, ...defined];
}

interface Link {
    /** The file it points to, from the project folder; the page itself for `#anchor`. */
    file: string;
    anchor?: string;
}

/** A relative link resolved against its page, or undefined for an absolute URL (`https:`, `mailto:`). */
function resolveLink(page: string, target: string): Link | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        return undefined;
    }
    const hash = target.indexOf("#");
    const file = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(file)));
    return { file: resolved.replace(/\/$/, ""), anchor };
}

/** Every `dynamo:<key>` written in a page, with its fields and list indexes (`dynamo:tolerations[].key`). */
function configKeys(text: string): string[] {
    const keys: string[] = [];
    for (const m of text.matchAll(/(?<![\w./-])dynamo:([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d*\])*)(:[A-Za-z])?/g)) {
        // `dynamo:index:DynamoPlatform` is a resource type token, not a key.
        if (m[2] === undefined) {
            keys.push(m[1]);
        }
    }
    return keys;
}

/** Why the program would not accept `dynamo:<key>`, or undefined when it does. */
function keyProblem(key: string): string | undefined {
    const [name, ...rest] = key.match(/[A-Za-z_]\w*|\[\d*\]/g) ?? [""];
    let spec: FieldSpec | undefined = (STACK_CONFIG_SHAPE as Record<string, FieldSpec>)[name];
    if (spec === undefined) {
        return `no key dynamo:${name}`;
    }
    let at = name;
    for (const part of rest) {
        if (spec.type === "map" || spec.type === "values") {
            return undefined;
        }
        if (part.startsWith("[")) {
            if (spec.type !== "list") {
                return `dynamo:${at} is not a list`;
            }
            spec = spec.of;
        } else {
            const item: FieldSpec = spec.type === "list" ? spec.of : spec;
            if (item.type === "map" || item.type === "values") {
                return undefined;
            }
            if (item.type !== "object" || item.fields[part] === undefined) {
                return `dynamo:${at} has no field ${part}`;
            }
            spec = item.fields[part];
        }
        at = `${at}${part.startsWith("[") ? part : `.${part}`}`;
    }
    return undefined;
}

describe("README and docs", () => {
    const all = pages();
    const texts = new Map(all.map((page) => [page, read(page)]));

    it(`keep the README a front door of at most ${MAX_README_LINES} lines with both commands`, () => {
        const readme = texts.get(README)!;
        const lines = readme.replace(/\n$/, "").split("\n").length;
        assert.ok(lines <= MAX_README_LINES, `README.md has ${lines} lines`);
        for (const command of README_COMMANDS) {
            assert.ok(readme.includes(command), `README.md does not give \`${command}\``);
        }
    });

    it("link every page of docs/ from the README", () => {
        const linked = new Set(
            linkTargets(texts.get(README)!)
                .map((target) => resolveLink(README, target)?.file)
                .filter((file) => file !== undefined),
        );
        const missing = all.filter((page) => page !== README && !linked.has(page));
        assert.deepEqual(missing, [], "pages the README does not link");
    });

    for (const page of all) {
        describe(page, () => {
            it("has relative links that reach a file, and anchors that reach a heading of it", () => {
                const broken: string[] = [];
                for (const target of linkTargets(texts.get(page)!)) {
                    const link = resolveLink(page, target);
                    if (link === undefined) {
                        continue;
                    }
                    if (!fs.existsSync(path.join(ROOT, link.file))) {
                        broken.push(`${target}: no file ${link.file}`);
                        continue;
                    }
                    if (link.anchor !== undefined) {
                        assert.ok(link.file.endsWith(".md"), `${target}: an anchor into a file that is not markdown`);
                        if (!anchorsOf(texts.get(link.file) ?? read(link.file)).has(link.anchor)) {
                            broken.push(`${target}: no heading #${link.anchor} in ${link.file}`);
                        }
                    }
                }
                assert.deepEqual(broken, []);
            });

            it("names only dynamo: keys and fields the program accepts", () => {
                const problems = configKeys(texts.get(page)!)
                    .filter((key) => !MISSPELT_ON_PURPOSE.includes(key))
                    .map((key) => keyProblem(key))
                    .filter((problem) => problem !== undefined);
                assert.deepEqual([...new Set(problems)], []);
            });

            it("names only npm scripts of package.json and project paths that exist", () => {
                const text = texts.get(page)!;
                const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
                const unknownScripts = [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]).filter((name) => !scripts.includes(name));
                assert.deepEqual([...new Set(unknownScripts)], [], "npm scripts");
                const folders = PROJECT_FOLDERS.join("|");
                const named = [...text.matchAll(new RegExp(`\`((?:${folders})/[^\`\\s*<>]*)\``, "g"))].map((m) => m[1]);
                const missing = named.filter((file) => !fs.existsSync(path.join(ROOT, file)));
                assert.deepEqual([...new Set(missing)], [], "paths");
            });
        });
    }

    it("misspells on purpose only keys the program refuses", () => {
        for (const key of MISSPELT_ON_PURPOSE) {
            assert.ok(keyProblem(key) !== undefined, `dynamo:${key} is a real key`);
        }
    });

    it("read keys, links and anchors as GitHub does", () => {
        assert.equal(anchorOf("Amazon EKS (`--stack eks`)"), "amazon-eks---stack-eks");
        assert.equal(anchorOf("`dynamo:tolerations[]`"), "dynamotolerations");
        assert.equal(anchorOf("1. What the stack pulls"), "1-what-the-stack-pulls");
        assert.deepEqual([...anchorsOf("# A\n## B\n```\n# not a heading\n```\n## B\n")], ["a", "b", "b-1"]);
        assert.deepEqual(
            configKeys("`dynamo:index:DynamoPlatform`, dynamo:nfs.server, `dynamo:tolerations[].key`, dynamo:<key>, ai-dynamo:1"),
            ["nfs.server", "tolerations[].key"],
        );
        assert.equal(keyProblem("placement.nodeSelector"), undefined);
        assert.equal(keyProblem("helmValues.etcd.replicaCount"), undefined);
        assert.equal(keyProblem("tolerations[].key"), undefined);
        assert.equal(keyProblem("eks.clusterStack"), undefined);
        assert.equal(keyProblem("nfs.sever"), "dynamo:nfs has no field sever");
        assert.equal(keyProblem("releaseVersion.x"), "dynamo:releaseVersion has no field x");
        assert.deepEqual(linkTargets("[a](b.md#c) `[d](e.md)` [f]: g.md\n[h]: i.md"), ["b.md#c", "i.md"]);
    });
});
