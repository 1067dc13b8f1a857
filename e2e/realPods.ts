/**
 * Runs, for real, the pods of the end-to-end cluster whose image has a binary built from source
 * (the Dynamo operator, Grove's operator): what a kubelet does for a pod, for these pods only, while
 * KWOK keeps simulating every other pod.
 *
 *   node -r ts-node/register/transpile-only e2e/realPods.ts <state folder> <images.json>   (e2e/cluster starts it)
 *
 * For each such pod bound to a node it:
 * - gives the pod an IP of its own (on `lo`, so it stays inside the test's network namespace) and
 *   reports it, so the pod's Services have endpoints and the API server's webhook and conversion
 *   calls reach it (kube-apiserver runs with --enable-aggregator-routing);
 * - runs its init containers in order, then its containers, each as a local process in a mount
 *   namespace of its own where the pod's volumes sit at their mount paths: ConfigMaps, Secrets
 *   (rewritten when they change), projected volumes, emptyDirs, and the service account's token
 *   (a TokenRequest bound to the pod, so the process acts as the pod's service account and the
 *   chart's RBAC is what is tested), with the pod's args and environment (downward API included);
 * - reports the containers' states as the kubelet does, Ready only while the readiness probe
 *   answers, restarting a container that exits (backoff 1 s doubling to 10 s) or fails its
 *   liveness probe;
 * - writes each container's output as a CRI log file and registers it with KWOK (a `Logs` object),
 *   so `kubectl logs` reads it;
 * - stops the processes when the pod is deleted (SIGTERM, then SIGKILL after the grace period).
 *
 * images.json maps an image (its path and tag, any registry: `nvidia/ai-dynamo/kubernetes-operator:1.5.0`)
 * to the image's entrypoint and the binaries the image holds, by the path the pod names them with.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { apiRequest, ApiServer, directApiServer, isNotFound } from "../program/live/apiServer";

interface ImageBinaries {
    /** The image's ENTRYPOINT, used when a container gives no `command`. */
    entrypoint: string[];
    /** The image's executables by their path in the image, e.g. `/manager`, mapped to the built binaries. */
    binaries: Record<string, string>;
    /** Other files or folders of the image by their path in it, mapped to where they are here (the operator's CRDs). */
    files?: Record<string, string>;
}

interface ImageTable {
    images: Record<string, ImageBinaries>;
}

// The slice of the Pod API this runner reads.
interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        fieldRef?: { fieldPath: string };
        configMapKeyRef?: { name: string; key: string; optional?: boolean };
        secretKeyRef?: { name: string; key: string; optional?: boolean };
    };
}
interface Probe {
    httpGet?: { path?: string; port: number | string; scheme?: string; host?: string };
    initialDelaySeconds?: number;
    periodSeconds?: number;
    timeoutSeconds?: number;
    failureThreshold?: number;
}
interface Container {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    env?: EnvVar[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }[];
    ports?: { name?: string; containerPort: number }[];
    volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
    readinessProbe?: Probe;
    livenessProbe?: Probe;
    workingDir?: string;
}
interface KeyPath {
    key: string;
    path: string;
}
interface Volume {
    name: string;
    configMap?: { name: string; items?: KeyPath[]; optional?: boolean };
    secret?: { secretName: string; items?: KeyPath[]; optional?: boolean };
    emptyDir?: object;
    projected?: {
        sources: {
            serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
            configMap?: { name: string; items?: KeyPath[]; optional?: boolean };
            secret?: { name: string; items?: KeyPath[]; optional?: boolean };
            downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] };
        }[];
    };
}
interface Pod {
    metadata: {
        name: string;
        namespace: string;
        uid: string;
        deletionTimestamp?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    };
    spec: {
        nodeName?: string;
        serviceAccountName?: string;
        automountServiceAccountToken?: boolean;
        initContainers?: Container[];
        containers: Container[];
        volumes?: Volume[];
        terminationGracePeriodSeconds?: number;
    };
    status?: { phase?: string };
}

