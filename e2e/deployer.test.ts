/**
 * The deployer's least privilege: the lifecycle run as `e2e-deployer`, a user of the cluster with no
 * permission but what the test binds it to (e2e/cluster), never the admin token. The API server
 * audits every request of that user (and nobody else's), and the test reads that log.
 *
 * - Bound to nothing, and then to the deployer role without its webhook rule: `pulumi preview`
 *   stops before anything is registered, naming each missing permission (preflight's access
 *   reviews).
 * - Bound to exactly the deployer role (docs/deployer-role.yaml), on 1.5.0 with the real operator,
 *   Grove, KAI, etcd, NATS, the ha profile, a monitoring stack and removeCrdsOnDestroy: install,
 *   verify, an upgrade, a preview with no changes, the teardown and destroy all pass; the audit log
 *   shows no request refused, and every rule used but those of features this configuration lacks
 *   (EKS's reads, the GPU Operator's).
 *
 * Run by e2e/run.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DEPLOYER_ROLE_NAME, DEPLOYER_RULES, DeployerRule, deployerClusterRole } from "../components/core/deployerRole";
import { baseline, core, custom, MODELS_NAMESPACE, MONITORING_STACK, ok, PlatformStack, pulumi, rbac, ROOT, run, work } from "./harness";
import { graphAddress, mockerModel, operatorConfig } from "./mockerModel";

const DEPLOYER = "e2e-deployer";
const BINDING = "e2e-deployer";
/** The role without its webhook rule, for the refusal that names what is missing. */
const PARTIAL_ROLE = "e2e-deployer-without-webhooks";
const AUDIT_LOG = path.join(path.dirname(process.env.KUBECONFIG ?? ""), "logs", "audit-deployer.log");

const config = {
    ...operatorConfig("1.5.0", true),
    kaiSchedulerEnabled: true,
    discoveryBackend: "etcd",
    installNats: true,
    persistenceStorageClass: "local-path",
    localPath: { install: true },
    profile: "ha",
    monitoringStack: MONITORING_STACK,
    removeCrdsOnDestroy: true,
};

/** The admin's kubeconfig with the deployer's context as the current one. */
function deployerKubeconfig(): string {
    const file = path.join(work, "deployer.kubeconfig");
    const admin = fs.readFileSync(process.env.KUBECONFIG!, "utf8");
    assert.match(admin, new RegExp(`name: ${DEPLOYER}\\b`), "e2e/cluster gives the deployer a context");
    fs.writeFileSync(file, admin.replace(/^current-context: .*$/m, `current-context: ${DEPLOYER}`));
    return file;
}

async function bindDeployerTo(role: string): Promise<void> {
    await rbac.deleteClusterRoleBinding({ name: BINDING }).catch(() => undefined);
    await rbac.createClusterRoleBinding({
        body: {
            metadata: { name: BINDING },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: DEPLOYER }],
        },
    });
}

async function createRole(name: string, rules: readonly DeployerRule[]): Promise<void> {
    const body = { ...deployerClusterRole(name), rules: rules.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs })) };
    await rbac.deleteClusterRole({ name }).catch(() => undefined);
    await rbac.createClusterRole({ body });
}

interface AuditEvent {
    stage: string;
    verb: string;
    requestURI: string;
    objectRef?: { apiGroup?: string; resource?: string; subresource?: string };
    responseStatus?: { code?: number };
}

/** The deployer's completed requests, as the API server audited them. */
function auditedRequests(): AuditEvent[] {
    return fs
        .readFileSync(AUDIT_LOG, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEvent)
        .filter((event) => event.stage === "ResponseComplete");
}

const resourceOf = (event: AuditEvent) =>
    `${event.objectRef?.resource}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ""}`;
