// The import rules `npm run lint` enforces (dependency-cruiser): no circles, type-only imports
// included, and imports that point down the layers of docs/architecture.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "no-circular",
            severity: "error",
            comment: "Modules that import each other, directly or through others: move what they share into a leaf module.",
            from: {},
            to: { circular: true },
        },
        {
            name: "core-is-pure",
            severity: "error",
            comment: "components/core is plain logic: it imports no resource, reading or program module.",
            from: { path: "^components/core/" },
            to: { path: "^(components/(kubernetes|eks|platform)|program|scripts|policies)" },
        },
        {
            name: "resources-import-core-only",
            severity: "error",
            comment:
                "components/kubernetes and components/eks create resources from core's results; neither imports the other or anything above.",
            from: { path: "^components/(kubernetes|eks)/" },
            to: { path: "^(components/(kubernetes|eks|platform)|program|scripts|policies)", pathNot: "^components/$1/" },
        },
        {
            name: "package-stands-alone",
            severity: "error",
            comment: "The package (components/) is what consumers install: it imports nothing of the program, scripts, policies or tests.",
            from: { path: "^components/" },
            to: { path: "^(program|fleet|scripts|policies|tests|e2e|bench|examples)/" },
        },
        {
            name: "program-below-scripts",
            severity: "error",
            comment: "The program is imported by the fleet, the scripts and tests, never the other way.",
            from: { path: "^program/" },
            to: { path: "^(fleet|scripts|policies|tests|e2e|bench)/" },
        },
        {
            name: "fleet-below-scripts",
            severity: "error",
            comment:
                "The fleet drives the program through the Automation API; its command (scripts/fleet.ts) and tests import it, never the other way.",
            from: { path: "^fleet/" },
            to: { path: "^(scripts|policies|tests|e2e|bench)/" },
        },
        {
            name: "policies-read-core-only",
            severity: "error",
            comment: "The policy pack shares the component's rules (components/core) and nothing else of the project.",
            from: { path: "^policies/" },
            to: { path: "^(components/(kubernetes|eks|platform)|program|scripts)" },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "(^|/)(node_modules|bin|dist)/" },
        // Type-only imports count: a circle of types is still a circle for a reader.
        tsPreCompilationDeps: true,
        tsConfig: { fileName: require("path").join(__dirname, "tsconfig.json") },
        enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
    },
};