const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The addresses real pods get, apart from KWOK's (10.0.0.0/24). */
const POD_NETWORK = "10.244.0.";
/**
 * The API server's address as the pods reach it, on the test namespace's `lo` (in a real cluster,
 * the `kubernetes` Service's). e2e/cluster binds the API server to every address of the test
 * namespace and puts this one in its certificate.
 */
const API_ADDRESS = "10.244.255.254";
const POLL_MS = 500;
const MAX_BACKOFF_MS = 10_000;

const [stateDir, imageFile] = process.argv.slice(2);
if (!stateDir || !imageFile) {
    console.error("usage: realPods.ts <state folder> <images.json>");
    process.exit(2);
}
const table = JSON.parse(fs.readFileSync(imageFile, "utf8")) as ImageTable;
const server: ApiServer = directApiServer(process.env.KUBECONFIG, undefined) ?? fail("KUBECONFIG must name a token kubeconfig");
const apiUrl = new URL(server.url);
const clusterCa = server.options.ca as Buffer;

function fail(message: string): never {
    console.error(`realPods: ${message}`);
    process.exit(1);
}

function log(message: string): void {
    console.log(`${new Date().toISOString()} ${message}`);
}

/** The binaries of an image, matched by its path and tag whatever registry or mirror it comes from. */
function binariesOf(image: string): ImageBinaries | undefined {
    const match = Object.entries(table.images).find(([key]) => image === key || image.endsWith(`/${key}`));
    return match?.[1];
}

async function get<T>(apiPath: string): Promise<T | undefined> {
    try {
        return JSON.parse(await apiRequest(server, { path: apiPath })) as T;
    } catch (error) {
        if (isNotFound(error)) {
            return undefined;
        }
        throw error;
    }
}

/** Writes `content` to `file` only when it changed, atomically (a rename in the same folder), as the kubelet updates volumes. */
function writeAtomically(file: string, content: string | Buffer): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const current = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    const next = Buffer.isBuffer(content) ? content : Buffer.from(content);
    if (current !== undefined && current.equals(next)) {
        return;
    }
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, next);
    fs.renameSync(temporary, file);
}

/** A pod field as the downward API gives it. */
function fieldOf(pod: Pod, ip: string, fieldPath: string): string {
    const fields: Record<string, string | undefined> = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.serviceAccountName": pod.spec.serviceAccountName ?? "default",
        "spec.nodeName": pod.spec.nodeName,
        "status.podIP": ip,
        "status.hostIP": "127.0.0.1",
    };
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (label) {
        return pod.metadata[label[1] as "labels" | "annotations"]?.[label[2]] ?? "";
    }
    return fields[fieldPath] ?? fail(`unsupported fieldRef ${fieldPath} in pod ${pod.metadata.namespace}/${pod.metadata.name}`);
}

/**
 * A pod's own network namespace, as a container runtime gives one: its loopback, and one end of a
 * veth pair with the pod's address, routed from the test namespace. Held open by a `sleep` process
 * started in it; processes join it with nsenter. Two pods may then listen on the same port.
 */
class PodNetwork {
    private constructor(
        private readonly holder: ChildProcess,
        private readonly hostLink: string,
    ) {}

    static async create(ip: string): Promise<PodNetwork> {
        const holder = spawn("unshare", ["--net", "--", "sleep", "infinity"], { stdio: "ignore" });
        const index = ip.split(".").pop();
        const [hostLink, podLink] = [`rp${index}h`, `rp${index}p`];
        const pid = String(holder.pid);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const inPod = ["nsenter", `--net=/proc/${pid}/ns/net`, "--"];
        for (const command of [
            ["ip", "link", "del", hostLink],
            ["ip", "link", "add", hostLink, "type", "veth", "peer", "name", podLink],
            ["ip", "link", "set", podLink, "netns", pid],
            ["ip", "link", "set", hostLink, "up"],
            ["sysctl", "-q", "-w", `net.ipv4.conf.${hostLink}.proxy_arp=1`],
            ["ip", "route", "replace", `${ip}/32`, "dev", hostLink],
            [...inPod, "ip", "link", "set", "lo", "up"],
            [...inPod, "ip", "link", "set", podLink, "up"],
            [...inPod, "ip", "addr", "add", `${ip}/32`, "dev", podLink],
            [...inPod, "ip", "route", "add", "default", "dev", podLink],
        ]) {
            const result = spawnSync(command[0], command.slice(1), { encoding: "utf8" });
            if (result.status !== 0 && !(command[2] === "del")) {
                throw new Error(`${command.join(" ")}: ${result.stderr.trim()}`);
            }
        }
        return new PodNetwork(holder, hostLink);
    }

