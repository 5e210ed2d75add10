import type { FileStreamsExtension, FileWatchExtension, LifetimeExtension } from "./file-streams.js";
import type { ProcessesExtension } from "./processes.js";

/** Kinds of filesystem entry. */
export type FileType = "file" | "directory" | "symlink" | "other";

export interface FileEntry {
  readonly name: string;
  /** Path as the sandbox sees it. */
  readonly path: string;
  readonly type: FileType;
  readonly size: number;
}

export interface FileStat extends FileEntry {
  /** Permission bits, e.g. `0o644`. */
  readonly mode: number;
  readonly modifiedAt: Date;
}

/**
 * Files inside a sandbox. Paths are absolute inside the sandbox or relative to its working
 * directory; no path reaches outside the sandbox. Missing paths throw `not_found`.
 */
export interface FilesExtension {
  /** Reads a file's bytes exactly. */
  read(path: string): Promise<Uint8Array>;
  /** Reads a file as UTF-8. */
  readText(path: string): Promise<string>;
  /** Creates or replaces a file, creating missing parent directories. Strings are written as UTF-8. */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** Lists a directory's entries, sorted by name. */
  list(path: string): Promise<FileEntry[]>;
  /** Removes a file, or a directory when `recursive` is set. Removing a missing path resolves. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Creates a directory and its missing parents (like `mkdir -p`); an existing directory resolves. */
  mkdir(path: string): Promise<void>;
  stat(path: string): Promise<FileStat>;
}

/** Reaching servers inside a sandbox. */
export interface NetworkExtension {
  /**
   * A URL on which the host reaches a server listening on `port` inside the sandbox. Only ports
   * declared in `network.ports` at provision are reachable: any other port rejects with
   * `invalid_argument` (field `port`) on every provider, so code never depends on a backend
   * that happens to route more.
   */
  getUrl(port: number): Promise<string>;
}

export interface MetricsSample {
  readonly timestamp: Date;
  /** CPU time consumed since the sandbox started, in seconds. */
  readonly cpuSeconds: number;
  readonly memoryBytes: number;
  /** Memory limit in bytes, when one applies. */
  readonly memoryLimitBytes?: number;
  /** Number of live processes, when known. */
  readonly processes?: number;
}

/** Resource usage of a sandbox. */
export interface MetricsExtension {
  sample(): Promise<MetricsSample>;
}

/** Pausing and resuming a sandbox: paused processes make no progress and use no CPU. */
export interface LifecycleExtension {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Every extension defined by spec v1, by name. */
export interface Extensions {
  files: FilesExtension;
  network: NetworkExtension;
  metrics: MetricsExtension;
  lifecycle: LifecycleExtension;
  /** Background processes, PTYs, attach and replay. */
  processes: ProcessesExtension;
  /** Files moved as streams, beyond `maxFileBytes`, in constant memory. */
  fileStreams: FileStreamsExtension;
  /** Change notifications for files. */
  fileWatch: FileWatchExtension;
  /** Reading and extending the duration limit of a live sandbox. */
  lifetime: LifetimeExtension;
}

export type ExtensionName = keyof Extensions;

export const EXTENSION_NAMES: readonly ExtensionName[] = [
  "files",
  "network",
  "metrics",
  "lifecycle",
  "processes",
  "fileStreams",
  "fileWatch",
  "lifetime",
];

/**
 * Result type of `getExtension(id, name)`: the extension (or `undefined` when the provider lacks
 * it) for a known name, `undefined` for any other literal name.
 */
export type ExtensionOf<K extends string> = string extends K
  ? Extensions[ExtensionName] | undefined
  : K extends ExtensionName
    ? Extensions[K] | undefined
    : undefined;
