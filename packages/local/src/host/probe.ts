import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { findAgentBinary } from "./agent-binary.js";
import { type CgroupLayout, detectCgroupLayout } from "./cgroup-layout.js";
import { findExecutable } from "./find-executable.js";

/** Tools the namespace tier runs. */
export interface NamespaceTools {
  readonly bwrap: string;
  readonly version: string;
}

/** What this host can do, as found by `probeIsolation`. */
export interface IsolationProbe {
  readonly platform: NodeJS.Platform;
  readonly root: boolean;
  /** The agent binary for this architecture (both tiers run it), or why there is none. */
  readonly agent: { readonly path: string } | { readonly path?: undefined; readonly reason: string };
  /** The namespace tier works here (a real bwrap sandbox ran), or why not. */
  readonly namespace:
    | { readonly available: true; readonly tools: NamespaceTools }
    | { readonly available: false; readonly reason: string };
  readonly cgroups: CgroupLayout;
  /** `/dev/nvidia*` device nodes to pass through. */
  readonly gpuDevices: readonly string[];
}

export interface ProbeOptions {
  /** Host uid the sandbox user maps to when running as root; default 65534. */
  readonly hostUid?: number;
  /** Uid inside the sandbox; default 1000. */
  readonly sandboxUid?: number;
  /** Agent binary to use instead of the packaged one. */
  readonly agentBinary?: string;
}

const cache = new Map<string, IsolationProbe>();

/** The `host` image's mounts as bwrap arguments by path (the probe runs once, at construction). */
function hostImageArgs(): string[] {
  const args: string[] = [];
  for (const name of ["usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const source = `/${name}`;
    try {
      const stats = lstatSync(source);
      if (stats.isSymbolicLink()) args.push("--symlink", readlinkSync(source), source);
      else if (stats.isDirectory()) args.push("--ro-bind", source, source);
    } catch {
      // Not on this host.
    }
  }
  return args;
}

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

function probeNamespace(
  options: Required<Omit<ProbeOptions, "agentBinary">>,
  root: boolean,
): IsolationProbe["namespace"] {
  if (process.platform !== "linux")
    return { available: false, reason: `namespaces need Linux (this is ${process.platform})` };
  const bwrap = findExecutable("bwrap");
  if (!bwrap)
    return { available: false, reason: "bubblewrap (bwrap) is not installed; install the bubblewrap package" };
  const version = spawnSync(bwrap, ["--version"], { encoding: "utf8", env: {} }).stdout?.trim() ?? "";
  const inner = String(options.sandboxUid);
  // The shape of a real sandbox: its own user namespace (made unprivileged, so this works for
  // any user the kernel lets create one), bwrap running as the mapped host uid when we are root.
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
      "--as-pid-1",
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
    { encoding: "utf8", timeout: 10_000, env: {}, ...(root ? { uid: options.hostUid, gid: options.hostUid } : {}) },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
    return {
      available: false,
      reason: `bubblewrap could not create a sandbox (${detail}); user namespaces may be disabled (e.g. kernel.apparmor_restrict_unprivileged_userns=1)`,
    };
  }
  return { available: true, tools: { bwrap, version } };
}

/**
 * Probes what isolation this host supports: the agent binary, a real (tiny) bubblewrap sandbox,
 * writable cgroups and GPUs. The result is cached per process and options.
 */
export function probeIsolation(options: ProbeOptions = {}): IsolationProbe {
  const resolved = { hostUid: options.hostUid ?? 65534, sandboxUid: options.sandboxUid ?? 1000 };
  const key = `${resolved.hostUid}:${resolved.sandboxUid}:${options.agentBinary ?? ""}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const root = process.getuid?.() === 0;
  const probe: IsolationProbe = {
    platform: process.platform,
    root,
    agent: findAgentBinary(options.agentBinary),
    namespace: probeNamespace(resolved, root),
    cgroups: detectCgroupLayout(),
    gpuDevices: existsSync("/dev") ? listGpuDevices() : [],
  };
  cache.set(key, probe);
  return probe;
}
