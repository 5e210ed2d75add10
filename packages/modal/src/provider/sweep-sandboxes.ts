import { InvalidArgumentError } from "@openlattice/core";
import type { ModalClient } from "modal";
import { CREATED_TAG, MANAGED_TAG, OWNER_TAG, RUN_TAG } from "./labels.js";
import { mapModalError } from "./map-modal-error.js";

/** Options of a leak sweep. */
export interface SweepOptions {
  /** Terminates labelled sandboxes created more than this long ago (ms). */
  olderThanMs: number;
  /** Only sandboxes of this owner (`openlattice-owner` tag); default: any owner. */
  owner?: string;
  /** Only sandboxes of this run (`openlattice-run` tag); default: any run. */
  runId?: string;
  /** Report what would be terminated without terminating anything. */
  dryRun?: boolean;
}

/** What a sweep found. */
export interface SweepReport {
  /** Sandboxes terminated (or that would be, in a dry run). */
  readonly terminated: string[];
  /** Labelled sandboxes younger than the cut-off, or without a creation tag. */
  readonly kept: string[];
  /** Sandboxes whose termination failed, with the reason. */
  readonly failed: { readonly externalId: string; readonly error: string }[];
}

/**
 * Terminates the sandboxes of one App that openlattice tagged (optionally of one owner or
 * run) and that were created more than `olderThanMs` ago. The age comes from the
 * `openlattice-created` tag, because `list` does not expose creation times; sandboxes without
 * it are kept.
 */
export async function sweepSandboxes(client: ModalClient, appId: string, options: SweepOptions): Promise<SweepReport> {
  if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0) {
    throw new InvalidArgumentError("olderThanMs", "must be a non-negative number of milliseconds", {
      provider: "modal",
    });
  }
  const tags: Record<string, string> = { [MANAGED_TAG]: "true" };
  if (options.owner !== undefined) tags[OWNER_TAG] = options.owner;
  if (options.runId !== undefined) tags[RUN_TAG] = options.runId;
  const report: SweepReport = { terminated: [], kept: [], failed: [] };
  const cutoff = Date.now() - options.olderThanMs;
  try {
    for await (const sandbox of client.sandboxes.list({ appId, tags })) {
      const id = sandbox.sandboxId;
      try {
        const created = Number((await sandbox.getTags())[CREATED_TAG]);
        if (!Number.isFinite(created) || created > cutoff) {
          report.kept.push(id);
          continue;
        }
        if (!options.dryRun) await sandbox.terminate();
        report.terminated.push(id);
      } catch (error) {
        report.failed.push({
          externalId: id,
          error: mapModalError(error, { operation: "sweep", externalId: id }).message,
        });
      } finally {
        sandbox.detach();
      }
    }
  } catch (error) {
    throw mapModalError(error, { operation: "sweep" });
  }
  return report;
}
