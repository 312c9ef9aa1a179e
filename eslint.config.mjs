import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", ".data/**", "node_modules/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    rules: {
      // TanStack Table v8 returns unmemoisable functions by design; the compiler skips those components.
      "react-hooks/incompatible-library": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The sandbox is EKA's stand-in: it must reach the portal only over HTTP.
    files: ["app/**", "lib/**", "components/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/sandbox/**", "@/sandbox/**"], message: "The portal talks to the sandbox only over HTTP." }] }],
    },
  },
];

export default config;
