import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
  },
  {
    // p-retry 7 is ESM-only; esbuild's CJS interop breaks its default export, so the CJS build
    // carries its own copy of it.
    entry: ["src/index.ts"],
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "node20",
    noExternal: ["p-retry", "is-network-error"],
  },
]);
