import type { Capabilities } from "@openlattice/core";
import { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS } from "./durations.js";
import { MAX_GPU_COUNT, MODAL_GPU_TYPES } from "./gpu.js";

/** Image used when `runtime.image` is absent. */
export const DEFAULT_IMAGE = "python:3.12-slim";

/** What Modal sandboxes can do, as spec v1 declares it. */
export function modalCapabilities(
  defaultDurationSeconds = DEFAULT_LIFETIME_SECONDS,
  defaultImage = DEFAULT_IMAGE,
): Capabilities {
  return {
    // Modal runs sandboxes under gVisor, a user-space kernel: closer to a VM than to namespaces.
    isolation: "vm",
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause: false,
    pty: false,
    gpu: true,
    logs: false,
    tailscale: true,
    architectures: ["x86_64"],
    // Modal volumes outlive sandboxes, but this provider does not attach them yet.
    persistentStorage: false,
    egress: ["all", "none", "allowlist"],
    extensions: ["files", "network"],
    constraints: {
      gpuTypes: MODAL_GPU_TYPES,
      maxGpuCount: MAX_GPU_COUNT,
      maxDurationSeconds: MAX_LIFETIME_SECONDS,
      defaultDurationSeconds,
      imageKinds: ["registry tag (e.g. python:3.12-slim)", "Modal image id (im-...)"],
      defaultImage,
    },
    limitations: {
      restart: "Modal sandboxes cannot be restarted; restore a snapshot instead",
      pause: "Modal sandboxes cannot be paused",
      metrics: "the modal SDK 0.11.1 exposes no resource usage for sandboxes",
      diskMiB: "resources.diskMiB is not configurable for Modal sandboxes and is ignored",
    },
  };
}
