import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { FLEET_SHAPE, FleetFileError, fleetClusters, GATES_SHAPE, parseFleet } from "../../fleet/file";

const PROJECT = "/work/project";
const FILE = "/work/fleets/fleet.yaml";

/** A valid fleet of three clusters: a canary and two waves. */
function fleetDocument(): Record<string, unknown> {
    return {
        name: "inference",
        release: "0.9.1",
        config: { platform: "k8s", namespace: "dynamo-system", storageClass: "nfs" },
        canary: "staging",
        waves: [
            { name: "east", clusters: ["prod-east"] },
            { name: "west", clusters: ["prod-west"], concurrency: 2, gates: { soakSeconds: 300 } },
        ],
        clusters: [
            { name: "staging", kubeconfig: "kube/staging.yaml" },
            { name: "prod-east", context: "prod-east", config: { profile: "ha" } },
            { name: "prod-west", stack: "acme/dynamo/prod-west", context: "prod-west", release: "0.9.0" },
        ],
    };
}

function parse(document: Record<string, unknown>) {
    return parseFleet(yaml.dump(document), FILE, PROJECT, "/home/ops");
}

function refuses(document: Record<string, unknown>, fragment: string | RegExp): void {
    assert.throws(
        () => parse(document),
        (error: unknown) => {
            assert.ok(error instanceof FleetFileError, String(error));
            assert.match(
                error.message,
                typeof fragment === "string" ? new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : fragment,
            );
            assert.match(error.message, /^fleet\.yaml: /);
            return true;
        },
    );
}

function edited(edit: (document: Record<string, any>) => void): Record<string, unknown> {
    const document = fleetDocument();
    edit(document);
    return document;
}

