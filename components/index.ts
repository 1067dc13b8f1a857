export * from "./args";
export { DynamoConfigError } from "./errors";
export { DynamoPlatform, PLATFORM_RELEASE_NAME } from "./platform";
export { CRDS_RELEASE_NAME, EXPECTED_CRDS } from "./crds";
export { MONITORING_STACK_OUTPUT, PrometheusEndpointSource } from "./monitoring";
export { resolveSettings, PlatformSettings } from "./settings";
export { buildPlatformValues, deepMerge, Values } from "./values";
export { parseReleaseVersion, chartLineFor, ChartLine, ValuesLayout } from "./versions";