    /** The command prefix that runs a process in this namespace. */
    get enter(): string[] {
        return ["nsenter", `--net=/proc/${this.holder.pid}/ns/net`, "--"];
    }

    destroy(): void {
        spawnSync("ip", ["link", "del", this.hostLink]);
        this.holder.kill("SIGKILL");
    }
}

/** One running pod: its address, its folder, its processes and what its status says. */
class RealPod {
    readonly dir: string;
    private readonly states = new Map<string, ContainerState>();
    private stopped = false;
    private initialized = false;
    private lastStatus = "";
    network?: PodNetwork;

    constructor(
        readonly pod: Pod,
        readonly ip: string,
    ) {
        this.dir = path.join(stateDir, "real-pods", `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
    }

    get key(): string {
        return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
    }

    async start(): Promise<void> {
        fs.mkdirSync(this.dir, { recursive: true });
        this.network = await PodNetwork.create(this.ip);
        await this.registerLogs();
        await this.refreshVolumes();
        await this.reportStatus();
        for (const container of this.pod.spec.initContainers ?? []) {
            const state = new ContainerState(this, container, true);
            this.states.set(container.name, state);
            while (!this.stopped && !(await state.runToCompletion())) {
                await state.backoff();
            }
        }
        if (this.stopped) {
            return;
        }
        this.initialized = true;
        for (const container of this.pod.spec.containers) {
            const state = new ContainerState(this, container, false);
            this.states.set(container.name, state);
            void state.keepRunning();
        }
        await this.reportStatus();
    }

    /** Stops the containers: SIGTERM, then SIGKILL after the pod's grace period, shortened to `maxGraceMs`. */
    async stop(maxGraceMs = 10_000): Promise<void> {
        this.stopped = true;
        const grace = Math.min((this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000, maxGraceMs);
        await Promise.all([...this.states.values()].map((state) => state.stop(grace)));
        this.network?.destroy();
        await apiRequest(server, {
            method: "DELETE",
            path: `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${this.pod.metadata.namespace}/logs/${this.pod.metadata.name}`,
        }).catch(() => undefined);
    }

    get isStopped(): boolean {
        return this.stopped;
    }

    logFile(container: string): string {
        return path.join(this.dir, "logs", `${container}.log`);
    }

    /** Tells KWOK, which serves the nodes' kubelet API, where each container's log is. */
    private async registerLogs(): Promise<void> {
        const containers = [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers];
        for (const container of containers) {
            writeAtomically(this.logFile(container.name), "");
        }
        const body = {
            apiVersion: "kwok.x-k8s.io/v1alpha1",
            kind: "Logs",
            metadata: { name: this.pod.metadata.name, namespace: this.pod.metadata.namespace },
            // One file per container holds every run of it, so it also answers `kubectl logs --previous`.
            spec: {
                logs: containers.map((c) => ({
                    containers: [c.name],
                    logsFile: this.logFile(c.name),
                    previousLogsFile: this.logFile(c.name),
                    follow: true,
                })),
            },
        };
        await apiRequest(server, {
            method: "POST",
            path: `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${this.pod.metadata.namespace}/logs`,
            body,
        }).catch((error: Error) => log(`${this.key}: logs not registered with KWOK: ${error.message}`));
    }

    /** The folder that holds a volume's files (one per pod and volume). */
    volumeDir(name: string): string {
        return path.join(this.dir, "volumes", name);
    }

    /** Writes every volume's files, and the service account's unless automounting is off: as the kubelet keeps them, again every few seconds. */
    async refreshVolumes(): Promise<void> {
        for (const volume of this.volumes()) {
            await this.writeVolume(volume);
        }
    }

    /** The pod's volumes, with the service account's token volume the ServiceAccount admission plugin would add. */
    volumes(): Volume[] {
        const volumes = [...(this.pod.spec.volumes ?? [])];
        if (this.automountsServiceAccount()) {
            volumes.push({
                name: "kube-api-access-realpods",
                projected: {
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
                    ],
                },
            });
        }
        return volumes;
    }

    mountsOf(container: Container): { name: string; mountPath: string; subPath?: string }[] {
        const mounts = [...(container.volumeMounts ?? [])];
        if (this.automountsServiceAccount() && !mounts.some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT)) {
            mounts.push({ name: "kube-api-access-realpods", mountPath: SERVICE_ACCOUNT_MOUNT });
        }
        return mounts;
    }

    private automountsServiceAccount(): boolean {
        const explicit = this.pod.spec.containers.some((c) => c.volumeMounts?.some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT));
        return this.pod.spec.automountServiceAccountToken !== false && !explicit;
    }

    private async writeVolume(volume: Volume): Promise<void> {
        const dir = this.volumeDir(volume.name);
        fs.mkdirSync(dir, { recursive: true });
        if (volume.configMap) {
            await this.writeKeys(dir, "configmaps", volume.configMap.name, volume.configMap.items, volume.configMap.optional);
        } else if (volume.secret) {
            await this.writeKeys(dir, "secrets", volume.secret.secretName, volume.secret.items, volume.secret.optional);
        } else if (volume.projected) {
            for (const source of volume.projected.sources) {
                if (source.serviceAccountToken) {
                    writeAtomically(path.join(dir, source.serviceAccountToken.path), await this.token(source.serviceAccountToken));
                } else if (source.configMap) {
                    await this.writeKeys(dir, "configmaps", source.configMap.name, source.configMap.items, source.configMap.optional);
                } else if (source.secret) {
                    await this.writeKeys(dir, "secrets", source.secret.name, source.secret.items, source.secret.optional);
                } else if (source.downwardAPI) {
                    for (const item of source.downwardAPI.items) {
                        writeAtomically(path.join(dir, item.path), fieldOf(this.pod, this.ip, item.fieldRef?.fieldPath ?? ""));
                    }
                }
            }
        } else if (!volume.emptyDir) {
            log(`${this.key}: volume ${volume.name} of an unsupported kind is left empty`);
        }
    }

    /** A ConfigMap's or Secret's keys as files (all, or the listed items); kube-root-ca.crt is the cluster's CA. */
    private async writeKeys(
        dir: string,
        kind: "configmaps" | "secrets",
        name: string,
        items?: KeyPath[],
        optional?: boolean,
    ): Promise<void> {
        const object = await get<{ data?: Record<string, string>; binaryData?: Record<string, string> }>(
            `/api/v1/namespaces/${this.pod.metadata.namespace}/${kind}/${name}`,
        );
        const data: Record<string, Buffer> = {};
        if (object === undefined && kind === "configmaps" && name === "kube-root-ca.crt") {
            data["ca.crt"] = clusterCa;
        }
        for (const [key, value] of Object.entries(object?.data ?? {})) {
            data[key] = kind === "secrets" ? Buffer.from(value, "base64") : Buffer.from(value);
        }
        for (const [key, value] of Object.entries(object?.binaryData ?? {})) {
            data[key] = Buffer.from(value, "base64");
        }
        if (object === undefined && !optional && Object.keys(data).length === 0) {
            log(`${this.key}: ${kind} ${name} does not exist yet`);
        }
        for (const { key, path: file } of items ?? Object.keys(data).map((key) => ({ key, path: key }))) {
            if (data[key] !== undefined) {
                writeAtomically(path.join(dir, file), data[key]);
            }
        }
    }

    private tokens = new Map<string, { token: string; renewAt: number }>();

    /** A token of the pod's service account, bound to the pod, renewed at 80 % of its life as the kubelet does. */
    private async token(request: { audience?: string; expirationSeconds?: number }): Promise<string> {
        const key = request.audience ?? "";
        const cached = this.tokens.get(key);
        if (cached && Date.now() < cached.renewAt) {
            return cached.token;
        }
        const seconds = Math.max(request.expirationSeconds ?? 3600, 600);
        const { namespace, name, uid } = this.pod.metadata;
        const answer = JSON.parse(
            await apiRequest(server, {
                method: "POST",
                path: `/api/v1/namespaces/${namespace}/serviceaccounts/${this.pod.spec.serviceAccountName ?? "default"}/token`,
                body: {
                    apiVersion: "authentication.k8s.io/v1",
                    kind: "TokenRequest",
                    spec: {
                        audiences: request.audience ? [request.audience] : null,
                        expirationSeconds: seconds,
                        boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid },
                    },
                },
            }),
        ) as { status: { token: string } };
        this.tokens.set(key, { token: answer.status.token, renewAt: Date.now() + seconds * 800 });
        return answer.status.token;
    }

    /** The pod's status from its containers' states, patched when it changed. */
    async reportStatus(): Promise<void> {
        if (this.stopped) {
            return;
        }
        const now = new Date().toISOString();
        const init = (this.pod.spec.initContainers ?? []).map((c) => this.states.get(c.name)?.status(c) ?? waiting(c, "PodInitializing"));
        const main = this.pod.spec.containers.map(
            (c) => this.states.get(c.name)?.status(c) ?? waiting(c, this.initialized ? "ContainerCreating" : "PodInitializing"),
        );
        const ready = this.initialized && main.every((c) => c.ready);
        const condition = (type: string, status: boolean) => ({ type, status: status ? "True" : "False", lastTransitionTime: now });
        const status = {
            phase: this.initialized ? "Running" : "Pending",
            hostIP: "127.0.0.1",
            hostIPs: [{ ip: "127.0.0.1" }],
            podIP: this.ip,
            podIPs: [{ ip: this.ip }],
            startTime: this.startTime,
            conditions: [
                condition("PodScheduled", true),
                condition("Initialized", this.initialized),
                condition("ContainersReady", ready),
                condition("Ready", ready),
            ],
            initContainerStatuses: init,
            containerStatuses: main,
        };
        const fingerprint = JSON.stringify({ ...status, conditions: status.conditions.map(({ type, status: s }) => [type, s]) });
        if (fingerprint === this.lastStatus) {
            return;
        }
        this.lastStatus = fingerprint;
        const { namespace, name } = this.pod.metadata;
        await apiRequest(server, {
            method: "PATCH",
            path: `/api/v1/namespaces/${namespace}/pods/${name}/status`,
            contentType: "application/merge-patch+json",
            body: { status },
        }).catch((error: Error) => log(`${this.key}: status not reported: ${error.message}`));
    }

    private readonly startTime = new Date().toISOString();
}

function waiting(container: Container, reason: string) {
    return { name: container.name, image: container.image, imageID: "", ready: false, restartCount: 0, state: { waiting: { reason } } };
}

/** One container: its process, its restarts and its probes. */
class ContainerState {
    private process?: ChildProcess;
    private restarts = 0;
    private started?: string;
    private ready = false;
    private last?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
    private delayMs = 1000;
    private backingOff = false;
    private probes: NodeJS.Timeout[] = [];

    constructor(
        private readonly owner: RealPod,
        private readonly container: Container,
        private readonly init: boolean,
    ) {}

    status(container: Container) {
        const running = this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
        return {
            name: container.name,
            image: container.image,
            imageID: "",
            ready: this.init ? this.last?.exitCode === 0 : running && this.ready,
            started: running,
            restartCount: this.restarts,
            // As a kubelet: waiting in CrashLoopBackOff between a failed run and the next, the run that ended as lastState.
            state: running
                ? { running: { startedAt: this.started } }
                : this.backingOff
                  ? {
                        waiting: {
                            reason: "CrashLoopBackOff",
                            message: `back-off ${this.delayMs / 1000}s restarting failed container=${container.name}`,
                        },
                    }
                  : this.last
                    ? { terminated: this.last }
                    : { waiting: { reason: "ContainerCreating" } },
            ...(this.last && (running || this.backingOff) ? { lastState: { terminated: this.last } } : {}),
        };
    }

    /** Runs an init container once; true when it exited 0. */
    async runToCompletion(): Promise<boolean> {
        const exit = await this.run();
        return exit === 0;
    }

    /** Keeps a container running: restarted when it exits or fails its liveness probe, until the pod stops. */
    async keepRunning(): Promise<void> {
        while (!this.owner.isStopped) {
            this.startProbes();
            const exit = await this.run();
            this.stopProbes();
            if (this.owner.isStopped) {
                return;
            }
            log(`${this.owner.key}/${this.container.name}: exited with ${exit}; restarting in ${this.delayMs / 1000}s`);
            this.restarts += 1;
            await this.backoff();
        }
    }

    async backoff(): Promise<void> {
        this.backingOff = true;
        await this.owner.reportStatus();
        await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        this.backingOff = false;
        this.delayMs = Math.min(this.delayMs * 2, MAX_BACKOFF_MS);
    }

    async stop(graceMs: number): Promise<void> {
        this.stopProbes();
        const child = this.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) {
            return;
        }
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
    }

    /** Starts the process and resolves to its exit code once it ends. */
    private async run(): Promise<number> {
        await this.owner.refreshVolumes();
        const { command, args } = commandOf(this.container);
        const env = await environmentOf(this.owner.pod, this.owner.ip, this.container);
        const imageFiles = Object.entries(binariesOf(this.container.image)?.files ?? {}).map(([target, source]) => ({ source, target }));
        const mounts = [
            ...imageFiles,
            ...this.owner.mountsOf(this.container).map((m) => ({
                source: path.join(this.owner.volumeDir(m.name), m.subPath ?? ""),
                target: m.mountPath,
            })),
        ];
        const script = mountScript(mounts, path.join(this.owner.dir, "overlays"));
        const out = fs.openSync(this.owner.logFile(this.container.name), "a");
        this.started = new Date().toISOString();
        this.ready = false;
        const [enter, ...entered] = this.owner.network!.enter;
        const child = spawn(
            enter,
            [...entered, "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, command, ...args],
            {
                env,
                cwd: this.container.workingDir && fs.existsSync(this.container.workingDir) ? this.container.workingDir : this.owner.dir,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        this.process = child;
        for (const [stream, source] of [
            ["stdout", child.stdout],
            ["stderr", child.stderr],
        ] as const) {
            let partial = "";
            source.on("data", (chunk: Buffer) => {
                const lines = (partial + chunk.toString("utf8")).split("\n");
                partial = lines.pop() ?? "";
                for (const line of lines) {
                    fs.writeSync(out, `${new Date().toISOString()} ${stream} F ${line}\n`);
                }
            });
        }
        log(`${this.owner.key}/${this.container.name}: started ${command} (pid ${child.pid})`);
        void this.owner.reportStatus();
        const exitCode = await new Promise<number>((resolve) => {
            // As a container runtime reports it: 128 plus the signal's number when a signal ended it.
            child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
        });
        fs.closeSync(out);
        this.last = {
            exitCode,
            reason: exitCode === 0 ? "Completed" : "Error",
            startedAt: this.started,
            finishedAt: new Date().toISOString(),
        };
        if (exitCode === 0) {
            this.delayMs = 1000;
        }
        await this.owner.reportStatus();
        return exitCode;
    }

    private startProbes(): void {
        const { readinessProbe, livenessProbe } = this.container;
        if (!readinessProbe?.httpGet) {
            this.ready = true;
        } else {
            this.schedule(readinessProbe, async (ok) => {
                if (ok !== this.ready) {
                    this.ready = ok;
                    await this.owner.reportStatus();
                }
            });
        }
        if (livenessProbe?.httpGet) {
            let failures = 0;
            this.schedule(livenessProbe, async (ok) => {
                failures = ok ? 0 : failures + 1;
                if (failures >= (livenessProbe.failureThreshold ?? 3)) {
                    log(`${this.owner.key}/${this.container.name}: liveness probe failed ${failures} times; restarting`);
                    failures = 0;
                    this.process?.kill("SIGKILL");
                }
            });
        }
    }

    private schedule(probe: Probe, onResult: (ok: boolean) => Promise<void>): void {
        const period = (probe.periodSeconds ?? 10) * 1000;
        const tick = async () => onResult(await httpProbe(probe, this.container, this.owner.ip));
        const first = setTimeout(
            () => {
                void tick();
                this.probes.push(setInterval(() => void tick(), period));
            },
            (probe.initialDelaySeconds ?? 0) * 1000,
        );
        this.probes.push(first);
    }

    private stopProbes(): void {
        for (const timer of this.probes) {
            clearTimeout(timer);
            clearInterval(timer);
        }
        this.probes = [];
    }
}

/** The executable and arguments: the container's command (or the image's entrypoint) mapped to the built binary. */
function commandOf(container: Container): { command: string; args: string[] } {
    const image = binariesOf(container.image) ?? fail(`no binaries for image ${container.image}`);
    const [entry, ...rest] = container.command ?? image.entrypoint;
    const binary = image.binaries[entry] ?? fail(`image ${container.image} has no binary ${entry} built here`);
    return { command: binary, args: [...(container.command ? rest : []), ...(container.args ?? [])] };
}

/** The container's environment: its own variables (downward API and references resolved) and the in-cluster API address. */
async function environmentOf(pod: Pod, ip: string, container: Container): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        HOSTNAME: pod.metadata.name,
        // In a real cluster kube-proxy sends the `kubernetes` Service's address to the API server.
        KUBERNETES_SERVICE_HOST: API_ADDRESS,
        KUBERNETES_SERVICE_PORT: apiUrl.port || "443",
    };
    const { namespace } = pod.metadata;
    const keyOf = async (kind: "configmaps" | "secrets", ref: { name: string; key: string; optional?: boolean }) => {
        const object = await get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/${kind}/${ref.name}`);
        const value = object?.data?.[ref.key];
        return value === undefined ? undefined : kind === "secrets" ? Buffer.from(value, "base64").toString() : value;
    };
    for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        const object =
            ref &&
            (await get<{ data?: Record<string, string> }>(
                `/api/v1/namespaces/${namespace}/${from.configMapRef ? "configmaps" : "secrets"}/${ref.name}`,
            ));
        for (const [key, value] of Object.entries(object?.data ?? {})) {
            env[`${from.prefix ?? ""}${key}`] = from.secretRef ? Buffer.from(value, "base64").toString() : value;
        }
    }
    for (const variable of container.env ?? []) {
        const from = variable.valueFrom;
        const value =
            variable.value ??
            (from?.fieldRef
                ? fieldOf(pod, ip, from.fieldRef.fieldPath)
                : from?.configMapKeyRef
                  ? await keyOf("configmaps", from.configMapKeyRef)
                  : from?.secretKeyRef
                    ? await keyOf("secrets", from.secretKeyRef)
                    : undefined);
        if (value !== undefined) {
            env[variable.name] = value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
        }
    }
    return env;
}

