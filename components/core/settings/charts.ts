/** Where the charts come from: the Dynamo charts' source with its credentials and CA, and the add-ons'. */
import * as fs from "fs";
import { DynamoPlatformArgs } from "../args";
import { DynamoConfigError } from "../errors";
import { PLATFORM_ARGS_SHAPE } from "../schema";
import { ChartSource } from "./types";

/** Where a chart comes from: a local folder (absolute, ./relative or file://), an http(s) repository or an OCI path. */
function chartSource(key: string, raw: string): ChartSource {
    if (raw.startsWith("file://")) {
        return { kind: "local", directory: raw.slice("file://".length), key };
    }
    if (raw.startsWith("/") || raw.startsWith("./") || raw.startsWith("../")) {
        return { kind: "local", directory: raw, key };
    }
    return { kind: "repository", url: raw.replace(/\/+$/, ""), key };
}

/**
 * An add-on chart's source. A repository on the host of the Dynamo charts' own (one private mirror
 * for every chart) gets its credentials and CA; any other host gets none, so they never leave it.
 */
export function addOnChartSource(key: string, raw: string, dynamoCharts: ChartSource): ChartSource {
    const source = chartSource(key, raw);
    if (source.kind !== "repository" || dynamoCharts.kind !== "repository" || new URL(source.url).host !== new URL(dynamoCharts.url).host) {
        return source;
    }
    const { username, password, caFile } = dynamoCharts;
    return {
        ...source,
        ...(username !== undefined ? { username, password } : {}),
        ...(caFile !== undefined ? { caFile } : {}),
    };
}

/** The Dynamo charts' source, with the repository's credentials and CA where they apply. */
export function resolveChartSource(args: DynamoPlatformArgs, key: (field: string) => string): ChartSource {
    const source = chartSource(key("chartRepository"), args.chartRepository ?? PLATFORM_ARGS_SHAPE.chartRepository.default);
    if ((args.chartRepositoryUsername === undefined) !== (args.chartRepositoryPassword === undefined)) {
        const [given, missing] =
            args.chartRepositoryUsername === undefined
                ? ["chartRepositoryPassword", "chartRepositoryUsername"]
                : ["chartRepositoryUsername", "chartRepositoryPassword"];
        throw DynamoConfigError.conflict(key(given), key(missing), "repository credentials need both the user name and the password");
    }
    if (args.chartRepositoryUsername !== undefined && source.kind === "local") {
        throw DynamoConfigError.conflict(
            key("chartRepositoryUsername"),
            key("chartRepository"),
            "a local chart folder takes no credentials",
        );
    }
    if (args.chartRepositoryCaFile !== undefined) {
        if (source.kind === "local") {
            throw DynamoConfigError.conflict(
                key("chartRepositoryCaFile"),
                key("chartRepository"),
                "a local chart folder is read from disk, with no TLS",
            );
        }
        if (!fs.existsSync(args.chartRepositoryCaFile)) {
            throw DynamoConfigError.invalid(
                key("chartRepositoryCaFile"),
                args.chartRepositoryCaFile,
                "an existing PEM file",
                "no such file on this machine",
            );
        }
    }
    if (source.kind === "repository" && args.chartRepositoryUsername !== undefined) {
        source.username = args.chartRepositoryUsername;
        source.password = args.chartRepositoryPassword;
    }
    if (source.kind === "repository" && args.chartRepositoryCaFile !== undefined) {
        source.caFile = args.chartRepositoryCaFile;
    }
    return source;
}