const pairsOf = (rule: DeployerRule) => rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${resource}.${group}`));

describe("end-to-end: the deployer role (1.5.0 with Grove, KAI, etcd, NATS, ha, monitoring; the real operator)", function () {
    this.timeout(30 * 60 * 1000);
    let stack: PlatformStack;
    let kubeconfig: string;

    before(async () => {
        await baseline("deployer", { monitoring: true });
        kubeconfig = deployerKubeconfig();
        stack = new PlatformStack("deployer", { KUBECONFIG: kubeconfig });
        stack.init();
        stack.write(config);
    });

    after(async () => {
        stack.cleanup();
        await rbac.deleteClusterRoleBinding({ name: BINDING }).catch(() => undefined);
        for (const role of [DEPLOYER_ROLE_NAME, PARTIAL_ROLE]) {
            await rbac.deleteClusterRole({ name: role }).catch(() => undefined);
        }
    });

    it("without the role, then without its webhook rule: the run stops before anything is registered, naming each missing permission", async () => {
        const bare = pulumi("preview (the deployer bound to nothing)", stack.on("preview"), ROOT, { KUBECONFIG: kubeconfig });
        assert.notEqual(bare.status, 0, bare.output);
        assert.match(
            bare.output,
            /error: The identity this stack runs as lacks \d+ permissions .* so nothing was changed: get namespaces, /,
        );
        assert.match(bare.output, /`kubectl apply -f docs\/deployer-role\.yaml`.*pulumi config set dynamo:autoConfigure false/);
        assert.equal(bare.output.match(/^ {4}error: /gm)?.length, 1, "one error among the diagnostics");

        await createRole(
            PARTIAL_ROLE,
            DEPLOYER_RULES.filter((rule) => !rule.apiGroups.includes("admissionregistration.k8s.io")),
        );
        await bindDeployerTo(PARTIAL_ROLE);
        const partial = pulumi("preview (the deployer without the webhook rule)", stack.on("preview"), ROOT, { KUBECONFIG: kubeconfig });
        assert.notEqual(partial.status, 0, partial.output);
        const webhooks = DEPLOYER_RULES.find((rule) => rule.apiGroups.includes("admissionregistration.k8s.io"))!;
        const missing = webhooks.resources.flatMap((resource) =>
            webhooks.verbs.map((verb) => `${verb} ${resource}.admissionregistration.k8s.io`),
        );
        assert.ok(partial.output.includes(`lacks ${missing.length} permissions`), partial.output);
        assert.ok(partial.output.includes(`nothing was changed: ${missing.join(", ")} (cluster-wide)`), partial.output);
    });

    it("bound to the deployer role: install, verify, an upgrade, no changes, the teardown and destroy; no request refused, every rule used", async () => {
        await createRole(DEPLOYER_ROLE_NAME, DEPLOYER_RULES);
        await bindDeployerTo(DEPLOYER_ROLE_NAME);

        stack.up("up (as the deployer)");
        const verified = stack.verify("npm run verify (as the deployer)");
        assert.doesNotMatch(verified.stdout, /forbidden/i, verified.stdout);
        assert.match(verified.stdout, /operator deployment\s+OK/);
        assert.match(verified.stdout, /admission webhook\s+OK/);

        // The user's model (KAI, simulated here, schedules none of its pods); the teardown deletes it.
        await core.createNamespace({ body: { metadata: { name: MODELS_NAMESPACE } } });
        await custom.createNamespacedCustomObject({ ...graphAddress, body: mockerModel("1.5.0") });

        stack.write({
            ...config,
            helmValues: { "dynamo-operator": { controllerManager: { podAnnotations: { "e2e.test/change": "1" } } } },
        });
        stack.up("up (an upgrade, as the deployer)");
        stack.previewNoChanges("preview --expect-no-changes (as the deployer)");
        ok(
            run("npm run teardown -- --yes (as the deployer)", "npm", ["run", "-s", "teardown", "--", "--yes"], ROOT, {
                KUBECONFIG: kubeconfig,
            }),
        );
        stack.destroy("destroy (as the deployer)");

        const requests = auditedRequests();
        const resourceRequests = requests.filter((event) => event.objectRef?.resource !== undefined);
        const refused = resourceRequests.filter((event) => event.responseStatus?.code === 403);
        assert.deepEqual(
            refused.map((event) => `${event.verb} ${event.requestURI}`),
            [],
        );
        const allowedPairs = new Set(DEPLOYER_RULES.flatMap(pairsOf));
        // Access reviews are every authenticated user's (system:basic-user), as discovery is (system:discovery).
        const used = new Set(
            resourceRequests
                .filter((event) => event.objectRef?.resource !== "selfsubjectaccessreviews")
                .map((event) => `${resourceOf(event)}.${event.objectRef?.apiGroup ?? ""}`),
        );
        assert.deepEqual(
            [...used].filter((pair) => !allowedPairs.has(pair)),
            [],
            "every request is the role's",
        );
        const notExercised = new Set(
            DEPLOYER_RULES.filter((rule) => rule.feature === "eks" || rule.feature === "gpuOperator").flatMap(pairsOf),
        );
        assert.deepEqual(
            [...allowedPairs].filter((pair) => !used.has(pair) && !notExercised.has(pair)),
            [],
            "every rule is used, but EKS's reads and the GPU Operator's",
        );
        console.log(
            `      the deployer: ${requests.length} requests audited, ${resourceRequests.length} on resources, ${used.size} resources of the role's ${allowedPairs.size} used, none refused`,
        );
    });
});
