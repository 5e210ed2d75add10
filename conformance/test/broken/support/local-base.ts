import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalProvider, probeIsolation } from "@openlattice/local";
import { afterAll } from "vitest";

/**
 * Why broken providers built on the local provider's namespace tier cannot run here, or
 * `undefined` when they can. In CI they always run (a CI image without bubblewrap must fail,
 * not skip), as the local package's own tests do.
 */
export const LOCAL_SKIP_REASON: string | undefined =
  probeIsolation().namespace.available || process.env.CI ? undefined : "bubblewrap/root unavailable on this machine";

/**
 * A factory of local providers (namespace tier unless asked otherwise) sharing one state
 * directory, the way a real application reuses one; every sandbox they made is destroyed after
 * the file.
 */
export function localFactory(isolation: "namespace" | "none" = "namespace"): () => LocalProvider {
  const made: LocalProvider[] = [];
  let stateDir: string | undefined;
  afterAll(async () => {
    await Promise.all(made.map((provider) => provider.destroyAll()));
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
  return () => {
    stateDir ??= mkdtempSync(join(tmpdir(), "olc-broken-local-"));
    // The suite's probe server listens on the host's loopback: egress "all" reaches it only with
    // allowHostLoopback (local's own hardening tests check that it is unreachable without).
    const provider = new LocalProvider({ isolation, stateDir, allowHostLoopback: true });
    made.push(provider);
    return provider;
  };
}

/**
 * Requirements the local provider itself fails today (see conformance/KNOWN-PROVIDER-FAILURES.md).
 * Broken providers built on it skip them: a failure there would be local's, not the bug's.
 * Keep in step with `expectFailures` in packages/local/test/support/local-conformance.ts.
 */
export const LOCAL_KNOWN_FAILURES: readonly string[] = [];
