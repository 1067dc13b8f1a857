/** What verify reads and reports. */
import type { StackOutputs } from "../../outputs";

export interface CheckResult {
    check: string;
    status: "ok" | "fail" | "warn";
    detail: string;
    /** What to look at when the check fails. */
    hint?: string;
}

/** The stack outputs verify reads; a stack made by an earlier version may lack the newer ones (no `profile`: `dev`). */
export type VerifiedOutputs = Pick<StackOutputs, "namespace" | "platformReleaseName" | "crdNames"> &
    Partial<
        Pick<
            StackOutputs,
            | "etcdEndpoint"
            | "natsEndpoint"
            | "persistenceStorageClass"
            | "profile"
            | "eksIdentity"
            | "eksAutoMode"
            | "efsMountTargetZones"
            | "platformReleaseVersion"
            | "imageRegistry"
            | "imagePullSecretName"
        >
    >;
