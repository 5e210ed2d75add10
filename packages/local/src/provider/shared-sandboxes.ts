import { realpathSync } from "node:fs";
import path from "node:path";
import type { LocalSandbox } from "../sandbox/local-sandbox.js";

/**
 * The sandboxes of each state directory, shared by every `LocalProvider` of this process that
 * opens it: a second instance (a fresh one per request, per test case, after a reconfigure)
 * lists, inspects, execs in and attaches to what the first one started. Sandboxes stay tied to
 * this process — bubblewrap's --die-with-parent ends them with it — so another process sees
 * none of them (its reaper removes what a crashed owner left).
 */
export interface SharedSandboxes {
  readonly sandboxes: Map<string, LocalSandbox>;
  /** Image digest by sandbox id, for those still starting too: `pruneImages` keeps these. */
  readonly imageInUse: Map<string, string>;
}

const byStateDir = new Map<string, SharedSandboxes>();

/** The shared state for `stateDir` (which must exist), keyed by its real path. */
export function sharedSandboxes(stateDir: string): SharedSandboxes {
  const key = realpathSync(path.resolve(stateDir));
  let shared = byStateDir.get(key);
  if (!shared) {
    shared = { sandboxes: new Map(), imageInUse: new Map() };
    byStateDir.set(key, shared);
  }
  return shared;
}

/** The running or paused sandboxes among `sandboxes`, with every label of `labels`. */
export function liveSandboxes(
  sandboxes: ReadonlyMap<string, LocalSandbox>,
  labels: Readonly<Record<string, string>> = {},
): LocalSandbox[] {
  const wanted = Object.entries(labels);
  return [...sandboxes.values()].filter(
    (sandbox) =>
      (sandbox.status === "running" || sandbox.status === "paused") &&
      wanted.every(([key, value]) => sandbox.spec.labels?.[key] === value),
  );
}
