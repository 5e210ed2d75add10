import type { ExtensionName } from "./extensions.js";

/** How strongly sandboxes are separated from the host and from each other. */
export type IsolationMode = "vm" | "namespace" | "none";

/** What a snapshot captures: the filesystem only, or the filesystem and process memory. */
export type SnapshotType = "filesystem" | "memory";

/** How exec output streams: stdout and stderr kept apart, merged, or delivered only at the end. */
export type ExecStreamingMode = "separate" | "combined" | false;

/** CPU architectures a provider can run sandboxes on. */
export type Architecture = "x86_64" | "arm64";

/** Hard limits of a provider. A spec beyond them is rejected before any backend call. */
export interface CapabilityConstraints {
  /** GPU types accepted in `spec.gpu.type`; empty when the provider has no GPUs. */
  readonly gpuTypes: readonly string[];
  /** Largest `gpu.count`, when GPUs exist. */
  readonly maxGpuCount?: number;
  /** Longest `duration.maxSeconds` accepted. */
  readonly maxDurationSeconds?: number;
  /** Lifetime applied when `duration.maxSeconds` is not given; `undefined` means unlimited. */
  readonly defaultDurationSeconds?: number;
  /** Largest `resources.cpu`. */
  readonly maxCpu?: number;
  /** Largest `resources.memoryMiB`. */
  readonly maxMemoryMiB?: number;
  /** Largest file the `files` extension reads or writes in one call. */
  readonly maxFileBytes?: number;
  /** Output each started process keeps per stream for `processes.attach({ fromStart })`. */
  readonly processOutputBufferBytes?: number;
  /** Image references this provider understands, as short descriptions (e.g. `"dir:<path>"`). */
  readonly imageKinds: readonly string[];
  /**
   * Image used when `runtime.image` is absent (e.g. `"host"` or `"debian:bookworm-slim"`);
   * `undefined` when the provider has no default and every spec must name one.
   */
  readonly defaultImage?: string;
}

/**
 * What a provider can do, declared by the provider and read by callers and the conformance
 * suite. It must not change during the provider's lifetime.
 */
export interface Capabilities {
  readonly isolation: IsolationMode;
  /** `snapshot`/`restore` work. What a snapshot captures is in `snapshotTypes`. */
  readonly snapshot: boolean;
  /** What snapshots capture; empty exactly when `snapshot` is false. */
  readonly snapshotTypes: readonly SnapshotType[];
  readonly execStreaming: ExecStreamingMode;
  /** A stopped sandbox can be started again under the same id. */
  readonly restart: boolean;
  /** `lifecycle.pause`/`resume` work. */
  readonly pause: boolean;
  /** `exec` and `processes.start` accept `pty: true`. */
  readonly pty: boolean;
  /** `spec.gpu` can be satisfied. */
  readonly gpu: boolean;
  /** Output of the sandbox's main command can be read after the fact. */
  readonly logs: boolean;
  /** `network.tailscaleAuthKey` joins sandboxes to a tailnet. */
  readonly tailscale: boolean;
  readonly architectures: readonly Architecture[];
  /**
   * The provider offers storage that outlives a sandbox and can be attached to another one
   * (volumes). Snapshots alone do not count: they are covered by `snapshot`.
   */
  readonly persistentStorage: boolean;
  /** Egress policies honoured: `none` blocks all outbound traffic, `allowlist` filters it. */
  readonly egress: readonly ("none" | "all" | "allowlist")[];
  /** Extensions `getExtension` returns for a live sandbox. */
  readonly extensions: readonly ExtensionName[];
  readonly constraints: CapabilityConstraints;
  /** Why a feature is off or degraded, keyed by feature (e.g. `{ isolation: "bwrap not found" }`). */
  readonly limitations?: Readonly<Record<string, string>>;
}