/**
 * The shell script that lays the pod's volumes at their mount paths inside the process's own mount
 * namespace, then runs the process (`$0` with its arguments). A mount path that does not exist on
 * the machine is created under an overlay of its top folder (`/etc`, `/run`, …), so the machine's
 * own folders never change; under /tmp it is created as it is.
 */
function mountScript(mounts: { source: string; target: string }[], overlays: string): string {
    const lines = ["set -e"];
    const overlaid = new Set<string>();
    for (const { source, target } of mounts) {
        const real = realTarget(target);
        const top = `/${real.split("/")[1]}`;
        if (!fs.existsSync(real) && top !== "/tmp" && !overlaid.has(top)) {
            overlaid.add(top);
            const upper = path.join(overlays, top.slice(1), "upper");
            const work = path.join(overlays, top.slice(1), "work");
            fs.mkdirSync(upper, { recursive: true });
            fs.mkdirSync(work, { recursive: true });
            lines.push(`mount -t overlay overlay -o lowerdir=${top},upperdir=${upper},workdir=${work} ${top}`);
        }
        const isFile = fs.existsSync(source) && fs.statSync(source).isFile();
        lines.push(isFile ? `mkdir -p ${path.dirname(real)} && touch ${real}` : `mkdir -p ${real}`);
        lines.push(`mount --bind ${source} ${real}`);
    }
    lines.push('exec "$0" "$@"');
    return lines.join("\n");
}

