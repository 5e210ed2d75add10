import type { Capabilities } from "../src/index.js";

/** Capabilities of a modest provider: no GPU, no tailscale, egress none/all only. */
export function testCapabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    isolation: "none",
    snapshot: false,
    snapshotTypes: [],
    execStreaming: "separate",
    restart: false,
    pause: false,
    pty: false,
    gpu: false,
    logs: false,
    tailscale: false,
    architectures: ["x86_64"],
    persistentStorage: false,
    egress: ["none", "all"],
    extensions: [],
    constraints: { gpuTypes: [], imageKinds: ["test"] },
    ...overrides,
  };
}
