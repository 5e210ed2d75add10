import type { Capabilities } from "@openlattice/core";
import { PROCESS_OUTPUT_BUFFER_BYTES } from "./reference-process-record.js";
import { PTY_AVAILABLE } from "./reference-pty.js";

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
  pty: PTY_AVAILABLE,
  gpu: false,
  logs: false,
  tailscale: false,
  architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
  persistentStorage: false,
  egress: ["all"],
  extensions: ["files", "network", "lifecycle", "processes", "fileStreams", "fileWatch", "lifetime"],
  constraints: {
    gpuTypes: [],
    maxDurationSeconds: 24 * 3600,
    imageKinds: [`${REFERENCE_IMAGE} (the host's userland)`],
    defaultImage: REFERENCE_IMAGE,
    processOutputBufferBytes: PROCESS_OUTPUT_BUFFER_BYTES,
  },
  limitations: {
    isolation: "host processes in a temp directory: a reference for reading, not a security boundary",
    resources: "no cgroups: cpu, memoryMiB and diskMiB are refused",
    ...(!PTY_AVAILABLE && { pty: "terminals need util-linux script, which this host lacks" }),
  },
} satisfies Capabilities);
