/** Lifecycle states of a sandbox. */
export type SandboxStatus = "pending" | "running" | "paused" | "terminated" | "failed";

export const SANDBOX_STATUSES: readonly SandboxStatus[] = ["pending", "running", "paused", "terminated", "failed"];

/** What `provision` and `restore` return: a handle to a new sandbox. */
export interface SandboxNode {
  /** The provider's id for the sandbox; pass it to every other call. */
  readonly externalId: string;
  /** Name of the provider that owns it. */
  readonly provider: string;
  /** Lifecycle state when the call returned (`running` once `provision` resolves). */
  readonly status: SandboxStatus;
  /** When the provider created the sandbox. */
  readonly createdAt: Date;
  /** The spec's labels, as given; `list({ labels })` filters on them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The spec's `name`, when it had one. */
  readonly name?: string;
}

/** Resources a sandbox actually received. */
export interface SandboxResources {
  readonly cpu?: number;
  readonly memoryMiB?: number;
  readonly diskMiB?: number;
  readonly gpu?: { readonly type: string; readonly count: number };
}

/**
 * What `inspect` knows about a sandbox. Never contains secrets. For an id the provider does not
 * know (never created, or gone so long ago it was forgotten) it is `{ status: "terminated",
 * reason: "not found" }` with no `createdAt`.
 */
export interface SandboxInfo extends Omit<SandboxNode, "createdAt"> {
  /** When the sandbox was created; absent only when the provider no longer knows it. */
  readonly createdAt?: Date;
  /** When the sandbox began accepting `exec`, when known. */
  readonly startedAt?: Date;
  /** When the sandbox ended (destroyed, exited or expired), once it has. */
  readonly endedAt?: Date;
  /** Exit code of the sandbox's main command, once it ended. */
  readonly exitCode?: number;
  /** Why the sandbox ended or failed, when known (e.g. `"destroyed"`, `"duration limit"`). */
  readonly reason?: string;
  /** The image the sandbox runs (the spec's `runtime.image`, or the provider's default). */
  readonly image?: string;
  /** Resources the sandbox actually received, which may differ from what the spec asked for. */
  readonly resources?: SandboxResources;
  /** Free-form provider facts (isolation tier, host pid, region…). */
  readonly details?: Readonly<Record<string, unknown>>;
}
