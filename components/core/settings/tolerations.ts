/** The tolerations every platform pod gets: the GPU taint always, Auto Mode's on EKS, and the user's. */
import { Platform, TolerationArgs } from "../args";
import { EKS_COMPUTE_TYPE_LABEL } from "../eksFacts";
import { DynamoConfigError } from "../errors";
import { TOLERATION_SHAPE } from "../schema";
import { Toleration } from "./types";

/** Control-plane pods must fit on clusters whose only nodes are GPU nodes. */
export const GPU_TOLERATION: Toleration = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
/** EKS Auto Mode nodes are tainted by compute type; the platform must still schedule there. */
export const EKS_AUTO_MODE_TOLERATION: Toleration = { key: EKS_COMPUTE_TYPE_LABEL, operator: "Exists" };

export function resolveTolerations(key: string, platform: Platform, extra: TolerationArgs[] | undefined): Toleration[] {
    const checked = (extra ?? []).map((t, i): Toleration => {
        const at = `${key}[${i}]`;
        if (t.key === undefined) {
            throw DynamoConfigError.invalid(
                `${at}.key`,
                undefined,
                "the taint key to tolerate, e.g. dedicated",
                "a toleration without a key tolerates every taint, so platform pods could land on any node",
            );
        }
        const operator = t.operator ?? TOLERATION_SHAPE.operator.default;
        if (operator === "Exists" && t.value !== undefined) {
            throw DynamoConfigError.conflict(
                `${at}.value`,
                `${at}.operator`,
                'operator "Exists" matches any value; use "Equal" to match one',
            );
        }
        return { key: t.key, operator, value: t.value, effect: t.effect };
    });
    const all = [GPU_TOLERATION, ...(platform === Platform.Eks ? [EKS_AUTO_MODE_TOLERATION] : []), ...checked];
    return all.filter((t, i) => all.findIndex((u) => JSON.stringify(u) === JSON.stringify(t)) === i);
}
