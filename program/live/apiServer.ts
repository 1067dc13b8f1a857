/**
 * Where the Kubernetes API server is, how to authenticate to it, and one request to it: what the
 * cluster reader stands on. A kubeconfig whose context uses a bearer token or a client certificate
 * (kind, k3s, minikube, kubeadm, most CI clusters) is read here; any other (exec plugins as on EKS,
 * auth providers, basic auth, proxies, several KUBECONFIG files, in-cluster) goes through
 * `@kubernetes/client-node`, which the program then loads (about 0.5 s, on every run).
 */
import type * as K8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { lazyModule } from "../../components/core/lazy";

const k8s = lazyModule<typeof K8s>("@kubernetes/client-node");

/** An API server and what a request to it carries: TLS material, an agent, the Authorization header. */
export interface ApiServer {
    /** The server's URL; it may end in a path prefix (a proxy such as Rancher's). */
    url: string;
    options: https.RequestOptions;
}

/** An answer of the API server other than a success. `code` is the HTTP status, as on client-node's ApiException. */
export class ApiError extends Error {
    constructor(
        readonly code: number,
        message: string,
    ) {
        super(message);
    }
}

/** Whether a read failed because the object does not exist (ours, or client-node's ApiException). */
export function isNotFound(error: unknown): boolean {
    return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 404;
}

/** The cluster and user fields the direct reading understands; a context with any other falls back to client-node. */
const CLUSTER_FIELDS = new Set([
    "server",
    "certificate-authority",
    "certificate-authority-data",
    "insecure-skip-tls-verify",
    "tls-server-name",
    "extensions",
]);
const USER_FIELDS = new Set(["token", "client-certificate", "client-certificate-data", "client-key", "client-key-data", "extensions"]);

/** The parts of a kubeconfig file read here; cluster and user entries are checked field by field. */
interface KubeconfigDocument {
    "current-context"?: string;
    clusters?: { name: string; cluster?: Record<string, unknown> }[];
    users?: { name: string; user?: Record<string, unknown> }[];
    contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
}

