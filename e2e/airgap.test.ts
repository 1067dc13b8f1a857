/**
 * End-to-end for air-gapped clusters: `npm run images` on the real charts (`../shared/charts`) for
 * 0.9.1 and 1.0.1, every image the stack installs, by its real name, before and after
 * `dynamo:imageRegistry`; then a private chart repository (HTTPS under its own CA, basic auth)
 * served on loopback, read by the tool and by a `pulumi preview` of the stack. Nothing is
 * installed: the charts render offline and the previews change nothing (that installs from a mirror
 * pull every image from it is e2e/upgrade.test.ts's step 15). Starts from the harness's baseline.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isUnpinnedImage } from "../components/core/images";
import { baseline, CHARTS, dynamoStackFile, env, initStack, MIRROR, ok, pulumi, ROOT, timings, work } from "./harness";

const STACK = "organization/dynamo/images";
const configFile = path.join(work, "Pulumi.images.yaml");

interface Listed {
    image: string;
    repository: string;
    public: string;
    inMirror?: boolean;
    uses: { source: string; kind: string; name: string; where: string; hook?: string }[];
}

const STACK_CONFIG = {
    chartRepository: CHARTS,
    persistenceStorageClass: "local-path",
    localPath: { install: true },
    nfs: { server: "nfs.e2e.invalid", share: "/exports/models", installDriver: false },
};

describe("end-to-end air gap: npm run images lists what the real charts install", function () {
    let encryptionSalt = "";

    before(async () => {
        await baseline("airgap");
        encryptionSalt = initStack("stack init (images)", STACK, ROOT, configFile);
    });

    function images(step: string, config: Record<string, unknown>, ...flags: string[]) {
        fs.writeFileSync(configFile, dynamoStackFile(encryptionSalt, { ...STACK_CONFIG, ...config }));
        const start = Date.now();
        const result = spawnSync("npm", ["run", "-s", "images", "--", "--stack", STACK, "--config-file", configFile, ...flags], {
            cwd: ROOT,
            env,
            encoding: "utf8",
        });
        timings.push([step, (Date.now() - start) / 1000]);
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    function listed(step: string, config: Record<string, unknown>): Listed[] {
        const result = images(step, config, "--json");
        assert.equal(result.status, 0, result.stderr);
        return (JSON.parse(result.stdout) as { images: Listed[] }).images;
    }

    /** The no-latest-image-tags rule of the policy pack, on the rendered containers instead of the values. */
    function unpinnedContainers(rows: Listed[]): string[] {
        return rows
            .filter((row) => row.uses.some((use) => /^(container|initContainer) [^ ]+$/.test(use.where)))
            .map((row) => row.image)
            .filter(isUnpinnedImage);
    }

    function expectMirrored(rows: Listed[], publicRows: Listed[], pairs: string): void {
        assert.deepEqual(
            rows.filter((row) => !row.inMirror).map((row) => row.image),
            [],
            "every image in the mirror",
        );
        assert.equal(rows.length, publicRows.length, "the mirror moves images, it adds or drops none");
        const lines = pairs.trim().split("\n");
        assert.equal(lines.length, rows.length);
        for (const line of lines) {
            const [from, to] = line.split(" ");
            assert.ok(to.startsWith(`${MIRROR}/`), line);
            assert.ok(to.endsWith(from.slice(from.indexOf("/") + 1)), `${line}: the path below the registry is kept`);
        }
    }

    it("0.9.1 as the stack installs it: real images of every subchart, pinned hook Jobs, no ssh-keygen Job, nothing unpinned", () => {
        const rows = listed("npm run images (0.9.1)", { releaseVersion: "0.9.1" });
        const names = rows.map((row) => row.image);
        for (const image of [
            "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:0.9.1",
            "gcr.io/kubebuilder/kube-rbac-proxy:v0.15.0",
            "docker.io/bitnamilegacy/etcd:3.5.18-debian-12-r5",
            "nats:2.10.21-alpine",
            "natsio/nats-server-config-reloader:0.16.0",
            "ghcr.io/nvidia/grove/grove-operator:v0.1.0-alpha.3",
            "ghcr.io/nvidia/kai-scheduler/operator:v0.9.4",
            "ghcr.io/nvidia/kai-scheduler/crd-upgrader:v0.9.4",
            "docker.io/rancher/local-path-provisioner:v0.0.37",
        ]) {
            assert.ok(names.includes(image), `${image} in ${names.join(", ")}`);
        }
        const certJobs = rows.find((row) => row.image === "docker.io/bitnamilegacy/kubectl:1.33.4");
        assert.deepEqual(certJobs?.uses.map((use) => use.hook).sort(), ["post-install,post-upgrade", "pre-install,pre-upgrade"]);
        assert.ok(!names.some((image) => image.includes("bitnamisecure/git")), "the ssh-keygen Job is off");
        assert.deepEqual(unpinnedContainers(rows), []);
    });

    it("0.9.1 with dynamo:imageRegistry: every image, hooks included, pulled from the mirror, each paired with its public one", () => {
        const publicRows = listed("npm run images (0.9.1)", { releaseVersion: "0.9.1" });
        const rows = listed("npm run images (0.9.1, mirror)", { releaseVersion: "0.9.1", imageRegistry: MIRROR });
        const pairs = images("npm run images --pairs (0.9.1, mirror)", { releaseVersion: "0.9.1", imageRegistry: MIRROR }, "--pairs");
        assert.equal(pairs.status, 0, pairs.stderr);
        expectMirrored(rows, publicRows, pairs.stdout);
        assert.ok(
            rows.some((row) => row.image === `${MIRROR}/bitnamilegacy/etcd:3.5.18-debian-12-r5`),
            "etcd renders under the mirror",
        );
    });

    it("1.0.1: its own images (no Dynamo hook Jobs, KAI v0.13 hooks), and all of them in the mirror", () => {
        const publicRows = listed("npm run images (1.0.1)", { releaseVersion: "1.0.1" });
        const names = publicRows.map((row) => row.image);
        for (const image of [
            "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.0.1",
            "ghcr.io/ai-dynamo/grove/grove-operator:v0.1.0-alpha.6",
            "ghcr.io/nvidia/kai-scheduler/crd-upgrader:v0.13.0-rc1",
            "nats:2.10.21-alpine",
        ]) {
            assert.ok(names.includes(image), `${image} in ${names.join(", ")}`);
        }
        assert.ok(!names.some((image) => image.includes("kubectl")), "1.x has no webhook certificate Jobs");
        const operator = publicRows.find((row) => row.image.startsWith("nvcr.io/"))!;
        assert.ok(
            operator.uses.some((use) => use.where === "initContainer crd-apply"),
            "the operator image also applies the CRDs",
        );
        assert.deepEqual(unpinnedContainers(publicRows), []);

        const rows = listed("npm run images (1.0.1, mirror)", { releaseVersion: "1.0.1", imageRegistry: MIRROR });
        const pairs = images("npm run images --pairs (1.0.1, mirror)", { releaseVersion: "1.0.1", imageRegistry: MIRROR }, "--pairs");
        expectMirrored(rows, publicRows, pairs.stdout);
    });

    it("an image no value can move (the ssh-keygen Job switched back on) fails the check and is named", () => {
        const result = images("npm run images (0.9.1, ssh-keygen on)", {
            releaseVersion: "0.9.1",
            imageRegistry: MIRROR,
            helmValues: { "dynamo-operator": { dynamo: { mpiRun: { sshKeygen: { enabled: true } } } } },
        });
        assert.equal(result.status, 1, result.stdout + result.stderr);
        assert.match(result.stderr, /bitnamisecure\/git:latest is not pulled from mirror\.e2e\.invalid:5000\/dynamo/);
        assert.match(result.stderr, /alpine\/k8s:1\.34\.1 is not pulled from .*: no value moves it; off by default/);
    });

    describe("a private chart repository: HTTPS under its own CA, with basic auth", () => {
        const USER = "reader";
        const PASSWORD = "e2e-repository-password";
        const repoDir = path.join(work, "private-repo");
        const pki = path.join(work, "private-pki");
        let repository: ChildProcess;
        let url = "";

        /** A CA and a server certificate for 127.0.0.1 signed by it, as a private mirror has. */
        function issueCertificates(): void {
            fs.mkdirSync(pki);
            const openssl = (...args: string[]) => {
                const result = spawnSync("openssl", args, { cwd: pki, encoding: "utf8" });
                assert.equal(result.status, 0, `openssl ${args.join(" ")}: ${result.stderr}`);
            };
            openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "1",
                "-subj",
                "/CN=e2e mirror CA",
            );
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
            fs.writeFileSync(path.join(pki, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
            openssl(
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "1",
                "-extfile",
                "san.ext",
            );
        }

        before(async () => {
            issueCertificates();
            fs.mkdirSync(repoDir);
            for (const archive of ["dynamo-crds-0.9.1.tgz", "dynamo-platform-0.9.1.tgz"]) {
                fs.copyFileSync(path.join(CHARTS, archive), path.join(repoDir, archive));
            }
            repository = spawn(
                process.execPath,
                [
                    path.join(__dirname, "chartRepository.js"),
                    repoDir,
                    path.join(pki, "server.key"),
                    path.join(pki, "server.pem"),
                    USER,
                    PASSWORD,
                ],
                { stdio: ["ignore", "pipe", "inherit"] },
            );
            const port = await new Promise<string>((resolve, reject) => {
                repository.stdout!.once("data", (data: Buffer) => resolve(data.toString().trim()));
                repository.once("exit", (code) => reject(new Error(`the chart repository exited with ${code}`)));
            });
            url = `https://127.0.0.1:${port}`;
            const index = spawnSync("helm", ["repo", "index", repoDir, "--url", url], { encoding: "utf8" });
            assert.equal(index.status, 0, index.stderr);
        });

        after(() => repository?.kill());

        function privateStack(password: string): void {
            fs.writeFileSync(
                configFile,
                dynamoStackFile(encryptionSalt, {
                    releaseVersion: "0.9.1",
                    namespace: "dynamo-private-repo",
                    chartRepository: url,
                    chartRepositoryUsername: USER,
                    chartRepositoryCaFile: path.join(pki, "ca.pem"),
                    autoConfigure: false,
                }),
            );
            const onStack = ["--stack", STACK, "--config-file", configFile];
            ok(
                pulumi("config set --secret chartRepositoryPassword", [
                    "config",
                    "set",
                    "--secret",
                    "dynamo:chartRepositoryPassword",
                    password,
                    ...onStack,
                ]),
            );
        }

        it("npm run images renders the charts fetched with the credentials and the CA", () => {
            privateStack(PASSWORD);
            const result = spawnSync("npm", ["run", "-s", "images", "--", "--stack", STACK, "--config-file", configFile, "--list"], {
                cwd: ROOT,
                env,
                encoding: "utf8",
            });
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /^nvcr\.io\/nvidia\/ai-dynamo\/kubernetes-operator:0\.9\.1$/m);
        });

        it("pulumi preview reads both charts through it (the CRDs chart and the platform release), and is refused with a wrong password", () => {
            privateStack(PASSWORD);
            const onStack = ["--stack", STACK, "--config-file", configFile];
            const preview = ok(pulumi("preview (private chart repository)", ["preview", ...onStack]));
            assert.match(preview.output, /dynamo-platform/);
            assert.match(preview.output, /dynamo-crds/);
            privateStack("wrong-password");
            const refused = pulumi("preview (private chart repository, wrong password)", ["preview", ...onStack]);
            assert.notEqual(refused.status, 0, refused.output);
            assert.match(refused.output, /401/);
        });
    });
});
