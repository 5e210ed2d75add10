import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { LocalProvider, type LocalProviderOptions, probeIsolation } from "../src/index.js";

/** The namespace tier works on this machine (bubblewrap present, running as root). */
export const namespaceAvailable = probeIsolation().namespace.available;

/**
 * Namespace tests are skipped only on a developer machine without bubblewrap. In CI they run
 * anyway and fail loudly, so a CI image that lost bwrap cannot pass by skipping.
 */
export const skipNamespace = !namespaceAvailable && !process.env.CI;

export const SKIP_REASON = skipNamespace ? " (skipped: bubblewrap/root unavailable on this machine)" : "";

/** Tiers the generic behaviour tests run in. */
export const TIERS = ["namespace", "none"] as const;
export type Tier = (typeof TIERS)[number];

export function skipTier(tier: Tier): boolean {
  return tier === "namespace" && skipNamespace;
}

const tempDirs: string[] = [];
// Registered once per test file at import, so dirs made inside tests are removed too.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) removeTestDir(dir);
});

/**
 * `rm -rf` that also works unprivileged on trees with read-only directories (extracted images
 * have `0555` ones): on EACCES every directory is made owner-writable first.
 */
function removeTestDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw error;
  }
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    try {
      if (!lstatSync(current).isDirectory()) continue;
      chmodSync(current, 0o700);
      for (const name of readdirSync(current)) pending.push(path.join(current, name));
    } catch {
      // Gone already, or not ours: the final rm reports what really cannot be removed.
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A fresh, searchable state directory removed after the file's tests. */
export function tempStateDir(prefix = "ol-local-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o711);
  tempDirs.push(dir);
  return dir;
}

/** A provider for `tier` with its own state dir; every sandbox it made is destroyed after the file. */
export function testProvider(tier: Tier, options: LocalProviderOptions = {}): LocalProvider {
  const provider = new LocalProvider({ isolation: tier, stateDir: tempStateDir(), ...options });
  afterAll(() => provider.destroyAll());
  return provider;
}

/** Lazily creates the provider, so a skipped tier never constructs one. */
export function lazyProvider(tier: Tier, options: LocalProviderOptions = {}): () => LocalProvider {
  let provider: LocalProvider | undefined;
  const stateDir = skipTier(tier) ? "" : tempStateDir();
  afterAll(async () => {
    await provider?.destroyAll();
  });
  return () => {
    provider ??= new LocalProvider({ isolation: tier, stateDir, ...options });
    return provider;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than `undefined` or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

const cgroupLayout = probeIsolation().cgroups;
/** Writable cgroups exist here (root, or a delegated subtree). */
export const cgroupsWritable = Boolean(cgroupLayout.unified || Object.keys(cgroupLayout.v1).length > 0);
/** A memory limit can be enforced here. */
export const memoryEnforceable = Boolean(cgroupLayout.v1.memory || cgroupLayout.unifiedControllers.has("memory"));
/**
 * cgroup tests skip only where no cgroup is writable (unprivileged without delegation, where
 * limits are refused with `unsupported` instead, as provider.test checks); in CI as root
 * cgroups exist, so there they can never skip.
 */
export const skipCgroups = !cgroupsWritable && !(process.env.CI && process.getuid?.() === 0);
export const CGROUP_SKIP_REASON = skipCgroups
  ? " (skipped: no writable cgroups here — unprivileged without a delegated subtree; limits are refused there)"
  : "";