/** Whether `kubernetes:kubeconfig` holds the file's content rather than its path (the provider accepts both). */
export function isKubeconfigContent(kubeconfig: string): boolean {
    return /^\s*(apiVersion|kind|clusters|\{)/m.test(kubeconfig);
}

/** The kubeconfig's text and the folder its relative paths start from, as the provider would pick it; undefined when not one file. */
function kubeconfigSource(kubeconfig: string | undefined): { text: string; folder: string } | undefined {
    if (kubeconfig !== undefined && isKubeconfigContent(kubeconfig)) {
        return { text: kubeconfig, folder: process.cwd() };
    }
    const files =
        kubeconfig !== undefined
            ? [kubeconfig]
            : (process.env.KUBECONFIG || path.join(os.homedir(), ".kube", "config")).split(path.delimiter).filter(Boolean);
    if (files.length !== 1 || !fs.existsSync(files[0])) {
        return undefined;
    }
    return { text: fs.readFileSync(files[0], "utf8"), folder: path.dirname(path.resolve(files[0])) };
}

/**
 * The API server of a kubeconfig read directly: undefined when the context needs what only
 * client-node does (see the file's comment).
 */
export function directApiServer(kubeconfig: string | undefined, context: string | undefined): ApiServer | undefined {
    const source = kubeconfigSource(kubeconfig);
    if (source === undefined) {
        return undefined;
    }
    const document = (yaml.load(source.text) ?? {}) as KubeconfigDocument;
    const contextName = context ?? document["current-context"];
    const selected = document.contexts?.find((c) => c.name === contextName)?.context;
    const cluster = document.clusters?.find((c) => c.name === selected?.cluster)?.cluster;
    const user = document.users?.find((u) => u.name === selected?.user)?.user ?? {};
    if (
        cluster === undefined ||
        typeof cluster.server !== "string" ||
        !Object.keys(cluster).every((field) => CLUSTER_FIELDS.has(field)) ||
        !Object.keys(user).every((field) => USER_FIELDS.has(field))
    ) {
        return undefined;
    }
    const material = (file: unknown, data: unknown): Buffer | undefined =>
        typeof file === "string"
            ? fs.readFileSync(path.resolve(source.folder, file))
            : typeof data === "string"
              ? Buffer.from(data, "base64")
              : undefined;
    const options: https.RequestOptions = {
        ca: material(cluster["certificate-authority"], cluster["certificate-authority-data"]),
        cert: material(user["client-certificate"], user["client-certificate-data"]),
        key: material(user["client-key"], user["client-key-data"]),
        headers: typeof user.token === "string" ? { Authorization: `Bearer ${user.token}` } : {},
    };
    if (cluster["insecure-skip-tls-verify"] === true) {
        options.rejectUnauthorized = false;
    }
    if (typeof cluster["tls-server-name"] === "string") {
        options.servername = cluster["tls-server-name"];
    }
    return { url: cluster.server, options };
}

/** The API server of a client-node KubeConfig, with every authentication it supports. */
export async function apiServerOf(config: K8s.KubeConfig): Promise<ApiServer> {
    const cluster = config.getCurrentCluster();
    if (cluster === null) {
        throw new Error(`the kubeconfig has no cluster for context "${config.getCurrentContext()}"`);
    }
    const options: https.RequestOptions = {};
    await config.applyToHTTPSOptions(options);
    return { url: cluster.server, options };
}

/**
 * The kubeconfig the Kubernetes provider would use: `kubernetes:kubeconfig` (a path or the file's
 * content), else KUBECONFIG or ~/.kube/config, with `kubernetes:context` selecting the context.
 */
export function providerKubeConfig(kubeconfig: string | undefined, context: string | undefined): K8s.KubeConfig {
    const config = new k8s.KubeConfig();
    if (kubeconfig === undefined) {
        config.loadFromDefault();
    } else if (isKubeconfigContent(kubeconfig)) {
        config.loadFromString(kubeconfig);
    } else {
        config.loadFromFile(kubeconfig);
    }
    if (context !== undefined) {
        config.setCurrentContext(context);
    }
    return config;
}

/** The API server the Kubernetes provider would use (see `providerKubeConfig`), read directly where it can be. */
export async function providerApiServer(kubeconfig: string | undefined, context: string | undefined): Promise<ApiServer> {
    return directApiServer(kubeconfig, context) ?? apiServerOf(providerKubeConfig(kubeconfig, context));
}

/** What a request sends: a path under the server's URL, with its query, and a JSON body. */
export interface ApiRequest {
    method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    path: string;
    query?: Record<string, string | number | undefined>;
    body?: unknown;
    /** The body's type: JSON by default; a PATCH names its kind, e.g. `application/merge-patch+json`. */
    contentType?: string;
}

/**
 * How long a request may go without a byte of answer before it fails: an API server that restarts
 * can accept a connection and never answer on it, and a request without a limit would wait forever.
 */
const REQUEST_IDLE_TIMEOUT_MS = 30_000;

/** Sends one request; resolves to the answer's text on a 2xx status, else rejects with an ApiError carrying the server's message. */
export function apiRequest(server: ApiServer, request: ApiRequest): Promise<string> {
    const url = new URL(server.url.replace(/\/+$/, "") + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
        if (value !== undefined) {
            url.searchParams.set(name, String(value));
        }
    }
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const options: https.RequestOptions = {
        ...server.options,
        method: request.method ?? "GET",
        headers: {
            ...server.options.headers,
            Accept: "application/json, */*",
            ...(body === undefined
                ? {}
                : { "Content-Type": request.contentType ?? "application/json", "Content-Length": Buffer.byteLength(body) }),
        },
    };
    const send = url.protocol === "http:" ? http.request : https.request;
    return new Promise((resolve, reject) => {
        const sent = send(url, options, (answer) => {
            const chunks: Buffer[] = [];
            answer.on("data", (chunk: Buffer) => chunks.push(chunk));
            answer.on("error", reject);
            answer.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                const status = answer.statusCode ?? 0;
                if (status >= 200 && status < 300) {
                    resolve(text);
                } else {
                    reject(
                        new ApiError(
                            status,
                            statusMessage(text) ?? (text.trim() || `HTTP ${status} from ${request.method ?? "GET"} ${url.pathname}`),
                        ),
                    );
                }
            });
        });
        sent.setTimeout(REQUEST_IDLE_TIMEOUT_MS, () =>
            sent.destroy(
                new Error(
                    `no answer from ${url.host} within ${REQUEST_IDLE_TIMEOUT_MS / 1000}s (${request.method ?? "GET"} ${url.pathname})`,
                ),
            ),
        );
        sent.on("error", reject);
        sent.end(body);
    });
}

/** The `message` of a Kubernetes Status body, undefined when the text is not one. */
function statusMessage(text: string): string | undefined {
    try {
        const message = (JSON.parse(text) as { message?: unknown }).message;
        return typeof message === "string" ? message : undefined;
    } catch {
        return undefined;
    }
}
