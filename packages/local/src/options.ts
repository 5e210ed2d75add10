import os from "node:os";
import path from "node:path";
import { InvalidArgumentError } from "@openlattice/core";
import { DEFAULT_HOST_ID_RANGE, type HostIdRange, subordinateRange } from "./host/host-ids.js";
import type { SeccompOption } from "./host/seccomp.js";
import type { ProviderImageOptions } from "./images/provider/provider-image-options.js";

/** Which isolation tier to use: `auto` picks `namespace` when the probe succeeds, else `none`. */
export type IsolationPreference = "auto" | "namespace" | "none";

/** The tier a provider actually runs. */
export type IsolationTier = "namespace" | "none";

/**
 * Pre-started sandboxes for default-shaped specs (host image, default workdir, no egress, no cpu
 * limit or GPU, no entrypoint). `size` sandboxes are kept ready; once fewer than `lowWater`
 * are, the pool refills to `size` in the background, `concurrency` starts at a time, after
 * hand-outs have paused for a moment (a burst is not slowed by its own refill).
 */
export interface WarmPoolOptions {
  readonly size: number;
  /** Default: `size` (refill after every hand-out). */
  readonly lowWater?: number;
  /** Default: 2. */
  readonly concurrency?: number;
}

/** Options of `new LocalProvider(options)`. Every field is optional. */
export interface LocalProviderOptions extends ProviderImageOptions {
  /** Isolation tier; default `auto`. Asking for `namespace` where it is unavailable throws `unsupported`. */
  isolation?: IsolationPreference;
  /**
   * Where sandboxes, snapshots and image caches live; default `$XDG_CACHE_HOME/openlattice/local`
   * (or `~/.cache/openlattice/local`). Made owner-only (0700). Snapshot refs stay valid as long as
   * this directory does.
   */
  stateDir?: string;
  /** Size of the sandbox's `/tmp` tmpfs in MiB (namespace tier); default 256. */
  tmpSizeMiB?: number;
  /**
   * Size of the sandbox's `/dev/shm` tmpfs in MiB (namespace tier); default 64, Docker's. Its
   * pages count against the sandbox's memory limit too, where one is set.
   */
  shmSizeMiB?: number;
  /**
   * Process (and thread) limit of every sandbox (needs a pids cgroup); default 512. With 4096 a
   * fork bomb made host `ps -e` take seconds on a 2-core machine; at 512 it stayed near 0.2 s.
   */
  defaultPidsLimit?: number;
  /** Uid and gid commands run as inside a namespace sandbox; default 1000. */
  sandboxUid?: number;
  /**
   * Running as root, every namespace sandbox gets its own host uid and gid from this range, leased
   * host-wide under /run/openlattice/host-ids and reused only once everything of the sandbox that
   * held it is gone. Default: the `openlattice` entry of /etc/subuid, else 65536 ids from
   * 1879048192 (0x70000000). The range must not overlap any user's uid or subordinate range.
   * Unprivileged, the sandbox user maps to the invoking user (see the README).
   */
  hostIdRange?: HostIdRange;
  /**
   * One fixed host uid (and gid) for every sandbox instead of `hostIdRange` (weaker: sandboxes of
   * the same uid share per-uid kernel quotas and could reach each other from the host). Also the
   * uid the startup probe runs bwrap as (default 65534).
   */
  hostUid?: number;
  /** Reap sandboxes left by a crashed process that used the same `stateDir`; default true. */
  reapOnStart?: boolean;
  /** Keep sandboxes pre-started (see `WarmPoolOptions`); a number is the `size`. Default 0 (off). */
  warmPool?: number | WarmPoolOptions;
  /**
   * seccomp filter of namespace sandboxes; default `"default"` (see README: the exact list).
   * `"off"` installs none; `{ bpfPath }` loads a compiled classic-BPF program of your own.
   */
  seccomp?: SeccompOption;
  /**
   * Let egress "all" reach the host's loopback services and abstract Unix sockets: the sandbox
   * then shares the host's network namespace (and sees every host interface and listener).
   * Default false: egress "all" gets a private network namespace connected through slirp4netns
   * with host loopback disabled.
   */
  allowHostLoopback?: boolean;
  /** The agent binary, instead of the one this package ships (`bin/openlattice-agent-linux-<arch>`). */
  agentBinary?: string;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly isolation: IsolationPreference;
  readonly stateDir: string;
  readonly tmpSizeMiB: number;
  readonly shmSizeMiB: number;
  readonly defaultPidsLimit: number;
  readonly sandboxUid: number;
  readonly hostUid: number;
  /** Per-sandbox uids from this range; undefined when a fixed `hostUid` was asked for. */
  readonly hostIdRange: HostIdRange | undefined;
  readonly reapOnStart: boolean;
  readonly warmPool: Required<WarmPoolOptions>;
  readonly agentBinary: string | undefined;
  readonly seccomp: SeccompOption | undefined;
  readonly allowHostLoopback: boolean;
  readonly images: ProviderImageOptions;
}

/** The default state directory: the user's cache directory, as each platform defines it. */
export function defaultStateDir(): string {
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "openlattice", "local");
  const cache = process.env.XDG_CACHE_HOME || path.join(home, ".cache");
  return path.join(cache, "openlattice", "local");
}

function resolvePool(pool: LocalProviderOptions["warmPool"]): Required<WarmPoolOptions> {
  const given = typeof pool === "number" || pool === undefined ? { size: pool ?? 0 } : pool;
  const size = Math.max(0, Math.floor(given.size ?? 0));
  return {
    size,
    lowWater: Math.min(size, Math.max(0, Math.floor(given.lowWater ?? size))),
    concurrency: Math.max(1, Math.floor(given.concurrency ?? 2)),
  };
}

/** Sizes and counts must be positive integers: a typo must not become "unlimited" or a crash. */
export function checkOptions(options: LocalProviderOptions, provider: string): void {
  for (const field of ["tmpSizeMiB", "shmSizeMiB", "defaultPidsLimit"] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new InvalidArgumentError(field, `must be a positive integer (got ${String(value)})`, { provider });
    }
  }
}

export function resolveOptions(options: LocalProviderOptions = {}): ResolvedOptions {
  return {
    isolation: options.isolation ?? "auto",
    stateDir: path.resolve(options.stateDir ?? defaultStateDir()),
    tmpSizeMiB: options.tmpSizeMiB ?? 256,
    shmSizeMiB: options.shmSizeMiB ?? 64,
    defaultPidsLimit: options.defaultPidsLimit ?? 512,
    sandboxUid: options.sandboxUid ?? 1000,
    hostUid: options.hostUid ?? 65534,
    hostIdRange:
      options.hostUid !== undefined ? undefined : (options.hostIdRange ?? subordinateRange() ?? DEFAULT_HOST_ID_RANGE),
    reapOnStart: options.reapOnStart ?? true,
    warmPool: resolvePool(options.warmPool),
    agentBinary: options.agentBinary,
    seccomp: options.seccomp,
    allowHostLoopback: options.allowHostLoopback === true,
    images: { imageRoots: options.imageRoots, images: options.images, onImageProgress: options.onImageProgress },
  };
}
