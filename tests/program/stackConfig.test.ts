import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as yaml from "js-yaml";
import * as path from "path";
import { DynamoConfigError } from "../../components/core/errors";
import { ConfigReader, loadStackConfig, readEksConfig, readStackConfig } from "../../program/stackConfig";
import { STACK_CONFIG_SHAPE } from "../../program/configKeys";

function reader(values: Record<string, string>, secrets: Record<string, string> = {}): ConfigReader {
    return {
        get: (key) => values[key],
        getSecret: (key) => (key in secrets ? pulumi.secret(secrets[key]) : undefined),
        keys: () => [...Object.keys(values), ...Object.keys(secrets)],
    };
}

function rejects(values: Record<string, string>, key: string, fragment: string): void {
    assert.throws(
        () => loadStackConfig(reader(values)),
        (error: unknown) => error instanceof DynamoConfigError && error.key === key && error.message.includes(fragment),
    );
}

describe("stack config", () => {
    it("reads scalar, boolean and structured keys into component arguments", () => {
        const args = readStackConfig(
            reader({
                releaseVersion: "0.9.0-post1",
                namespace: "dynamo-system",
                groveEnabled: "false",
                kaiSchedulerEnabled: "true",
                localPath: '{"install":true,"nodePath":"/data/local-path"}',
                nfs: '{"server":"10.0.0.5","share":"/exports/models","installDriver":"false"}',
                tolerations: '[{"key":"dedicated","operator":"Equal","value":"ai"}]',
                helmValues: '{"etcd":{"replicaCount":3}}',
            }),
        );
        assert.equal(args.releaseVersion, "0.9.0-post1");
        assert.equal(args.groveEnabled, false);
        assert.equal(args.kaiSchedulerEnabled, true);
        assert.deepEqual(args.localPath, { install: true, nodePath: "/data/local-path" });
        assert.deepEqual(args.nfs, { server: "10.0.0.5", share: "/exports/models", installDriver: false });
        assert.deepEqual(args.tolerations, [{ key: "dedicated", operator: "Equal", value: "ai" }]);
        assert.deepEqual(args.helmValues, { etcd: { replicaCount: 3 } });
        assert.ok(!("prometheusEndpoint" in args), "unset keys stay unset so component defaults apply");
    });

    it("takes the pull-secret password from a secret key", async () => {
        const args = readStackConfig(
            reader({ releaseVersion: "0.9.1", imagePullSecret: '{"name":"ngc"}' }, { imagePullSecretPassword: "nvapi-123" }),
        );
        assert.equal(args.imagePullSecret?.name, "ngc");
        assert.ok(pulumi.Output.isInstance(args.imagePullSecret?.password));
    });

    it("refuses a password in plain config", () =>
        rejects({ releaseVersion: "0.9.1", imagePullSecret: '{"password":"x"}' }, "dynamo:imagePullSecret.password", "--secret"));
    it("requires a release version", () => rejects({}, "dynamo:releaseVersion", "required"));
    it("rejects a non-boolean flag", () =>
        rejects({ releaseVersion: "0.9.1", groveEnabled: "yes" }, "dynamo:groveEnabled", "true or false"));
    it("rejects a structured key that is not an object", () =>
        rejects({ releaseVersion: "0.9.1", nfs: '"10.0.0.5:/exports"' }, "dynamo:nfs", "object"));
    it("rejects tolerations that are not a list", () =>
        rejects({ releaseVersion: "0.9.1", tolerations: '{"key":"a"}' }, "dynamo:tolerations", "list"));
    it("validates semantics with dynamo: key names", () =>
        rejects({ releaseVersion: "0.9.1", namespace: "Dynamo" }, "dynamo:namespace", "DNS-1123"));

    it("rejects a local chart folder that lacks the charts", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
        rejects({ releaseVersion: "0.9.1", chartRepository: empty }, "dynamo:chartRepository", "dynamo-platform-0.9.1.tgz");
    });

    it("accepts a local chart folder holding archives of both charts", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
        fs.writeFileSync(path.join(dir, "dynamo-platform-0.9.1.tgz"), "");
        fs.mkdirSync(path.join(dir, "dynamo-crds-0.9.1"));
        const { settings } = loadStackConfig(reader({ releaseVersion: "0.9.1", chartRepository: dir }));
        assert.equal(settings.chartSource.kind, "local");
    });
});

describe("stack config: dynamo:eks", () => {
    it("separates the cluster source from the platform's EKS arguments", () => {
        const { request: source, eks } = readEksConfig({
            create: true,
            clusterName: "dynamo-dev",
            kubernetesVersion: "1.34",
            instanceType: "g6.xlarge",
            desiredNodes: 2,
            installEbsCsiDriver: true,
        });
        assert.equal(source.kind, "create");
        assert.deepEqual(source.kind === "create" && source.cluster, {
            clusterName: "dynamo-dev",
            kubernetesVersion: "1.34",
            vpcCidr: "10.0.0.0/16",
            availabilityZoneCount: 2,
            instanceType: "g6.xlarge",
            desiredNodes: 2,
            minNodes: 1,
            maxNodes: 3,
            tags: undefined,
        });
        assert.deepEqual(eks, { clusterName: "dynamo-dev", installEbsCsiDriver: true });
    });

    it("reads a cluster stack", () => {
        assert.deepEqual(readEksConfig({ clusterStack: "acme/eks/prod" } as never).request, { kind: "stack", stack: "acme/eks/prod" });
    });

    it("defaults to an existing cluster", () => {
        assert.deepEqual(readEksConfig({ clusterName: "c" }).request, { kind: "existing" });
    });

    it("refuses node counts out of order", () => {
        assert.throws(
            () => readEksConfig({ create: true, clusterName: "c", minNodes: 3, desiredNodes: 2 } as never),
            /Invalid dynamo:eks.desiredNodes 2: expected a node count between minNodes \(3\) and maxNodes \(3\)/,
        );
    });
});

describe("Pulumi.yaml config schema", () => {
    const schema = (
        yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { type: string; default?: unknown }>;
        }
    ).config;

    it("declares only keys of the input schema, with the schema's type", () => {
        for (const [key, declaration] of Object.entries(schema)) {
            const spec = STACK_CONFIG_SHAPE[key as keyof typeof STACK_CONFIG_SHAPE];
            assert.ok(spec, `Pulumi.yaml declares ${key}, which the schema does not know`);
            const type = spec.type === "enum" ? "string" : spec.type;
            assert.equal(declaration.type, type, key);
        }
    });

    it("requires only releaseVersion: every other declared key has a default", () => {
        assert.deepEqual(
            Object.entries(schema)
                .filter(([, declaration]) => declaration.default === undefined)
                .map(([key]) => key),
            ["releaseVersion"],
        );
    });

    it("declares the component's own defaults", () => {
        const declared: Record<string, string> = {};
        for (const [key, declaration] of Object.entries(schema)) {
            if (declaration.default !== undefined) {
                declared[key] = String(declaration.default);
            }
        }
        const fromDefaults = loadStackConfig(reader({ releaseVersion: "0.9.1" })).settings;
        const fromSchema = loadStackConfig(reader({ ...declared, releaseVersion: "0.9.1" })).settings;
        assert.deepEqual(fromSchema, fromDefaults);
    });
});
