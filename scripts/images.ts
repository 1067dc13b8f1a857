/**
 * The images a stack installs, hook Jobs and subcharts included:
 *
 *   npm run images -- --stack <stack> [--json | --list | --pairs] [--helm <path>] [--config-file <file>]
 *
 * Renders the stack's charts exactly as its program would install them (same chart source and
 * versions, same values, from the same functions) with `helm template`, offline for a local chart
 * folder, and lists every image once with where it comes from. With `dynamo:imageRegistry` or
 * `dynamo:images` set, it renders the public charts too and pairs each public image with the one
 * the stack pulls instead (`--pairs`: one "public mirror" line each, for a mirroring script), and
 * exits 1 when an image is still outside the mirror. Exits 2 when the stack or a chart cannot be read.
 *
 * Helm's own renderer (the CLI NVIDIA's guide installs with) rather than a re-implementation:
 * hooks, subcharts and `lookup` behave as they do for the Kubernetes provider, which embeds the
 * same Helm library. It reads the stack config with `pulumi config` (same backend and passphrase
 * environment as `pulumi up`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ChartReference, resolveCharts } from "../components/core/charts";
import { ImageSettings, slotRepository } from "../components/core/imageCatalog";
import { formatImageReference, parseImageReference } from "../components/core/images";
import { InventoryImage, inventoryOf, isInMirror, mergeInventories, settingImages } from "../components/core/imageInventory";
import { ingressNginxReleaseValues, nfsDriverReleaseValues, platformReleaseValues } from "../components/core/releaseValues";
import { INGRESS_NGINX_NAMESPACE, PLATFORM_RELEASE_NAME } from "../components/core/names";
import { PlatformSettings } from "../components/core/settings/types";
import { Values } from "../components/core/valueTree";
import { CONFIG_NAMESPACE } from "../program/configKeys";
import { loadStackConfig } from "../program/stackConfig";
import { flag, option } from "./cli";

type ConfigEntry = { value?: string; objectValue?: unknown; secret?: boolean };

/** The stack's `dynamo:` config, secrets shown, as `pulumi config --json` prints it. */
function stackConfig(stack: string, configFile: string | undefined): Record<string, string> {
    const fileArgs = configFile ? ["--config-file", configFile] : [];
    const result = spawnSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack, ...fileArgs], {
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
    });
    if (result.error || result.status !== 0) {
        throw new Error(`cannot read the config of stack ${stack}: ${result.error?.message ?? result.stderr.trim()}`);
    }
    const entries = JSON.parse(result.stdout) as Record<string, ConfigEntry>;
    const prefix = `${CONFIG_NAMESPACE}:`;
    return Object.fromEntries(
        Object.entries(entries)
            .filter(([key, entry]) => key.startsWith(prefix) && entry.value !== undefined)
            .map(([key, entry]) => [key.slice(prefix.length), entry.value!]),
    );
}

/** A chart to render: the release's name, namespace, chart reference and values. */
interface Render {
    source: string;
    release: string;
    namespace: string;
    chart: ChartReference;
    values: Values;
}

/** Every Helm release of the install, with the values the component gives it. */
function releasesOf(settings: PlatformSettings): Render[] {
    const charts = resolveCharts(settings);
    const helmValues = (settings.helmValues ?? {}) as Values;
    return [
        {
            source: "dynamo-platform",
            release: PLATFORM_RELEASE_NAME,
            namespace: settings.namespace,
            chart: charts.platform,
            values: platformReleaseValues(settings, {
                prometheusUrl: typeof settings.prometheusEndpoint === "string" ? settings.prometheusEndpoint : undefined,
                pullSecretName: settings.imagePullSecret?.name,
                overrides: helmValues,
            }),
        },
        ...(charts.nfsDriver
            ? [
                  {
                      source: "csi-driver-nfs",
                      release: "csi-driver-nfs",
                      namespace: "kube-system",
                      chart: charts.nfsDriver,
                      values: nfsDriverReleaseValues(settings),
                  },
              ]
            : []),
        ...(charts.ingressNginx
            ? [
                  {
                      source: "ingress-nginx",
                      release: "ingress-nginx",
                      namespace: INGRESS_NGINX_NAMESPACE,
                      chart: charts.ingressNginx,
                      values: ingressNginxReleaseValues(settings),
                  },
              ]
            : []),
    ];
}

