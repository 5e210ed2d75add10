import os from "node:os";
import {
  type Architecture,
  type Capabilities,
  type ExtensionName,
  UnsupportedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import type { IsolationProbe } from "./host/probe.js";
import { SandboxCgroups } from "./host/sandbox-cgroups.js";
import type { IsolationTier } from "./options.js";
import { IMAGE_KINDS } from "./sandbox/images.js";
import { MAX_FILE_BYTES } from "./sandbox/local-sandbox.js";

function architectures(): Architecture[] {
  if (process.arch === "x64") return ["x86_64"];
  if (process.arch === "arm64") return ["arm64"];
  return [];
}

/** Whether pause works: it needs a freezable cgroup (v2 `cgroup.freeze` or the v1 freezer). */
export function canPause(probe: IsolationProbe): boolean {
  return Boolean((probe.cgroups.unified && probe.cgroups.unifiedFreeze) || probe.cgroups.v1.freezer);
}

/**
 * The capabilities of a provider running `tier` on a host described by `probe`, with the reason
 * for every feature that is off or degraded in `limitations`.
 */
export function buildCapabilities(tier: IsolationTier, probe: IsolationProbe, tierReason?: string): Capabilities {
  const limitations: Record<string, string> = {};
  if (tierReason) limitations.isolation = tierReason;
  const limits = SandboxCgroups.enforceable(probe.cgroups);
  const missingLimits = (Object.keys(limits) as (keyof typeof limits)[]).filter((name) => !limits[name]);
  if (missingLimits.length > 0) {
    limitations.resources =
      `no writable cgroup for ${missingLimits.join(", ")} (${probe.root ? "read-only cgroups" : "running unprivileged without a delegated cgroup"}): ` +
      `specs asking for ${missingLimits.filter((name) => name !== "pids").join(" or ") || "them"} are refused with unsupported` +
      (missingLimits.includes("pids") ? "; no default process limit applies" : "");
  }
  const pause = canPause(probe);
  if (!pause) limitations.pause = "no writable freezer cgroup (cgroup v2 cgroup.freeze or v1 freezer)";
  const metrics = Boolean(probe.cgroups.unified || Object.keys(probe.cgroups.v1).length > 0);
  if (!metrics) limitations.metrics = "no writable cgroup to read counters from";
  const gpu = probe.gpuDevices.length > 0;
  if (!gpu) limitations.gpu = "no /dev/nvidia* device on this host";
  if (tier === "none") {
    limitations.egress = "the none tier shares the host network: egress cannot be blocked";
    limitations.images = "the none tier runs on the host filesystem: only the host image";
  }
  limitations.snapshot = "filesystem snapshots of the workspace only; process memory is not captured";
  limitations.disk = "resources.diskMiB is accepted but not enforced (no filesystem quotas); /tmp is a sized tmpfs";
  const extensions: ExtensionName[] = ["files", "network"];
  if (metrics) extensions.push("metrics");
  if (pause) extensions.push("lifecycle");
  return {
    isolation: tier,
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause,
    pty: false,
    gpu,
    logs: false,
    tailscale: false,
    architectures: architectures(),
    // Snapshots outlive sandboxes, but there are no volumes to attach to another sandbox.
    persistentStorage: false,
    egress: tier === "namespace" ? ["none", "all"] : ["all"],
    extensions,
    constraints: {
      gpuTypes: gpu ? ["nvidia"] : [],
      ...(gpu ? { maxGpuCount: probe.gpuDevices.filter((d) => /^\/dev\/nvidia\d+$/.test(d)).length || 1 } : {}),
      maxCpu: os.cpus().length,
      maxMemoryMiB: Math.floor(os.totalmem() / (1024 * 1024)),
      maxFileBytes: MAX_FILE_BYTES,
      imageKinds: tier === "namespace" ? [...IMAGE_KINDS] : ["host"],
      defaultImage: "host",
    },
    limitations,
  };
}

/**
 * Refuses a spec whose limits this host cannot enforce: a limit that is accepted must hold.
 * Throws `unsupported` naming the field and why.
 */
export function checkEnforceable(spec: ValidProvisionSpec, probe: IsolationProbe, provider: string): void {
  const limits = SandboxCgroups.enforceable(probe.cgroups);
  const why = probe.root
    ? "no writable cgroup on this host"
    : "running unprivileged without a delegated (writable) cgroup; run as root or delegate a cgroup v2 subtree";
  if (spec.resources?.memoryMiB !== undefined && !limits.memory) {
    throw new UnsupportedError("resources.memoryMiB", `resources.memoryMiB cannot be enforced: ${why}`, { provider });
  }
  if (spec.resources?.cpu !== undefined && !limits.cpu) {
    throw new UnsupportedError("resources.cpu", `resources.cpu cannot be enforced: ${why}`, { provider });
  }
}
