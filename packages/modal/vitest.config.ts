import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@openlattice/source"] } },
  test: {
    name: "modal",
    // Runs beside every other project (vitest.workspace.ts).
    sequence: { groupOrder: 0 },
    include: ["test/**/*.test.ts"],
    // Sets MODAL_CONFIG_PATH and dummy credentials before any test file imports `modal`,
    // which reads ~/.modal.toml at import time.
    setupFiles: ["./test/setup-modal-env.ts"],
    // One tunnel certificate for every test emulator, trusted by the workers (NODE_EXTRA_CA_CERTS).
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
