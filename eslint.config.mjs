import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "dist/", "e2e/**/*.js"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // The JavaScript that Pulumi starts directly: CommonJS on Node.js.
        files: ["**/*.js", "**/*.cjs"],
        languageOptions: { sourceType: "commonjs", globals: globals.node },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Mock-engine payloads are untyped protobuf objects and JSON trees.
        files: ["tests/**/*.ts", "e2e/**/*.test.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);