/** A mount path with symbolic links of its existing part resolved (/var/run is /run). */
function realTarget(target: string): string {
    let existing = target;
    while (!fs.existsSync(existing)) {
        existing = path.dirname(existing);
    }
    return path.join(fs.realpathSync(existing), path.relative(existing, target));
}

/** One HTTP probe: a 2xx or 3xx answer within the timeout. */
function httpProbe(probe: Probe, container: Container, ip: string): Promise<boolean> {
    const get = probe.httpGet!;
    const port =
        typeof get.port === "number" ? get.port : (container.ports?.find((p) => p.name === get.port)?.containerPort ?? Number(get.port));
    const secure = (get.scheme ?? "HTTP").toUpperCase() === "HTTPS";
    const url = `${secure ? "https" : "http"}://${get.host ?? ip}:${port}${get.path ?? "/"}`;
    return new Promise((resolve) => {
        const request = (secure ? https : http).get(
            url,
            { timeout: (probe.timeoutSeconds ?? 1) * 1000, rejectUnauthorized: false },
            (answer) => {
                answer.resume();
                resolve((answer.statusCode ?? 0) >= 200 && (answer.statusCode ?? 0) < 400);
            },
        );
        request.on("timeout", () => request.destroy());
        request.on("error", () => resolve(false));
    });
}

