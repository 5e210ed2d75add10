import os from "node:os";
import path from "node:path";

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
export interface LocalProviderOptions {
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
  /** Process limit applied when the spec sets none (needs a pids cgroup); default 4096. */
  defaultPidsLimit?: number;
  /** Uid and gid commands run as inside a namespace sandbox; default 1000. */
  sandboxUid?: number;
  /**
   * Host uid (and gid) the sandbox user maps to when the provider runs as root; default 65534
   * (`nobody`). It must not own anything sensitive on the host. Unprivileged, the sandbox user
   * maps to the invoking user.
   */
  hostUid?: number;
  /** Reap sandboxes left by a crashed process that used the same `stateDir`; default true. */
  reapOnStart?: boolean;
  /** Keep sandboxes pre-started (see `WarmPoolOptions`); a number is the `size`. Default 0 (off). */
  warmPool?: number | WarmPoolOptions;
  /** The agent binary, instead of the one this package ships (`bin/openlattice-agent-linux-<arch>`). */
  agentBinary?: string;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly isolation: IsolationPreference;
  readonly stateDir: string;
  readonly tmpSizeMiB: number;
  readonly defaultPidsLimit: number;
  readonly sandboxUid: number;
  readonly hostUid: number;
  readonly reapOnStart: boolean;
  readonly warmPool: Required<WarmPoolOptions>;
  readonly agentBinary: string | undefined;
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

export function resolveOptions(options: LocalProviderOptions = {}): ResolvedOptions {
  return {
    isolation: options.isolation ?? "auto",
    stateDir: path.resolve(options.stateDir ?? defaultStateDir()),
    tmpSizeMiB: options.tmpSizeMiB ?? 256,
    defaultPidsLimit: options.defaultPidsLimit ?? 4096,
    sandboxUid: options.sandboxUid ?? 1000,
    hostUid: options.hostUid ?? 65534,
    reapOnStart: options.reapOnStart ?? true,
    warmPool: resolvePool(options.warmPool),
    agentBinary: options.agentBinary,
  };
}
