import os from "node:os";
import {
  type Architecture,
  type Capabilities,
  type ExtensionName,
  UnsupportedError,
  type ValidProvisionSpec,
} from "@openlattice/core";
import { PROCESS_RING_BYTES } from "./agent/protocol.js";
import type { IsolationProbe } from "./host/probe.js";
import { SandboxCgroups } from "./host/sandbox-cgroups.js";
import { describeSeccomp, type SeccompPlan } from "./host/seccomp.js";
import { PROVIDER_IMAGE_KINDS } from "./images/provider/provider-images.js";
import type { IsolationTier } from "./options.js";
import { MAX_FILE_BYTES } from "./sandbox/local-sandbox.js";

function architectures(): Architecture[] {
  if (process.arch === "x64") return ["x86_64"];
  if (process.arch === "arm64") return ["arm64"];
  return [];
}

/**
 * The none tier's plain statement (capabilities and health): commands are not isolated, and
 * run as this user.
 */
export function unisolatedNotice(): string {
  const uid = process.getuid?.() ?? -1;
  let name = String(uid);
  try {
    name = os.userInfo().username;
  } catch {
    // No passwd entry for this uid: the number says it.
  }
  return `not isolated: commands run unisolated on the host as ${name} (uid ${uid}), with every right that user has`;
}

/** Whether pause works: it needs a freezable cgroup (v2 `cgroup.freeze` or the v1 freezer). */
export function canPause(probe: IsolationProbe): boolean {
  return Boolean((probe.cgroups.unified && probe.cgroups.unifiedFreeze) || probe.cgroups.v1.freezer);
}

/**
 * The capabilities of a provider running `tier` on a host described by `probe`, with the reason
 * for every feature that is off or degraded in `limitations`.
 */
export function buildCapabilities(
  tier: IsolationTier,
  probe: IsolationProbe,
  tierReason?: string,
  seccomp: SeccompPlan = { kind: "off" },
  egressAll: { readonly allowHostLoopback: boolean; readonly problem: string | undefined } = {
    allowHostLoopback: false,
    problem: undefined,
  },
): Capabilities {
  const limitations: Record<string, string> = {};
  // Always stated in the namespace tier: which filter sandboxes run under is part of the isolation.
  if (tier === "namespace") limitations.seccomp = describeSeccomp(seccomp);
  if (tierReason) limitations.isolation = tierReason;
  if (tier === "none") limitations.isolation = `${unisolatedNotice()}; ${tierReason ?? "tier none"}`;
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
  const egressAllOk = tier === "none" || egressAll.allowHostLoopback || egressAll.problem === undefined;
  if (tier === "namespace" && egressAll.allowHostLoopback) {
    limitations.egress =
      'allowHostLoopback: egress "all" shares the host network namespace (host loopback services and abstract sockets reachable)';
  } else if (!egressAllOk) {
    limitations.egress = `egress "all" unavailable: ${egressAll.problem}; pass allowHostLoopback: true to share the host network instead`;
  }
  if (tier === "none") {
    limitations.egress = "the none tier shares the host network: egress cannot be blocked";
    limitations.images = "the none tier runs on the host filesystem: only the host image";
  }
  limitations.snapshot = "filesystem snapshots of the workspace only; process memory is not captured";
  limitations.disk = DISK_REFUSAL;
  const extensions: ExtensionName[] = ["files", "network", "processes", "fileStreams", "fileWatch", "lifetime"];
  if (metrics) extensions.push("metrics");
  if (pause) extensions.push("lifecycle");
  return {
    isolation: tier,
    snapshot: true,
    snapshotTypes: ["filesystem"],
    execStreaming: "separate",
    restart: false,
    pause,
    pty: true,
    gpu,
    logs: false,
    tailscale: false,
    architectures: architectures(),
    // Snapshots outlive sandboxes, but there are no volumes to attach to another sandbox.
    persistentStorage: false,
    egress: tier === "none" ? ["all"] : egressAllOk ? ["none", "all"] : ["none"],
    extensions,
    constraints: {
      gpuTypes: gpu ? ["nvidia"] : [],
      ...(gpu ? { maxGpuCount: probe.gpuDevices.filter((d) => /^\/dev\/nvidia\d+$/.test(d)).length || 1 } : {}),
      maxCpu: os.cpus().length,
      maxMemoryMiB: Math.floor(os.totalmem() / (1024 * 1024)),
      maxFileBytes: MAX_FILE_BYTES,
      processOutputBufferBytes: PROCESS_RING_BYTES,
      imageKinds: tier === "namespace" ? [...PROVIDER_IMAGE_KINDS] : ["host"],
      defaultImage: "host",
    },
    limitations,
  };
}

/** Why `resources.diskMiB` is refused (never accepted and ignored). */
const DISK_REFUSAL =
  "resources.diskMiB cannot be enforced: the workspace is a directory on the host disk without a filesystem quota, so specs setting it are refused with unsupported; /tmp and /dev/shm are sized tmpfs (tmpSizeMiB, shmSizeMiB) charged to the memory limit";

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
  if (spec.resources?.diskMiB !== undefined) {
    throw new UnsupportedError("resources.diskMiB", DISK_REFUSAL, { provider });
  }
  if (spec.resources?.cpu !== undefined && !limits.cpu) {
    throw new UnsupportedError("resources.cpu", `resources.cpu cannot be enforced: ${why}`, { provider });
  }
}
