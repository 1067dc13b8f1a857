import { strict as assert } from "assert";
import { policies } from "../../policies/policies";
import { awsCalls, eksClusterState, OIDC_PROVIDER_ARN } from "../awsMocks";
import { runProgram, stackFileConfig } from "../harness";
import { runOptions, VALID_INPUTS } from "../inputs";
import { T } from "../types";
import { allViolations } from "./policyHarness";

describe("the pack over this project's own stacks", () => {
    it("has a unique name and an enforcement level for every policy", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const policy of policies) {
            assert.ok(policy.enforcementLevel === "mandatory" || policy.enforcementLevel === "advisory", policy.name);
        }
    });

    const stacks: [string, Record<string, string>][] = [
        ["k8s", stackFileConfig("k8s")],
        [
            "k8s with NFS, ingress-nginx and a 0.9.0 release",
            {
                ...stackFileConfig("k8s"),
                "dynamo:releaseVersion": "0.9.0",
                "dynamo:nfs": '{"server":"10.0.0.5","share":"/exports"}',
                "dynamo:ingress": '{"installNginx":true}',
            },
        ],
        ["eks", stackFileConfig("eks")],
        [
            "eks creating its cluster",
            { ...stackFileConfig("eks"), "dynamo:eks": '{"create":true,"clusterName":"dynamo-dev","installEbsCsiDriver":true}' },
        ],
        [
            "eks with IRSA",
            {
                ...stackFileConfig("eks"),
                "dynamo:eks": JSON.stringify({
                    ...JSON.parse(stackFileConfig("eks")["dynamo:eks"]),
                    identity: "irsa",
                    oidcProviderArn: OIDC_PROVIDER_ARN,
                }),
            },
        ],
    ];
    for (const [name, config] of stacks) {
        it(`finds no violation in the ${name} stack`, async () => {
            const recording = await runProgram({ config, calls: awsCalls, resourceState: eksClusterState });
            recording.object(T.release, "dynamo-platform");
            assert.deepEqual(await allViolations(policies, recording), []);
        });
    }

    for (const input of VALID_INPUTS) {
        it(`finds no mandatory violation with a supported input: ${input.name}`, async () => {
            const recording = await runProgram(runOptions(input.stack, input.set, input.stackOutputs));
            const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory");
            assert.deepEqual(await allViolations(mandatory, recording), []);
        });
    }

    it("reports the supported but discouraged kubernetes discovery on a line that defaults to etcd, as advisory only", async () => {
        const recording = await runProgram({
            config: { ...stackFileConfig("k8s"), "dynamo:releaseVersion": "1.3.1", "dynamo:discoveryBackend": "kubernetes" },
        });
        const found = await allViolations(policies, recording);
        assert.deepEqual(
            found.map((v) => v.policy),
            ["dynamo-discovery-backend-etcd"],
        );
        assert.equal(policies.find((p) => p.name === found[0].policy)?.enforcementLevel, "advisory");
    });
});
