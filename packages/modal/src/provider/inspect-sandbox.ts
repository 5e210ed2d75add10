import { hasErrorCode, type SandboxInfo } from "@openlattice/core";
import { mapModalError } from "./map-modal-error.js";
import type { SandboxRegistry } from "./sandbox-registry.js";

/**
 * `inspect` on Modal: one `poll` (SandboxWait with no wait) for the state, plus the tags once
 * for a sandbox this provider did not create. `null` means running (or still scheduling);
 * 137 terminated, 124 the lifetime ended, anything else the main process's exit code. An
 * unknown or long-gone id is simply over (spec v1).
 */
export async function inspectSandbox(registry: SandboxRegistry, externalId: string): Promise<SandboxInfo> {
  let code: number | null;
  let sandbox: Awaited<ReturnType<SandboxRegistry["handle"]>>;
  try {
    sandbox = await registry.handle(externalId);
    code = await sandbox.poll();
  } catch (error) {
    const mapped = mapModalError(error, { operation: "inspect", externalId });
    if (!hasErrorCode(mapped, "not_found")) throw mapped;
    return { externalId, provider: "modal", status: "terminated", reason: "not found", labels: {} };
  }
  const meta = await registry.metaOrTags(externalId, sandbox);
  const base = {
    externalId,
    provider: "modal",
    createdAt: meta.createdAt,
    labels: { ...meta.labels },
    ...(meta.name === undefined ? {} : { name: meta.name }),
    ...(meta.image === undefined ? {} : { image: meta.image }),
    ...(meta.gpu === undefined ? {} : { resources: { gpu: meta.gpu } }),
    details: { tailscale: meta.tailscale },
  };
  if (code === null) return { ...base, status: "running" };
  return {
    ...base,
    status: "terminated",
    exitCode: code,
    reason: code === 137 ? "terminated" : code === 124 ? "duration limit" : "exited",
  };
}
