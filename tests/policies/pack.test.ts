/**
 * Loads the pack the way the Pulumi CLI's policy runtime does: runs the entry file in the pack's
 * folder, reads the gRPC port it prints, and asks the analyzer what it serves.
 */
import { strict as assert } from "assert";
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as path from "path";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzerInfo, EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../policies/policies";

const packDir = path.join(__dirname, "..", "..", "policies");

function startPack(): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
        cwd: packDir,
        stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
        let stderr = "";
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        child.stdout!.once("data", (chunk) => resolve({ child, port: Number(String(chunk).trim()) }));
        child.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
}

describe("policy pack entry (policies/index.ts)", function () {
    this.timeout(60000);
    let child: ChildProcess | undefined;
    after(() => child?.kill());

    it("serves every policy, with the package's version and each enforcement level", async () => {
        const started = await startPack();
        child = started.child;
        assert.ok(started.port > 0);
        const client = new AnalyzerClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
        const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
            client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
        );
        client.close();
        assert.equal(info.getName(), "dynamo-platform");
        assert.equal(info.getVersion(), require("../../policies/package.json").version);
        const served = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
        const expected = policies.map((p) => [
            p.name,
            p.enforcementLevel === "mandatory" ? EnforcementLevel.MANDATORY : EnforcementLevel.ADVISORY,
        ]);
        assert.deepEqual(served, expected);
    });
});
