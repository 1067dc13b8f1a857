import { strict as assert } from "assert";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { verdict } from "../../fleet/gates";
import { formatTable } from "../../fleet/report";
import { changeCount, Diagnostics, recordedReleases } from "../../fleet/stacks";

function diagnostic(severity: "info" | "warning" | "error", message: string, ephemeral = false, urn?: string): EngineEvent {
    return { sequence: 0, timestamp: 0, diagnosticEvent: { severity, message, color: "never", ephemeral, urn } };
}

describe("fleet stacks (Automation API results)", () => {
    it("counts only the operations that change resources", () => {
        assert.equal(changeCount({ same: 30, create: 2, update: 1, replace: 1, delete: 3 }), 7);
        assert.equal(changeCount({ same: 30 }), 0);
        assert.equal(changeCount(undefined), 0);
    });

    it("keeps the first real error, the program's warnings (not the engine's) and the info lines of a run's diagnostics", () => {
        const diagnostics = new Diagnostics();
        for (const event of [
            diagnostic("info", "upgrade plan: 0.9.0 → 0.9.1 [patch]\n  1. upgrade dynamo-platform 0.9.0 → 0.9.1 in place\n"),
            diagnostic("warning", "auto-configuration: gpuNodes: none -> models stay Pending\n"),
            diagnostic("warning", "progress", true),
            diagnostic(
                "warning",
                "Undefined value (kubeconfig) will not show as a stack output.",
                false,
                "urn:pulumi:k8s::dynamo::pulumi:pulumi:Stack::dynamo-k8s",
            ),
            diagnostic(
                "warning",
                "dynamo:profile dev runs one replica of each\n",
                false,
                "urn:pulumi:k8s::dynamo::dynamo:index:DynamoPlatform::dynamo",
            ),
            diagnostic("error", "a cluster-wide Dynamo operator already runs (ClusterRole team-a-dynamo-operator-manager-role)\n"),
            diagnostic("error", "update failed"),
            { sequence: 1, timestamp: 0 } as EngineEvent,
        ]) {
            diagnostics.onEvent(event);
        }
        assert.deepEqual(diagnostics.findings, [
            "auto-configuration: gpuNodes: none -> models stay Pending",
            "dynamo:profile dev runs one replica of each",
        ]);
        assert.equal(diagnostics.infos[0], "upgrade plan: 0.9.0 → 0.9.1 [patch]");
        assert.equal(
            diagnostics.error(new Error("ignored")),
            "a cluster-wide Dynamo operator already runs (ClusterRole team-a-dynamo-operator-manager-role)",
        );
    });

    it("falls back to the command's error lines when no diagnostic said why", () => {
        const diagnostics = new Diagnostics();
        assert.equal(diagnostics.error(), undefined);
        assert.equal(
            diagnostics.error(new Error("code: 255\n stdout: \n stderr: error: the stack is currently locked by 1 lock(s)\n")),
            "stderr: error: the stack is currently locked by 1 lock(s)",
        );
    });

    it("reads the Helm releases and revisions a stack's state recorded", () => {
        const releases = recordedReleases([
            { type: "pulumi:pulumi:Stack" },
            {
                type: "kubernetes:helm.sh/v3:Release",
                outputs: { status: { name: "dynamo-platform", namespace: "dynamo-system", revision: 2, version: "0.9.1" } },
            },
            { type: "kubernetes:helm.sh/v3:Release", outputs: {} },
        ]);
        assert.deepEqual(releases, [{ name: "dynamo-platform", namespace: "dynamo-system", revision: 2, chartVersion: "0.9.1" }]);
    });
});

describe("fleet gates and tables", () => {
    it("passes a gate when no check failed, naming the first failure and its hint otherwise", () => {
        assert.deepEqual(
            verdict(
                [
                    { check: "nodes", status: "ok", detail: "5 ready" },
                    { check: "etcd pods", status: "warn", detail: "1/1 ready, 1 restart" },
                ],
                "verify",
            ),
            { ok: true, detail: "verify: 2 checks passed (1 warnings)" },
        );
        assert.deepEqual(
            verdict(
                [
                    { check: "nodes", status: "ok", detail: "5 ready" },
                    { check: "operator deployment", status: "fail", detail: "0/1 ready\nmore", hint: "`kubectl logs …`" },
                ],
                "verify",
            ),
            { ok: false, detail: "verify: 1 of 2 checks failed; operator deployment: 0/1 ready (`kubectl logs …`)" },
        );
    });

    it("pads every column but the last", () => {
        assert.deepEqual(formatTable(["a", "bb", "c"], [["xxx", "y", "long last cell"]]), ["a    bb  c", "xxx  y   long last cell"]);
    });
});
