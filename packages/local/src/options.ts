import os from "node:os";
import path from "node:path";

/** Which isolation tier to use: `auto` picks `namespace` when the probe succeeds, else `none`. */
export type IsolationPreference = "auto" | "namespace" | "none";

/** The tier a provider actually runs. */
export type IsolationTier = "namespace" | "none";

/** Options of `new LocalProvider(options)`. Every field is optional. */
export interface LocalProviderOptions {
  /** Isolation tier; default `auto`. Asking for `namespace` where it is unavailable throws `unsupported`. */
  isolation?: IsolationPreference;
  /**
   * Where sandboxes, snapshots and image caches live; default `$XDG_CACHE_HOME/openlattice/local`
   * (or `~/.cache/openlattice/local`). Snapshot refs stay valid as long as this directory does.
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
   * (`nobody`). It must not own anything sensitive on the host.
   */
  hostUid?: number;
  /** Reap sandboxes left by a crashed process that used the same `stateDir`; default true. */
  reapOnStart?: boolean;
  /**
   * Namespace tier: keep this many sandboxes pre-started, so that `provision` of a default-shaped
   * spec (host image, no main command, default workdir, no egress, no cpu limit or GPU) returns
   * at once. Idle pooled sandboxes cost ~3 processes and a few MiB each. Default 0 (off).
   */
  warmPool?: number;
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
  readonly warmPool: number;
}

/** The default state directory: the user's cache directory, as each platform defines it. */
export function defaultStateDir(): string {
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "openlattice", "local");
  const cache = process.env.XDG_CACHE_HOME || path.join(home, ".cache");
  return path.join(cache, "openlattice", "local");
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
    warmPool: Math.max(0, Math.floor(options.warmPool ?? 0)),
  };
}