describe("fleet file", () => {
    it("turns the file into waves: the canary alone first, then each wave with its concurrency and gates", () => {
        const fleet = parse(fleetDocument());
        assert.equal(fleet.name, "inference");
        assert.equal(fleet.project, PROJECT);
        assert.equal(fleet.onFailure, "halt");
        assert.deepEqual(
            fleet.waves.map((wave) => [wave.name, wave.clusters.map((c) => c.name), wave.concurrency, wave.gates]),
            [
                ["canary", ["staging"], 1, { verify: true, smoke: false, soakSeconds: 0 }],
                ["east", ["prod-east"], 4, { verify: true, smoke: false, soakSeconds: 0 }],
                ["west", ["prod-west"], 2, { verify: true, smoke: false, soakSeconds: 300 }],
            ],
        );
        assert.deepEqual(
            fleetClusters(fleet).map((c) => c.stack),
            ["staging", "prod-east", "acme/dynamo/prod-west"],
        );
    });

    it("gives each stack the shared config, its own over it, the release and its cluster", () => {
        const [staging, east, west] = fleetClusters(parse(fleetDocument()));
        assert.deepEqual(staging.stackConfig, {
            "dynamo:platform": "k8s",
            "dynamo:namespace": "dynamo-system",
            "dynamo:storageClass": "nfs",
            "dynamo:releaseVersion": "0.9.1",
            "kubernetes:kubeconfig": "/work/fleets/kube/staging.yaml",
        });
        assert.equal(east.stackConfig["dynamo:profile"], "ha");
        assert.equal(east.stackConfig["kubernetes:context"], "prod-east");
        assert.equal(east.stackConfig["kubernetes:kubeconfig"], undefined);
        assert.equal(west.release, "0.9.0", "a cluster held back");
        assert.equal(west.stackConfig["dynamo:releaseVersion"], "0.9.0");
        const [home] = fleetClusters(parse(edited((d) => (d.clusters[0].kubeconfig = "~/.kube/staging.yaml"))));
        assert.equal(home.kubeconfig, "/home/ops/.kube/staging.yaml");
    });

    it("writes structured keys as JSON, as `pulumi config set` takes them, and other namespaces as they are", () => {
        const [staging, east] = fleetClusters(
            parse(
                edited((d) => {
                    d.config.nfs = { server: "nfs.internal", share: "/exports/models", installDriver: false };
                    d.providerConfig = { "aws:region": "us-east-1", "aws:profile": "ops" };
                    d.clusters[1].providerConfig = { "aws:region": "us-west-2" };
                }),
            ),
        );
        assert.equal(staging.stackConfig["aws:region"], "us-east-1");
        assert.equal(east.stackConfig["aws:region"], "us-west-2");
        assert.equal(east.stackConfig["aws:profile"], "ops");
        refuses(
            edited((d) => (d.providerConfig = { "dynamo:namespace": "x" })),
            /the fleet sets it from config, kubeconfig and context/,
        );
        assert.deepEqual(JSON.parse(staging.stackConfig["dynamo:nfs"]), {
            server: "nfs.internal",
            share: "/exports/models",
            installDriver: false,
        });
    });

    it("refuses unknown and mistyped fields with the field, the value and what is accepted", () => {
        refuses(
            edited((d) => (d.relase = "1.0.1")),
            "Unknown field fleet.relase: did you mean fleet.release?",
        );
        refuses(
            edited((d) => (d.release = "1.0")),
            'Invalid fleet.release "1.0": expected an exact published version',
        );
        refuses(
            edited((d) => (d.onFailure = "stop")),
            'Invalid fleet.onFailure "stop": expected one of "halt", "continue"',
        );
        refuses(
            edited((d) => (d.concurrency = 0)),
            "Invalid fleet.concurrency 0: expected a whole number of clusters, from 1 to 1000",
        );
        refuses(
            edited((d) => (d.waves[1].gates.soak = 10)),
            "Unknown field fleet.waves[1].gates.soak: did you mean fleet.waves[1].gates.soakSeconds?",
        );
        refuses(
            edited((d) => (d.clusters[0].name = "Staging")),
            'Invalid fleet.clusters[0].name "Staging"',
        );
        refuses(
            edited((d) => (d.backend = "ftp://state")),
            'Invalid fleet.backend "ftp://state": expected a Pulumi backend URL',
        );
    });

    it("refuses a missing required field", () => {
        refuses(
            edited((d) => delete d.release),
            "release is required",
        );
        refuses(
            edited((d) => delete d.waves[0].name),
            "waves[0].name is required",
        );
        refuses(
            edited((d) => delete d.clusters[1].name),
            "clusters[1].name is required",
        );
    });

    it("checks every cluster's stack config with the program's own rules, naming the dynamo: key", () => {
        refuses(
            edited((d) => (d.clusters[1].config = { profile: "prod" })),
            /cluster prod-east \(its stack config, from release, config and clusters\[prod-east\]\): Invalid dynamo:profile "prod": expected one of "dev", "ha"/,
        );
        refuses(
            edited((d) => (d.config.namespce = "x")),
            /Unknown config key dynamo:namespce: did you mean dynamo:namespace\?/,
        );
        refuses(
            edited((d) => (d.config.imagePullSecretPassword = "hunter2")),
            "dynamo:imagePullSecretPassword must not be stored in plain text in the fleet file: set it on the stack as a secret, `pulumi config set --secret dynamo:imagePullSecretPassword <value> --stack staging`",
        );
        refuses(
            edited((d) => (d.config.releaseVersion = "0.9.1")),
            "config.releaseVersion conflicts with release",
        );
        refuses(
            edited((d) => (d.clusters[2].release = "0.8.0")),
            'cluster prod-west (its stack config, from release, config and clusters[prod-west]): Invalid dynamo:releaseVersion "0.8.0": expected 0.9.0 or later.',
        );
    });

    it("finds a relative chart folder from the project folder, as the program does", () => {
        const project = fs.mkdtempSync(path.join(require("os").tmpdir(), "fleet-project-"));
        fs.mkdirSync(path.join(project, "charts"));
        const document = edited((d) => (d.config.chartRepository = "./charts"));
        assert.throws(() => parseFleet(yaml.dump(document), FILE, PROJECT), /chartRepository/);
        for (const chart of ["dynamo-crds-0.9.1.tgz", "dynamo-platform-0.9.1.tgz", "dynamo-crds-0.9.0.tgz", "dynamo-platform-0.9.0.tgz"]) {
            fs.writeFileSync(path.join(project, "charts", chart), "");
        }
        const fleet = parseFleet(yaml.dump(document), FILE, project);
        assert.equal(
            fleetClusters(fleet)[0].stackConfig["dynamo:chartRepository"],
            "./charts",
            "kept as written: the program runs in the project",
        );
        fs.rmSync(project, { recursive: true, force: true });
    });

    it("refuses a fleet whose clusters or waves do not add up", () => {
        refuses(
            edited((d) => d.waves[0].clusters.push("prod-north")),
            "waves[east] names cluster prod-north, which clusters does not list",
        );
        refuses(
            edited((d) => d.waves[1].clusters.push("prod-east")),
            "cluster prod-east is in waves[east] and in waves[west]",
        );
        refuses(
            edited((d) => d.waves[0].clusters.push("staging")),
            "cluster staging is in canary and in waves[east]",
        );
        refuses(
            edited((d) => (d.waves[1].clusters = [])),
            "Invalid fleet.waves[1].clusters []",
        );
        refuses(
            edited((d) => d.clusters.push({ name: "spare", context: "spare" })),
            "cluster spare is in no wave",
        );
        refuses(
            edited((d) => (d.clusters[1].name = "staging")),
            "cluster staging is listed twice",
        );
        refuses(
            edited((d) => (d.waves[1].name = "east")),
            "wave name east is used twice",
        );
        refuses(
            edited((d) => (d.clusters[0].stack = "prod-east")),
            "clusters staging and prod-east both use stack prod-east",
        );
    });

    it("refuses a cluster that names no cluster, and two entries for one cluster", () => {
        refuses(
            edited((d) => delete d.clusters[0].kubeconfig),
            "clusters[staging] names no cluster: give its kubeconfig or context",
        );
        refuses(
            edited((d) => (d.clusters[2].context = "prod-east")),
            "clusters prod-east and prod-west have the same kubeconfig and context",
        );
        const created = edited((d) => {
            delete d.clusters[0].kubeconfig;
            d.clusters[0].config = { platform: "eks", eks: { create: true, clusterName: "staging", region: "us-east-1" } };
        });
        assert.throws(
            () => parse(created),
            (error: Error) => !/names no cluster/.test(error.message),
        );
    });

    it("reads the example fleet file of the docs", () => {
        const example = path.join(__dirname, "..", "..", "examples", "fleet", "fleet.yaml");
        const fleet = parseFleet(fs.readFileSync(example, "utf8"), example, path.join(__dirname, "..", ".."));
        assert.ok(fleetClusters(fleet).length >= 3);
        assert.equal(fleet.waves[0].name, "canary");
    });

    it("refuses what is not YAML, or not a mapping", () => {
        assert.throws(() => parseFleet("name: [", FILE, PROJECT), /fleet\.yaml: not YAML/);
        assert.throws(() => parseFleet("- a", FILE, PROJECT), /fleet\.yaml: expected a mapping with name, release, project/);
    });

    it("has every field documented in docs/fleets.md", () => {
        const page = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "fleets.md"), "utf8");
        const fields = [
            ...Object.keys(FLEET_SHAPE),
            ...Object.keys(FLEET_SHAPE.waves.of.fields),
            ...Object.keys(FLEET_SHAPE.clusters.of.fields),
            ...Object.keys(GATES_SHAPE),
        ];
        assert.deepEqual(
            [...new Set(fields)].filter((field) => !page.includes(`\`${field}\``)),
            [],
        );
    });
});

