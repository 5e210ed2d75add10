import type { SandboxNode } from "@openlattice/core";
import type { ModalClient } from "modal";
import { IDEMPOTENCY_TAG, MANAGED_TAG } from "./labels.js";
import { mapModalError } from "./map-modal-error.js";
import type { SandboxRegistry } from "./sandbox-registry.js";

/** The node of a live sandbox found by listing, from what its tags recorded. */
export function runningNode(
  externalId: string,
  meta: { createdAt: Date; labels: Readonly<Record<string, string>> },
): SandboxNode {
  return { externalId, provider: "modal", status: "running", createdAt: meta.createdAt, labels: { ...meta.labels } };
}

/**
 * Running openlattice sandboxes of one App carrying every given label (Modal filters by tags
 * server-side). Handles are detached: listing does not keep router channels open.
 */
export async function listSandboxes(
  client: ModalClient,
  appId: () => Promise<string>,
  registry: SandboxRegistry,
  labels: Readonly<Record<string, string>>,
): Promise<SandboxNode[]> {
  const nodes: SandboxNode[] = [];
  try {
    for await (const sandbox of client.sandboxes.list({
      appId: await appId(),
      tags: { ...labels, [MANAGED_TAG]: "true" },
    })) {
      const meta = await registry.metaOrTags(sandbox.sandboxId, sandbox);
      sandbox.detach();
      nodes.push(runningNode(sandbox.sandboxId, meta));
    }
  } catch (error) {
    throw mapModalError(error, { operation: "list" });
  }
  return nodes;
}

/** The running sandbox created with this idempotency key, adopted into the registry, if any. */
export async function findByIdempotencyKey(
  client: ModalClient,
  appId: () => Promise<string>,
  registry: SandboxRegistry,
  key: string,
): Promise<SandboxNode | undefined> {
  try {
    for await (const sandbox of client.sandboxes.list({ appId: await appId(), tags: { [IDEMPOTENCY_TAG]: key } })) {
      registry.adopt(sandbox);
      return runningNode(sandbox.sandboxId, await registry.metaOrTags(sandbox.sandboxId, sandbox));
    }
  } catch (error) {
    throw mapModalError(error, { operation: "provision" });
  }
  return undefined;
}
