// eslint (flat config) with typescript-eslint's type-aware rules for the program, the
// policy pack and the tests.
import eslint from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "rendered/", "tests/golden/"] },
    eslint.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/consistent-type-assertions": ["error", { assertionStyle: "as", objectLiteralTypeAssertions: "never" }],
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "no-new": "off",
        },
    },
    {
        // The benchmark's child is plain CommonJS: it must load ts-node before any TypeScript.
        files: ["tools/bench/child.js"],
        languageOptions: { sourceType: "commonjs", globals: globals.node },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Program code: resource args are typed literals; a cast would hide a misspelled field.
        files: ["index.ts", "components/**/*.ts"],
        rules: { "@typescript-eslint/consistent-type-assertions": ["error", { assertionStyle: "never" }] },
    },
);
