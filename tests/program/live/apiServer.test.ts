import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ApiError, apiRequest, directApiServer, isNotFound, providerApiServer } from "../../../program/live/apiServer";
import { kubernetesClusterReader } from "../../../program/live/reader";

const CA = Buffer.from("the cluster's CA");

/** A kubeconfig with one context per entry of `users`, all on one cluster; the first is current. */
function kubeconfig(
    users: Record<string, Record<string, unknown>>,
    cluster: Record<string, unknown> = { server: "https://127.0.0.1:6443", "certificate-authority-data": CA.toString("base64") },
): string {
    const names = Object.keys(users);
    return yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster }],
        users: names.map((name) => ({ name, user: users[name] })),
        contexts: names.map((name) => ({ name, context: { cluster: "c", user: name } })),
        "current-context": names[0],
    });
}

describe("API server (live/apiServer.ts)", () => {
    let folder: string;
    beforeEach(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), "dynamo-kubeconfig-"))));
    afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

    describe("reading a kubeconfig directly", () => {
        it("takes the current context's server, CA and bearer token", () => {
            const server = directApiServer(kubeconfig({ admin: { token: "t0ken" } }), undefined);
            assert.equal(server?.url, "https://127.0.0.1:6443");
            assert.deepEqual(server?.options.ca, CA);
            assert.deepEqual(server?.options.headers, { Authorization: "Bearer t0ken" });
            assert.equal(server?.options.rejectUnauthorized, undefined, "TLS is verified unless the kubeconfig says otherwise");
        });

        it("selects the named context and reads certificate files relative to the kubeconfig's folder", () => {
            fs.mkdirSync(path.join(folder, "pki"));
            fs.writeFileSync(path.join(folder, "pki", "ca.crt"), "ca file");
            fs.writeFileSync(path.join(folder, "pki", "admin.crt"), "certificate file");
            fs.writeFileSync(path.join(folder, "pki", "admin.key"), "key file");
            const file = path.join(folder, "config");
            fs.writeFileSync(
                file,
                kubeconfig(
                    { other: { token: "not this one" }, admin: { "client-certificate": "pki/admin.crt", "client-key": "pki/admin.key" } },
                    { server: "https://k3s.local:6443", "certificate-authority": "pki/ca.crt", "tls-server-name": "kubernetes" },
                ),
            );
            const server = directApiServer(file, "admin");
            assert.equal(server?.url, "https://k3s.local:6443");
            assert.equal(server?.options.ca?.toString(), "ca file");
            assert.equal(server?.options.cert?.toString(), "certificate file");
            assert.equal(server?.options.key?.toString(), "key file");
            assert.equal(server?.options.servername, "kubernetes");
            assert.deepEqual(server?.options.headers, {});
        });

        it("reads KUBECONFIG when it names one file, and honours insecure-skip-tls-verify", () => {
            const file = path.join(folder, "config");
            fs.writeFileSync(file, kubeconfig({ admin: { token: "t" } }, { server: "https://10.0.0.1", "insecure-skip-tls-verify": true }));
            const saved = process.env.KUBECONFIG;
            process.env.KUBECONFIG = file;
            try {
                assert.equal(directApiServer(undefined, undefined)?.options.rejectUnauthorized, false);
                process.env.KUBECONFIG = [file, file].join(path.delimiter);
                assert.equal(directApiServer(undefined, undefined), undefined, "several files are merged by client-node");
            } finally {
                if (saved === undefined) {
                    delete process.env.KUBECONFIG;
                } else {
                    process.env.KUBECONFIG = saved;
                }
            }
        });

        const leftToClientNode: [string, string | undefined, string | undefined][] = [
            [
                "an exec plugin (EKS)",
                kubeconfig({ eks: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws" } } }),
                undefined,
            ],
            ["an auth provider", kubeconfig({ gke: { "auth-provider": { name: "gcp" } } }), undefined],
            ["basic auth", kubeconfig({ basic: { username: "u", password: "p" } }), undefined],
            ["a proxy", kubeconfig({ admin: { token: "t" } }, { server: "https://a", "proxy-url": "http://proxy:3128" }), undefined],
            ["an unknown context", kubeconfig({ admin: { token: "t" } }), "missing"],
            ["a kubeconfig file that does not exist", "/nonexistent/kubeconfig", undefined],
        ];
        for (const [what, config, context] of leftToClientNode) {
            it(`leaves ${what} to client-node`, () => assert.equal(directApiServer(config, context), undefined));
        }

        it("falls back to client-node for what it does not read: an exec plugin's token", async () => {
            const credential = JSON.stringify({
                apiVersion: "client.authentication.k8s.io/v1beta1",
                kind: "ExecCredential",
                status: { token: "from-exec" },
            });
            const exec = {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: process.execPath,
                args: ["-e", `console.log(${JSON.stringify(credential)})`],
                interactiveMode: "Never",
            };
            const server = await providerApiServer(kubeconfig({ eks: { exec } }), undefined);
            assert.equal(server.url, "https://127.0.0.1:6443");
            assert.equal((server.options.headers as Record<string, string>).Authorization, "Bearer from-exec");
        });
    });

    describe("requests, and the cluster reader on them (a local HTTP API server)", () => {
        let api: http.Server;
        let url = "";
        const received: { method?: string; url?: string; authorization?: string; body: string }[] = [];
        /** Answers by path: [status, body]; a string body is sent as it is. */
        const routes: Record<string, [number, unknown]> = {
            "/version": [200, { gitVersion: "v1.34.4" }],
            "/api/v1/nodes": [
                200,
                {
                    items: [
                        {
                            metadata: { name: "gpu-0", labels: { zone: "a" } },
                            spec: {},
                            status: { conditions: [{ type: "Ready", status: "True" }], allocatable: { "nvidia.com/gpu": "8" } },
                        },
                        { metadata: { name: "cpu-0" }, spec: { unschedulable: true }, status: { conditions: [] } },
                    ],
                },
            ],
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/missing.nvidia.com": [
                404,
                { kind: "Status", code: 404, message: 'customresourcedefinitions "missing.nvidia.com" not found' },
            ],
            "/api/v1/namespaces/dynamo-system/pods/operator-0/log": [200, "line 1\nline 2\n"],
            "/apis/nvidia.com/v1alpha1/namespaces/models/dynamographdeployments": [
                500,
                { kind: "Status", code: 500, message: 'Internal error occurred: failed calling webhook "vdgd.nvidia.com"' },
            ],
            "/apis/nvidia.com/v1alpha1/namespaces/admitted/dynamographdeployments": [201, {}],
        };

        before(async () => {
            api = http.createServer((request, response) => {
                const chunks: Buffer[] = [];
                request.on("data", (chunk: Buffer) => chunks.push(chunk));
                request.on("end", () => {
                    received.push({
                        method: request.method,
                        url: request.url,
                        authorization: request.headers.authorization,
                        body: Buffer.concat(chunks).toString(),
                    });
                    const [status, body] = routes[new URL(request.url ?? "/", "http://x").pathname] ?? [404, { message: "no route" }];
                    response.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json" });
                    response.end(typeof body === "string" ? body : JSON.stringify(body));
                });
            });
            await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
            url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
        });
        after(() => api.close());
        beforeEach(() => received.splice(0));

        const reader = () =>
            kubernetesClusterReader(directApiServer(kubeconfig({ admin: { token: "secret" } }, { server: url }), undefined)!);

        it("sends the bearer token and maps the answers", async () => {
            const cluster = reader();
            assert.equal(await cluster.serverVersion(), "v1.34.4");
            assert.deepEqual(await cluster.nodes(), [
                { name: "gpu-0", ready: true, unschedulable: false, gpus: 8, labels: { zone: "a" } },
                { name: "cpu-0", ready: false, unschedulable: true, gpus: 0, labels: {} },
            ]);
            assert.deepEqual(
                received.map((r) => r.authorization),
                ["Bearer secret", "Bearer secret"],
            );
        });

        it("reads a missing object as undefined, and a 404 is an ApiError that isNotFound recognises", async () => {
            assert.equal(await reader().crd("missing.nvidia.com"), undefined);
            const server = directApiServer(kubeconfig({ admin: { token: "secret" } }, { server: url }), undefined)!;
            const error = await apiRequest(server, {
                path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/missing.nvidia.com",
            }).catch((e: unknown) => e);
            assert.ok(error instanceof ApiError);
            assert.equal(error.code, 404);
            assert.equal(error.message, 'customresourcedefinitions "missing.nvidia.com" not found');
            assert.ok(isNotFound(error));
        });

        it("reads a container's log tail as text, with the container and line count in the query", async () => {
            assert.equal(await reader().podLogTail("dynamo-system", "operator-0", "manager", 20), "line 1\nline 2\n");
            assert.equal(received[0].url, "/api/v1/namespaces/dynamo-system/pods/operator-0/log?container=manager&tailLines=20");
        });

        it("a dry-run create POSTs the object with dryRun=All and returns the refusal's message, or undefined when admitted", async () => {
            const object = {
                group: "nvidia.com",
                version: "v1alpha1",
                plural: "dynamographdeployments",
                body: { kind: "DynamoGraphDeployment" },
            };
            assert.equal(
                await reader().dryRunCreate({ ...object, namespace: "models" }),
                'Internal error occurred: failed calling webhook "vdgd.nvidia.com"',
            );
            assert.equal(await reader().dryRunCreate({ ...object, namespace: "admitted" }), undefined);
            assert.deepEqual(
                received.map((r) => [r.method, r.url, JSON.parse(r.body)]),
                [
                    ["POST", "/apis/nvidia.com/v1alpha1/namespaces/models/dynamographdeployments?dryRun=All", object.body],
                    ["POST", "/apis/nvidia.com/v1alpha1/namespaces/admitted/dynamographdeployments?dryRun=All", object.body],
                ],
            );
        });
    });
});