describe("docs/fleets.md's projections", () => {
    it("are the canary plus ceil((clusters - 1) / concurrency) rounds of 25 s each", () => {
        const page = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "fleets.md"), "utf8");
        const header = page.split("\n").find((line) => line.startsWith("| clusters "));
        assert.ok(header, "the projection table");
        const concurrencies = [...header.matchAll(/concurrency (\d+)/g)].map((m) => Number(m[1]));
        const rows = page.split("\n").filter((line) => /^\| [\d,]+ +\|/.test(line));
        assert.equal(rows.length, 3);
        for (const line of rows) {
            const cells = line
                .split("|")
                .slice(1, -1)
                .map((cell) => cell.trim());
            const clusters = Number(cells[0].replace(/,/g, ""));
            cells.slice(1).forEach((cell, index) => {
                const rounds = 1 + Math.ceil((clusters - 1) / concurrencies[index]);
                const minutes = (rounds * 25) / 60;
                const [, stated, amount, unit] = /^([\d,]+) rounds?, ([\d.]+) (min|h)$/.exec(cell) ?? assert.fail(cell);
                assert.equal(Number(stated.replace(/,/g, "")), rounds, `${clusters} clusters at ${concurrencies[index]}`);
                const statedMinutes = Number(amount) * (unit === "h" ? 60 : 1);
                assert.ok(Math.abs(statedMinutes - minutes) / minutes < 0.05, `${cell}: ${minutes.toFixed(1)} min`);
            });
        }
    });
});
