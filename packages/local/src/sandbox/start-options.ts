import { randomBytes } from "node:crypto";
import type { StatCache } from "../snapshots/snapshot-store.js";
import type { LocalSandbox } from "./local-sandbox.js";
import type { Owner } from "./sandbox-boot.js";

/** Largest file the `files` extension moves in one call. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Creates a sandbox id: unguessable, and short enough for cgroup and socket paths. */
export function newSandboxId(): string {
  return `sbx-${randomBytes(8).toString("hex")}`;
}

/** Options of `LocalSandbox.start`. */
export interface StartOptions {
  readonly signal?: AbortSignal;
  /** Fills the fresh workspace before any process starts (snapshot restore); returns its stat cache. */
  readonly seed?: (workspace: string, owner: Owner | undefined) => Promise<StatCache>;
  /** Called when the sandbox ends on its own (main command exit, limits, agent death). */
  readonly onEnded?: (sandbox: LocalSandbox) => void;
}
