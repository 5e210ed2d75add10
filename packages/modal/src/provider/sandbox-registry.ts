import { InvalidArgumentError, type ValidProvisionSpec } from "@openlattice/core";
import type { ModalClient, Sandbox } from "modal";
import { CREATED_TAG, labelsFromTags, TAILSCALE_TAG } from "./labels.js";
import { mapModalError } from "./map-modal-error.js";
import type { SandboxMeta } from "./sandbox-meta.js";

/**
 * What one provider instance remembers about sandboxes: one SDK handle per sandbox (a handle
 * keeps its task id and router channel, so execs make no re-attach calls), what it knows of
 * each (from its own provision, or recovered from tags), and full specs of snapshots it took
 * (with secrets, in memory only, for restores in this process).
 */
export class SandboxRegistry {
  readonly #handles = new Map<string, Sandbox>();
  readonly #meta = new Map<string, SandboxMeta>();
  readonly #snapshotSpecs = new Map<string, ValidProvisionSpec>();

  constructor(private readonly client: () => ModalClient) {}

  /** The cached handle (`fromId` makes no RPC). */
  async handle(externalId: string): Promise<Sandbox> {
    if (typeof externalId !== "string" || externalId === "") {
      throw new InvalidArgumentError("externalId", "must be a non-empty string", { provider: "modal" });
    }
    const known = this.#handles.get(externalId);
    if (known) return known;
    const sandbox = await this.client().sandboxes.fromId(externalId);
    // Another call may have cached one meanwhile; keep a single handle per sandbox.
    const existing = this.#handles.get(externalId);
    if (existing) return existing;
    this.#handles.set(externalId, sandbox);
    return sandbox;
  }

  adopt(sandbox: Sandbox, meta?: SandboxMeta): void {
    this.#handles.set(sandbox.sandboxId, sandbox);
    if (meta) this.#meta.set(sandbox.sandboxId, meta);
  }

  /** Forgets a destroyed sandbox and detaches its handle (later calls on it reject). */
  forget(externalId: string): void {
    this.#handles.get(externalId)?.detach();
    this.#handles.delete(externalId);
  }

  meta(externalId: string): SandboxMeta | undefined {
    return this.#meta.get(externalId);
  }

  /** What this provider knows, or what the sandbox's tags record (one call, then cached). */
  async metaOrTags(externalId: string, sandbox: Sandbox): Promise<SandboxMeta> {
    const known = this.#meta.get(externalId);
    if (known) return known;
    let tags: Record<string, string>;
    try {
      tags = await sandbox.getTags();
    } catch (error) {
      throw mapModalError(error, { operation: "inspect", externalId });
    }
    const created = Number(tags[CREATED_TAG]);
    const meta: SandboxMeta = {
      createdAt: Number.isFinite(created) ? new Date(created) : new Date(0),
      labels: labelsFromTags(tags),
      tailscale: tags[TAILSCALE_TAG] === "true",
    };
    this.#meta.set(externalId, meta);
    return meta;
  }

  rememberSnapshot(imageId: string, spec: ValidProvisionSpec): void {
    this.#snapshotSpecs.set(imageId, spec);
  }

  snapshotSpec(imageId: string): ValidProvisionSpec | undefined {
    return this.#snapshotSpecs.get(imageId);
  }
}