const running = new Map<string, RealPod>();
const usedAddresses = new Set<string>();

function nextAddress(): string {
    for (let host = 2; host < 255; host++) {
        const ip = `${POD_NETWORK}${host}`;
        if (!usedAddresses.has(ip)) {
            usedAddresses.add(ip);
            return ip;
        }
    }
    return fail("no pod address left");
}

/** Starts the pods that should run and stops those that should not, from one list of every pod. */
async function reconcile(): Promise<void> {
    const { items } = JSON.parse(await apiRequest(server, { path: "/api/v1/pods" })) as { items: Pod[] };
    const wanted = new Map(
        items
            .filter((pod) => pod.spec.nodeName && !pod.metadata.deletionTimestamp && binariesOf(pod.spec.containers[0]?.image ?? ""))
            .map((pod) => [pod.metadata.uid, pod]),
    );
    for (const [uid, real] of running) {
        if (!wanted.has(uid)) {
            running.delete(uid);
            log(`${real.key}: deleted; stopping`);
            void real.stop().then(() => usedAddresses.delete(real.ip));
        }
    }
    for (const [uid, pod] of wanted) {
        if (!running.has(uid) && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed") {
            const real = new RealPod(pod, nextAddress());
            running.set(uid, real);
            log(`${real.key}: running it for real at ${real.ip} (image ${pod.spec.containers[0].image})`);
            real.start().catch((error: Error) => log(`${real.key}: ${error.stack ?? error.message}`));
        }
    }
}

/** Secrets and ConfigMaps change after a pod starts (the operator writes its own certificate): kept up to date. */
async function refreshAll(): Promise<void> {
    for (const real of running.values()) {
        await real.refreshVolumes().catch((error: Error) => log(`${real.key}: volumes not refreshed: ${error.message}`));
    }
}

async function loop(): Promise<void> {
    let ticks = 0;
    for (;;) {
        await reconcile().catch((error: Error) => log(`reconcile: ${error.message}`));
        if (++ticks % 4 === 0) {
            await refreshAll();
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}

/** The cluster is stopping (e2e/cluster gives its processes 5 s): every container goes within 3 s. */
async function shutdown(): Promise<void> {
    await Promise.all([...running.values()].map((real) => real.stop(3000)));
    spawnSync("ip", ["addr", "del", `${API_ADDRESS}/32`, "dev", "lo"]);
    process.exit(0);
}

process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
spawnSync("ip", ["addr", "add", `${API_ADDRESS}/32`, "dev", "lo"]);
log(`running the pods of ${Object.keys(table.images).join(", ")} for real`);
void loop();