/** `helm template` of one release; `password` is the repository's, when it takes credentials. */
function render(helm: string, release: Render, password: string | undefined): unknown[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-images-"));
    try {
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(release.values));
        const opts = release.chart.repositoryOpts;
        const args = [
            "template",
            release.release,
            release.chart.chart,
            "--namespace",
            release.namespace,
            "--version",
            release.chart.version,
            "--values",
            valuesFile,
            ...(opts?.repo ? ["--repo", opts.repo] : []),
            // Helm takes a repository password on its command line only; `pulumi up` hands it over in memory.
            ...(opts?.username ? ["--username", opts.username, "--password", password ?? ""] : []),
            ...(opts?.caFile ? ["--ca-file", opts.caFile] : []),
        ];
        const result = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        if (result.error || result.status !== 0) {
            throw new Error(`helm template of ${release.source} failed: ${result.error?.message ?? result.stderr.trim()}`);
        }
        return yaml.loadAll(result.stdout).filter((doc) => doc !== null && doc !== undefined);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The inventory of an install: every chart rendered, plus the images this package writes out itself. */
function inventory(helm: string, settings: PlatformSettings, password: string | undefined): InventoryImage[] {
    return mergeInventories(
        ...releasesOf(settings).map((release) => inventoryOf(release.source, render(helm, release, password))),
        settingImages(settings.imageSlots, settings.images),
    );
}

/** Where each use's image came from before the mirror settings: the same use in the public inventory. */
function publicImages(installed: InventoryImage[], public_: InventoryImage[]): Map<string, string> {
    const key = (use: InventoryImage["uses"][number]) => `${use.source}|${use.kind}|${use.name}|${use.where}`;
    const byUse = new Map(public_.flatMap((row) => row.uses.map((use) => [key(use), row.image] as const)));
    // Fully qualified, as mirroring tools want them (`nats:2.10` is docker.io/library/nats:2.10).
    const qualified = (image: string) => {
        const parsed = parseImageReference(image);
        return parsed ? formatImageReference(parsed) : image;
    };
    return new Map(installed.map((row) => [row.image, qualified(byUse.get(key(row.uses[0])) ?? row.image)]));
}

function table(rows: string[][]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows
        .map((r) =>
            r
                .map((cell, i) => cell.padEnd(widths[i]))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

function main(): number {
    const stack = option("stack");
    if (!stack) {
        console.error("usage: npm run images -- --stack <stack> [--json | --list | --pairs] [--helm <path>] [--config-file <file>]");
        return 2;
    }
    const helm = option("helm") ?? process.env.HELM ?? "helm";
    try {
        const config = stackConfig(stack, option("config-file"));
        const { settings } = loadStackConfig({
            get: (key) => config[key],
            getSecret: (key) => (config[key] === undefined ? undefined : pulumi.secret(config[key])),
            keys: () => Object.keys(config),
        });
        const password = config.chartRepositoryPassword;
        const installed = inventory(helm, settings, password);
        const mirrorSettings: ImageSettings = settings.images;
        const moves = mirrorSettings.registry !== undefined || Object.keys(mirrorSettings.overrides).length > 0;
        const origins = publicImages(installed, moves ? inventory(helm, { ...settings, images: { overrides: {} } }, password) : installed);
        const registry = mirrorSettings.registry;
        const outside = registry === undefined ? [] : installed.filter((row) => !isInMirror(row.image, registry));

        if (flag("json")) {
            const images = installed.map((row) => ({
                ...row,
                public: origins.get(row.image),
                ...(registry !== undefined ? { inMirror: isInMirror(row.image, registry) } : {}),
            }));
            console.log(JSON.stringify({ stack, imageRegistry: registry ?? null, images }, null, 2));
        } else if (flag("list")) {
            console.log(installed.map((row) => row.image).join("\n"));
        } else if (flag("pairs")) {
            console.log(installed.map((row) => `${origins.get(row.image)} ${row.image}`).join("\n"));
        } else {
            const rows = installed.flatMap((row) =>
                row.uses.map((use, i) => [
                    i === 0 ? row.image : "",
                    i === 0 && moves ? `from ${origins.get(row.image)}` : "",
                    use.source,
                    `${use.kind}/${use.name}`,
                    `${use.where}${use.hook ? ` (hook ${use.hook})` : ""}`,
                ]),
            );
            console.log(table([["IMAGE", "MIRRORED", "CHART", "OBJECT", "WHERE"], ...rows]));
            console.log(
                `\n${installed.length} images${registry !== undefined ? `, ${outside.length} outside the mirror ${registry}` : ""}.`,
            );
        }
        for (const row of outside) {
            const fixed = settings.imageSlots.find((slot) => slot.keys.style === "fixed" && slotRepository(slot) === row.repository);
            const workaround = fixed?.keys.style === "fixed" ? `: no value moves it; ${fixed.keys.workaround}` : "";
            console.error(
                `images: ${row.image} is not pulled from ${registry} (${row.uses.map((u) => `${u.source} ${u.kind}/${u.name}`).join(", ")})${workaround}`,
            );
        }
        return outside.length > 0 ? 1 : 0;
    } catch (error) {
        console.error(`images: ${(error as Error).message}`);
        return 2;
    }
}

if (require.main === module) {
    process.exit(main());
}
