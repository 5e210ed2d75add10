import type { Capabilities } from "@openlattice/core";
import { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS } from "./durations.js";
import { MAX_GPU_COUNT, MODAL_GPU_TYPES } from "./gpu.js";

/** Image used when `runtime.image` is absent. */
export const DEFAULT_IMAGE = "python:3.12-slim";

/**
 * Output each background process keeps per stream for `attach({ fromStart: true })` (1 MiB):
 * held in the memory of the provider instance that started it.
 */
export const PROCESS_OUTPUT_BUFFER_BYTES = 1024 * 1024;

/**
 * What Modal sandboxes can do, as spec v1 declares it. `lifetime` is offered only when the
 * provider was built with `extendableLifetime` (see `ModalProviderOptions`): Modal itself
 * cannot move a running sandbox's timeout.
 */
export function modalCapabilities(
  defaultDurationSeconds = DEFAULT_LIFETIME_SECONDS,
  defaultImage = DEFAULT_IMAGE,
  lifetimeLimitSeconds?: number,
): Capabilities {
  const extendableLifetime = lifetimeLimitSeconds !== undefined;
  return {
    // Modal runs sandboxes under gVisor, a user-space kernel: closer to a VM than to namespaces.
    isolation: "vm",
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause: false,
    // Modal's exec PTY (80x24 on the wire; sized and resized with stty inside the sandbox).
    pty: true,
    gpu: true,
    logs: false,
    tailscale: true,
    architectures: ["x86_64"],
    // Modal volumes outlive sandboxes, but this provider does not attach them yet.
    persistentStorage: false,
    egress: ["all", "none", "allowlist"],
    extensions: [
      "files",
      "network",
      "processes",
      "fileStreams",
      "fileWatch",
      ...(extendableLifetime ? (["lifetime"] as const) : []),
    ],
    constraints: {
      gpuTypes: MODAL_GPU_TYPES,
      maxGpuCount: MAX_GPU_COUNT,
      // With extendable lifetimes nothing may live past the limit, extensions included.
      maxDurationSeconds: lifetimeLimitSeconds ?? MAX_LIFETIME_SECONDS,
      defaultDurationSeconds,
      imageKinds: ["registry tag (e.g. python:3.12-slim)", "Modal image id (im-...)"],
      defaultImage,
      processOutputBufferBytes: PROCESS_OUTPUT_BUFFER_BYTES,
    },
    limitations: {
      restart: "Modal sandboxes cannot be restarted; restore a snapshot instead",
      pause: "Modal sandboxes cannot be paused",
      metrics: "the modal SDK 0.11.1 exposes no resource usage for sandboxes",
      diskMiB: "resources.diskMiB is not configurable for Modal sandboxes and is refused (unsupported)",
      ...(extendableLifetime
        ? {}
        : {
            lifetime:
              "Modal cannot extend a running sandbox's timeout; build the provider with extendableLifetime to have openlattice enforce the duration inside the sandbox instead",
          }),
    },
  };
}
