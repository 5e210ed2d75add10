import type { Capabilities } from "@openlattice/core";

/** The only image the reference understands: the host's own userland. */
export const REFERENCE_IMAGE = "host";

/** What the reference provider declares: everything it really does, and nothing it cannot enforce. */
export const REFERENCE_CAPABILITIES: Capabilities = Object.freeze({
  isolation: "none",
  snapshot: true,
  snapshotTypes: ["filesystem"],
  execStreaming: "separate",
  restart: false,
  pause: true,
  pty: false,
  gpu: false,
  logs: false,
  tailscale: false,
  architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
  persistentStorage: false,
  egress: ["all"],
  extensions: ["files", "network", "lifecycle"],
  constraints: {
    gpuTypes: [],
    maxDurationSeconds: 24 * 3600,
    imageKinds: [`${REFERENCE_IMAGE} (the host's userland)`],
    defaultImage: REFERENCE_IMAGE,
  },
  limitations: {
    isolation: "host processes in a temp directory: a reference for reading, not a security boundary",
    resources: "no cgroups: cpu, memoryMiB and diskMiB are refused",
  },
} satisfies Capabilities);
