// The component package's entry as TypeScript source: Pulumi's component provider (PulumiPlugin.yaml,
// `pulumi package add`) reads the components' argument types and TSDoc from here. Consumers of the
// npm package load the compiled `dist/index.js` (package.json's `main`) instead.
export * from "./components";
