import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    // import.meta.url in the CJS build (the definitions loader anchors require.resolve on it).
    shims: true,
  },
  {
    // The CLIs behind bin/: ESM only, never part of the public API.
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
]);
