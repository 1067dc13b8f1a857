// Serves this package's components as the "dynamo" resource plugin: what the engine runs for a
// `pulumi package add`-ed component, reached here through a plugin on PATH because the language
// hosts buildable on this machine cannot start plugins themselves. DYNAMO_PACKAGE_DIR is the package.
const packageDir = process.env.DYNAMO_PACKAGE_DIR;
if (!packageDir) {
    console.error("pulumi-resource-dynamo: set DYNAMO_PACKAGE_DIR to the package folder (with dist/ built)");
    process.exit(1);
}
const { componentProviderHost } = require(require.resolve("@pulumi/pulumi/provider/experimental", { paths: [packageDir] }));
const { DynamoPlatform, DynamoEksCluster } = require(packageDir);
componentProviderHost({ dirname: packageDir, name: "dynamo", components: [DynamoPlatform, DynamoEksCluster] });
