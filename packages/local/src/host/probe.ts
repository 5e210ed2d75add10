import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { hostImageArgs } from "../sandbox/images.js";
import { type CgroupLayout, detectCgroupLayout } from "./cgroup-layout.js";
import { findExecutable } from "./find-executable.js";

/** Tools the namespace tier runs. */
export interface NamespaceTools {
  readonly bwrap: string;
  readonly nsenter: string;
  readonly version: string;
}

/** What this host can do, as found by `probeIsolation`. */
export interface IsolationProbe {
  readonly platform: NodeJS.Platform;
  readonly root: boolean;
  /** The namespace tier works here (a real bwrap sandbox ran), or why not. */
  readonly namespace:
    | { readonly available: true; readonly tools: NamespaceTools }
    | { readonly available: false; readonly reason: string };
  readonly cgroups: CgroupLayout;
  /** `socat`, which forwards ports into a sandbox without network egress. */
  readonly socat?: string;
  /** `/dev/nvidia*` device nodes to pass through. */
  readonly gpuDevices: readonly string[];
}

export interface ProbeOptions {
  /** Host uid the sandbox user maps to when running as root; default 65534. */
  readonly hostUid?: number;
  /** Uid inside the sandbox; default 1000. */
  readonly sandboxUid?: number;
}

const cache = new Map<string, IsolationProbe>();

function listGpuDevices(): string[] {
  try {
    return readdirSync("/dev")
      .filter((name) => /^nvidia/.test(name))
      .map((name) => `/dev/${name}`)
      .sort();
  } catch {
    return [];
  }
}

function probeNamespace(options: Required<ProbeOptions>): IsolationProbe["namespace"] {
  if (process.platform !== "linux")
    return { available: false, reason: `namespaces need Linux (this is ${process.platform})` };
  const bwrap = findExecutable("bwrap");
  if (!bwrap)
    return { available: false, reason: "bubblewrap (bwrap) is not installed; install the bubblewrap package" };
  const nsenter = findExecutable("nsenter");
  if (!nsenter) return { available: false, reason: "nsenter (util-linux) is not installed" };
  const root = process.getuid?.() === 0;
  if (!root) {
    return {
      available: false,
      reason: "the namespace tier runs commands through nsenter, which needs root; running unprivileged",
    };
  }
  const version = spawnSync(bwrap, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
  const inner = String(options.sandboxUid);
  // The same shape as a real sandbox: bwrap running as the mapped host uid.
  const result = spawnSync(
    bwrap,
    [
      "--unshare-all",
      "--unshare-user",
      "--uid",
      inner,
      "--gid",
      inner,
      "--die-with-parent",
      "--new-session",
      ...hostImageArgs(),
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--tmpfs",
      "/tmp",
      "/bin/sh",
      "-c",
      "exit 0",
    ],
    { encoding: "utf8", timeout: 10_000, uid: options.hostUid, gid: options.hostUid },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
    return {
      available: false,
      reason: `bubblewrap could not create a sandbox (${detail}); user namespaces may be disabled (e.g. kernel.apparmor_restrict_unprivileged_userns=1)`,
    };
  }
  return { available: true, tools: { bwrap, nsenter, version } };
}

/**
 * Probes what isolation this host supports: runs a real (tiny) bubblewrap sandbox, finds
 * writable cgroups, `socat` and GPUs. The result is cached per process and options.
 */
export function probeIsolation(options: ProbeOptions = {}): IsolationProbe {
  const resolved = { hostUid: options.hostUid ?? 65534, sandboxUid: options.sandboxUid ?? 1000 };
  const key = `${resolved.hostUid}:${resolved.sandboxUid}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const probe: IsolationProbe = {
    platform: process.platform,
    root: process.getuid?.() === 0,
    namespace: probeNamespace(resolved),
    cgroups: detectCgroupLayout(),
    ...(findExecutable("socat") ? { socat: findExecutable("socat") as string } : {}),
    gpuDevices: existsSync("/dev") ? listGpuDevices() : [],
  };
  cache.set(key, probe);
  return probe;
}
