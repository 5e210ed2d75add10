import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    reporter: "src/reporter/index.ts",
    reference: "src/reference/index.ts",
    cli: "src/cli/cli.ts",
    // The test file the CLI runs through vitest; it must ship in dist.
    "cli-entry": "src/cli/cli-entry.ts",
  },
  // ESM only: vitest cannot be required from CommonJS, so a CJS build of the suite would be useless.
  format: ["esm"],
  dts: { entry: { index: "src/index.ts", reporter: "src/reporter/index.ts", reference: "src/reference/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  external: ["vitest", "vitest/node", "@openlattice/core"],
});
