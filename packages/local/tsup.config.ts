import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    // Only the from-source path of the extraction worker loads it (see worker-command.ts).
    external: ["esbuild"],
    // import.meta.url in the CJS build: the extraction worker (worker-command.ts) and the agent
    // binary are found relative to this module.
    shims: true,
  },
  {
    // The image extraction worker, a separate process the image store starts (never imported).
    entry: { "image-extract-worker": "src/images/extract/extract-worker.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
]);
