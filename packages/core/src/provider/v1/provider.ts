import type { Capabilities } from "./capabilities.js";
import type { ExecOptions, ExecResult } from "./exec.js";
import type { ExtensionOf } from "./extensions.js";
import type { HealthReport } from "./health.js";
import type { ProvisionSpec } from "./provision-spec.js";
import type { SandboxInfo, SandboxNode } from "./sandbox-info.js";
import type { SnapshotRef } from "./snapshot.js";

/** The specification version this package defines. */
export const SPECIFICATION_VERSION = "v1" as const;

/** Which sandboxes `list` returns: those carrying every given label. */
export interface ListFilter {
  labels?: Record<string, string>;
}

export interface ProvisionOptions {
  /** Aborting cancels provisioning; anything already created is destroyed before rejecting. */
  signal?: AbortSignal;
}

/**
 * A sandbox backend, specification v1. Implementations validate every input through core
 * (`parseProvisionSpec`, `parseExecRequest`) before touching their backend, and throw only
 * `SandboxError`s.
 */
export interface Provider {
  /** Stable provider name, e.g. `"local"` or `"modal"`. */
  readonly name: string;
  /** The spec version implemented; `assertProvider` checks it before anything else. */
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** What this provider can do; constant for the provider's lifetime. */
  readonly capabilities: Capabilities;

  /**
   * Creates a sandbox and resolves once it accepts `exec` and its setup command
   * (`runtime.command`) has exited 0. A failing setup command rejects with `setup_failed`
   * (exit code and output tail in `details`) and leaves nothing behind.
   */
  readonly provision: (spec: ProvisionSpec, options?: ProvisionOptions) => Promise<SandboxNode>;

  /**
   * Runs `argv` in the sandbox. `argv[0]` is the program; arguments reach it exactly, never
   * re-parsed by a shell. Resolves with the exit code whatever it is; rejects when the command
   * could not run (sandbox gone: `not_found`/`terminated`; bad input: `invalid_argument`).
   */
  readonly exec: (externalId: string, argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

  /**
   * Destroys the sandbox and everything it started. Idempotent: unknown ids, and sandboxes the
   * backend reports already terminated or finished, resolve.
   */
  readonly destroy: (externalId: string) => Promise<void>;

  /**
   * Reports a sandbox's state. A destroyed sandbox reports `terminated`; an unknown or
   * long-gone id resolves `{ status: "terminated", reason: "not found" }` instead of throwing.
   */
  readonly inspect: (externalId: string) => Promise<SandboxInfo>;

  /** Captures the sandbox's state; throws `unsupported` when `capabilities.snapshot` is false. */
  readonly snapshot: (externalId: string) => Promise<SnapshotRef>;

  /** Creates a new sandbox from a snapshot; `overrides` replace sections of the original spec. */
  readonly restore: (ref: SnapshotRef, overrides?: Partial<ProvisionSpec>) => Promise<SandboxNode>;

  /**
   * Optional: the live (not destroyed) sandboxes this provider can see, filtered by labels.
   * Providers that can list should implement it: leak checks, sweepers and orchestrators that
   * restart rely on it. It may be absent; callers must not assume it.
   */
  readonly list?: (filter?: ListFilter) => Promise<SandboxNode[]>;

  /** Checks that the backend is usable. Never throws. */
  readonly healthCheck: () => Promise<HealthReport>;

  /**
   * Returns an extension bound to one sandbox, or `undefined` when the provider lacks it.
   * Unknown names return `undefined`.
   */
  readonly getExtension: <K extends string>(externalId: string, name: K) => ExtensionOf<K>;
}
